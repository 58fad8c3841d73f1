"""The decisions of one request, in order, and what else its audit event must say."""

from dataclasses import dataclass, field

from policies.decision import Decision


@dataclass(slots=True)
class AuditTrail:
    request_id: str
    decisions: list[Decision] = field(default_factory=list)
    #: Fields returned null for a reason (child id, field, code): "fields masked".
    masked: list[tuple[int, str, str]] = field(default_factory=list)
    #: Facts a resolver adds to the event: identifiers and codes, never contents or names
    #: (a break-glass session and its justification, a review outcome, a report's period).
    notes: dict[str, str | int | bool | None] = field(default_factory=dict)

    def record(self, decision: Decision) -> None:
        self.decisions.append(decision)

    def mask(self, child_id: int, field_name: str, code: str) -> None:
        self.masked.append((child_id, field_name, code))

    def note(self, key: str, value: str | int | bool | None) -> None:
        self.notes[key] = value

    @property
    def children(self) -> set[int]:
        return {d.child_id for d in self.decisions if d.child_id is not None}

    @property
    def refusals(self) -> list[Decision]:
        return [d for d in self.decisions if not d.allowed]
