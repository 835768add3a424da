"""The stored access tokens as a whole: which ones the keys decrypt, and their re-encryption
under the first key (`pytake secrets rotate`)."""

import uuid
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pytake.core.secrets import SecretBox, SecretsError, WrongSecretKeyError
from pytake.numbers.models import WhatsAppNumber

_number = cast(Table, WhatsAppNumber.__table__)


class UnreadableTokenError(SecretsError):
    def __init__(self, number_id: uuid.UUID) -> None:
        super().__init__(
            f"no key of PYTAKE_SECRET_KEY decrypts the access token of WhatsApp number "
            f"{number_id}; nothing was re-encrypted"
        )


@dataclass(frozen=True, slots=True)
class TokenCheck:
    stored: int
    unreadable: list[uuid.UUID]


async def check_tokens(session: AsyncSession, secrets: SecretBox) -> TokenCheck:
    """How many tokens are stored, and the numbers whose token no key decrypts."""
    rows = (await session.execute(select(_number.c.id, _number.c.access_token))).all()
    unreadable = [number_id for number_id, token in rows if not secrets.can_decrypt(token)]
    return TokenCheck(len(rows), unreadable)


async def reencrypt_tokens(session: AsyncSession, secrets: SecretBox) -> int:
    """Every token encrypted again under the first key; UnreadableTokenError (and nothing
    written) when one cannot be decrypted. A number's `updated_at` stays: it did not change."""
    rows = (
        await session.execute(
            select(_number.c.id, _number.c.access_token).order_by(_number.c.id).with_for_update()
        )
    ).all()
    rotated = []
    for number_id, token in rows:
        try:
            rotated.append({"b_id": number_id, "b_token": secrets.rotate(token)})
        except WrongSecretKeyError:
            raise UnreadableTokenError(number_id) from None
    if rotated:
        await session.execute(
            update(_number)
            .where(_number.c.id == bindparam("b_id"))
            .values(access_token=bindparam("b_token"), updated_at=_number.c.updated_at),
            rotated,
        )
    return len(rotated)
