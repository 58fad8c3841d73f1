"""The decisions of one request, in order."""

from dataclasses import dataclass, field

from policies.decision import Decision


@dataclass(slots=True)
class AuditTrail:
    request_id: str
    decisions: list[Decision] = field(default_factory=list)
    #: Fields returned null for a reason (child id, field, code): "fields masked".
    masked: list[tuple[int, str, str]] = field(default_factory=list)

    def record(self, decision: Decision) -> None:
        self.decisions.append(decision)

    def mask(self, child_id: int, field_name: str, code: str) -> None:
        self.masked.append((child_id, field_name, code))

    @property
    def children(self) -> set[int]:
        return {d.child_id for d in self.decisions if d.child_id is not None}

    @property
    def refusals(self) -> list[Decision]:
        return [d for d in self.decisions if not d.allowed]
