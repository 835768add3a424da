"""Redis set-up: one client per process and per event loop, and the check made at start."""

from urllib.parse import urlsplit

from redis import RedisError
from redis.asyncio import Redis

from pytake.core.errors import PytakeError

# A dead Redis must be noticed in seconds, not after the OS's TCP timeouts.
CONNECT_TIMEOUT_SECONDS = 2.0
SOCKET_TIMEOUT_SECONDS = 5.0


class RedisUnavailableError(PytakeError):
    status_code = 503


def create_redis(url: str) -> Redis:
    return Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        health_check_interval=15,
    )


def describe_url(url: str) -> str:
    """The URL without its password, fit for a log line or an error message."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{parts.scheme}://{host}:{parts.port or 6379}{parts.path}"


async def check_redis(url: str) -> None:
    """Raises RedisUnavailableError, saying where and why, unless Redis answers a PING."""
    client = create_redis(url)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        raise RedisUnavailableError(
            f"Redis is not reachable at {describe_url(url)} ({type(exc).__name__}: {exc})"
        ) from None
    finally:
        await client.aclose()
