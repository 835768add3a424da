"""Logging set-up: one format for every process, and no secret ever in a record."""

import logging
import re

_SECRET = re.compile(r"(Bearer\s+|bearer\.|access_token=|api_key=)[^\s&\"']+", re.IGNORECASE)


class RedactSecrets(logging.Filter):
    """Masks bearer tokens and key parameters that might slip into a message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET.sub(r"\1***", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RedactSecrets())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
