"""Expected failures, each carrying the HTTP status the web layer renders it with."""


class PytakeError(Exception):
    """Base of every expected failure; `str(error)` is the message shown to the user."""

    status_code = 400


class NotFoundError(PytakeError):
    status_code = 404


class ConflictError(PytakeError):
    status_code = 409


class InvalidInputError(PytakeError):
    """Input that passed schema validation but breaks a rule (bad phone, empty audience)."""

    status_code = 422

    def __init__(self, message: str, *, field: str | None = None, location: str = "body") -> None:
        super().__init__(message)
        self.field = field
        self.location = location


class AuthenticationError(PytakeError):
    status_code = 401


class TooManyAttemptsError(PytakeError):
    """Too many failed credentials from one address: answered 429 with `Retry-After`."""

    status_code = 429

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
