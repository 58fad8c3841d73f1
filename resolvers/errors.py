"""Errors a caller may see: a stable ``code`` for ``extensions.code`` and a message that names
the field at fault but never echoes personal data."""


class HubError(Exception):
    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


MIN_JUSTIFICATION = 20
MAX_JUSTIFICATION = 2000


def justification(text: str) -> str:
    """A written justification (break-glass, statutory sharing, a decision not to share),
    trimmed; ``JUSTIFICATION_REQUIRED`` when too short to explain anything or too long."""
    trimmed = text.strip()
    if not MIN_JUSTIFICATION <= len(trimmed) <= MAX_JUSTIFICATION:
        raise HubError(
            "JUSTIFICATION_REQUIRED",
            f"justification: write {MIN_JUSTIFICATION} to {MAX_JUSTIFICATION} characters",
            field="justification",
        )
    return trimmed
