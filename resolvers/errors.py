"""Errors a caller may see: a stable ``code`` for ``extensions.code`` and a message that names
the field at fault but never echoes personal data."""


class HubError(Exception):
    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
