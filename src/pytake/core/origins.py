"""Web origins (`scheme://host[:port]`): read strictly, compared normalised; pure, no I/O.

What `PYTAKE_WHATSAPP_API_HOSTS` lists and what a number's `api_base_url` is checked against.
The reading refuses anything two URL parsers could disagree on (a user name, a backslash, a
host written in a legacy numeric form), so the origin checked is the origin connected to.
"""

import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
# Letters, digits, '-' and '_' (container names), dot-separated; ASCII only (IDNs as xn--).
_HOST_NAME = re.compile(
    r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*"
)
# A last label like this makes a browser or getaddrinfo read the host as an IPv4 address.
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\]")


class OriginError(ValueError):
    """Text that is not an origin (or URL) this product accepts; the message says why."""


@dataclass(frozen=True, slots=True, order=True)
class Origin:
    scheme: str
    # A lowercase host name, or an IP address in its canonical form (IPv6 without brackets).
    host: str
    port: int

    @property
    def is_ip_address(self) -> bool:
        return _ip_address(self.host) is not None

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}"


def parse_origin(text: str) -> Origin:
    """An origin written alone: `scheme://host[:port]`, at most a trailing "/" after it."""
    parts = _split(text)
    origin = _origin(parts.scheme, parts.netloc, parts.hostname, parts.port)
    if parts.path not in ("", "/") or "?" in text or "#" in text:
        raise OriginError("must be scheme://host[:port] alone, without a path, query or fragment")
    return origin


def origin_of(url: str) -> Origin:
    """The origin of an http:// or https:// URL; its path and query may be anything."""
    parts = _split(url)
    return _origin(parts.scheme, parts.netloc, parts.hostname, parts.port)


def parse_origins(text: str) -> tuple[Origin, ...]:
    """Comma-separated origins, blanks skipped; an error names the entry it is about."""
    found: list[Origin] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            found.append(parse_origin(entry))
        except OriginError as exc:
            raise OriginError(f"{entry!r} {exc}") from None
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class OriginAllowlist:
    """The origins requests may go to; any other URL is refused."""

    origins: frozenset[Origin]

    @classmethod
    def of(cls, origins: Iterable[Origin]) -> "OriginAllowlist":
        return cls(frozenset(origins))

    def __contains__(self, origin: object) -> bool:
        return origin in self.origins

    def __iter__(self) -> Iterator[Origin]:
        return iter(sorted(self.origins))

    def allows(self, url: str) -> bool:
        try:
            return origin_of(url) in self.origins
        except OriginError:
            return False

    def __str__(self) -> str:
        return ",".join(str(origin) for origin in self)


def _split(text: str) -> SplitResult:
    if _FORBIDDEN.search(text):
        raise OriginError("must not contain spaces, control characters or backslashes")
    try:
        parts = urlsplit(text)
        _ = parts.port  # reading the port checks it
    except ValueError as exc:  # a bracket left open, a port that is not a number
        raise OriginError(f"cannot be read as a URL ({exc})") from None
    return parts


def _origin(scheme: str, netloc: str, hostname: str | None, port: int | None) -> Origin:
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise OriginError("must start with http:// or https://")
    if "@" in netloc:
        raise OriginError("must not carry a user name or password")
    if not hostname:
        raise OriginError("names no host")
    if port == 0 or (port is None and netloc.endswith(":")):
        raise OriginError("has an empty or zero port")
    return Origin(scheme, _host(hostname), port or DEFAULT_PORTS[scheme])


def _host(hostname: str) -> str:
    if (address := _ip_address(hostname)) is not None:
        return str(address)
    name = hostname.lower().removesuffix(".")
    if not _HOST_NAME.fullmatch(name):
        raise OriginError(
            f"has a host {hostname!r} that is not an IP address or an ASCII host name"
        )
    if _NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1]):
        raise OriginError(f"has a host {hostname!r} that is not a canonical IP address")
    return name


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if "%" in host:  # an IPv6 zone names an interface of this machine
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
