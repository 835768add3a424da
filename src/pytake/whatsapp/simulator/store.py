"""The log of accepted messages (the proof of "each contact exactly once") and wamid minting."""

import base64
import itertools
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from pytake.whatsapp.simulator.validation import SendInput


@dataclass(frozen=True, slots=True)
class AcceptedMessage:
    """One message the simulator said yes to."""

    wamid: str
    to: str
    wa_id: str
    phone_number_id: str
    template_name: str | None
    biz_opaque_callback_data: str | None
    accepted_at: float

    def to_json(self) -> dict[str, object]:
        return {
            "wamid": self.wamid,
            "to": self.to,
            "wa_id": self.wa_id,
            "phone_number_id": self.phone_number_id,
            "template_name": self.template_name,
            "biz_opaque_callback_data": self.biz_opaque_callback_data,
            "accepted_at": datetime.fromtimestamp(self.accepted_at, UTC).isoformat(),
        }


class MessageLog:
    """Accepted messages in order; wamids stay unique across resets and restarts."""

    def __init__(self) -> None:
        self._messages: list[AcceptedMessage] = []
        # A random prefix per process, so a restarted simulator never reissues a wamid.
        self._prefix = os.urandom(4).hex().upper()
        self._counter = itertools.count(1)

    def __len__(self) -> int:
        return len(self._messages)

    def accept(self, send: SendInput, phone_number_id: str, accepted_at: float) -> AcceptedMessage:
        message = AcceptedMessage(
            wamid=self._mint_wamid(send.wa_id),
            to=send.to,
            wa_id=send.wa_id,
            phone_number_id=phone_number_id,
            template_name=send.template_name,
            biz_opaque_callback_data=send.biz_opaque_callback_data,
            accepted_at=accepted_at,
        )
        self._messages.append(message)
        return message

    def page(self, offset: int = 0, limit: int | None = None) -> list[AcceptedMessage]:
        end = None if limit is None else offset + limit
        return self._messages[offset:end]

    def clear(self) -> None:
        self._messages.clear()

    def _mint_wamid(self, wa_id: str) -> str:
        # Same layout as Meta's ids: a length-prefixed wa_id, then an 18-character hex token.
        token = f"{self._prefix}{next(self._counter):010X}"
        raw = b"\x1c\x18" + bytes((len(wa_id),)) + wa_id.encode() + b"\x15\x02\x00\x11\x18\x12"
        return "wamid." + base64.b64encode(raw + token.encode() + b"\x00").decode()
