"""API shapes of API keys: the key itself appears once, in the answer that creates it."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from pytake.core.api_fields import Trimmed

KeyName = Annotated[str, StringConstraints(min_length=1, max_length=100), Trimmed()]


class ApiKeyCreate(BaseModel):
    name: KeyName


class ApiKeyRead(BaseModel):
    """A key as lists show it: its prefix tells it apart, nothing more of it is given."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str


class ApiKeyList(BaseModel):
    items: list[ApiKeyRead]
