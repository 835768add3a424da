"""Imports every ORM model so that the metadata is complete (migrations, tests)."""

from pytake.campaigns import models as campaigns
from pytake.contacts import models as contacts
from pytake.core.db import Base
from pytake.numbers import models as numbers
from pytake.organizations import models as organizations
from pytake.sending import models as sending

metadata = Base.metadata

__all__ = ["campaigns", "contacts", "metadata", "numbers", "organizations", "sending"]
