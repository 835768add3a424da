"""Ids made many at a time are the same kind as those made one by one."""

import uuid

from pytake.core.db import new_id, new_ids


def test_ids_are_random_uuid4s_when_made_many_at_a_time() -> None:
    ids = new_ids(1000)
    assert len(set(ids)) == 1000
    assert {(i.version, i.variant) for i in ids} == {(4, uuid.RFC_4122)}
    assert (new_id().version, new_ids(0)) == (4, [])
