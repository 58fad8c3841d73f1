"""Answering for the hub to the people it holds data about (DESIGN §7): the record of
processing (UK GDPR Art. 30), a subject access export for a child (Art. 15), and "who looked
at my record" for a child or a person with parental responsibility.

All three are the DPO's (or Caldicott guardian's) to answer, declaring ``audit.dpo``
(``resolvers.dpo.require_audit_role``: ``FORBIDDEN`` for other roles, ``PURPOSE_REQUIRED``
without that purpose). A child is reached under the audit-duty exemption
(``resolvers.dpo.find_child_for_audit``), so the export or report lands in the DPO's own
audit event, which also notes what was produced.

What the subject is not given, and is never told was withheld (an exemption applied to one
record would itself disclose what it protects):

- sealed records;
- covert police records whose disclosure date is unset or still to come;
- categories an owning agency recorded a decision not to share (not lifted);
- a shielded address (the requester may be the person it is shielded from);
- while such a covert police record exists, every access by a police force.

"Who looked" shows organisations and purposes, aggregated per day (Europe/London), never
staff names or user ids. Accesses that disclosed nothing (refusals) are left out. The DPO's
own accesses are included, under the purpose "Data protection: audit and requests": the
subject is entitled to know that their record was read to answer them, and hiding the
data protection officer's reads would make the log less, not more, accountable.

Children merged into the one asked about count as the same child: their records and
accesses are included.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import and_, bindparam, exists, func, select

from audit.events import timestamp
from audit.processing import (
    AGENCY_KIND_LABELS,
    CATEGORY_LABELS,
    LAWFUL_BASIS_LABELS,
    PURPOSE_LABELS,
    build_record_of_processing,
    md,
    render_markdown,
)
from db import (
    Agency,
    AuditAccess,
    AuditEvent,
    Child,
    ChildIdentifier,
    Record,
    SharingDecision,
)
from policies.grants import GrantTable
from resolvers.addresses import address_for
from resolvers.children import MAX_MERGE_HOPS
from resolvers.context import LONDON, RequestContext
from resolvers.dpo import EPOCH, find_child_for_audit, require_audit_role
from resolvers.errors import HubError
from resolvers.sql import fetch, undisclosed_covert
from resolvers.views import AgencyView, ChildView
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.purposes import Purpose
from vocab.restrictions import Restriction

#: The audit note naming what an operation produced.
EXPORT_NOTE: Final = "export"
REPORT_NOTE: Final = "report"
SUBJECT_ACCESS: Final = "subject_access"
RECORD_OF_PROCESSING: Final = "record_of_processing"
WHO_LOOKED: Final = "who_looked"

EXPORT_TITLE: Final = "Subject access export (UK GDPR Article 15)"
#: Said in every export, whatever was or was not withheld.
EXPORT_NOTICE: Final = (
    "Information may be withheld where an exemption in the Data Protection Act 2018 applies, "
    "for example to protect the child or another person, or the prevention or detection of "
    "crime. Staff names are not shown: access is listed by organisation and purpose."
)
UNKNOWN_PURPOSE: Final = "Other"
#: ``child_identifiers.scheme`` of a unique pupil number.
UPN_SCHEME: Final = "upn"

_MERGED_INTO = select(Child.id).where(Child.merged_into_id.in_(bindparam("ids", expanding=True)))
_AGENCIES = select(Agency.kind, func.count()).where(Agency.active.is_(True)).group_by(Agency.kind)
#: Records the subject may be given: not sealed, not covert until disclosable, not of a
#: category its owner decided not to share about the child.
_EXPORTABLE = (
    select(
        Record.category,
        Record.lawful_basis,
        Record.valid_from,
        Record.valid_to,
        Record.payload,
        Record.version,
        Record.created_at,
        Record.updated_at,
        Agency.code,
        Agency.name,
        Agency.kind,
    )
    .join(Agency, Agency.id == Record.agency_id)
    .where(
        Record.child_id.in_(bindparam("child_ids", expanding=True)),
        Record.restriction != Restriction.SEALED,
        ~undisclosed_covert(),
        ~exists().where(
            SharingDecision.child_id == Record.child_id,
            SharingDecision.agency_id == Record.agency_id,
            SharingDecision.category == Record.category,
            SharingDecision.lifted_at.is_(None),
        ),
    )
    .order_by(Record.valid_from, Record.created_at, Record.id)
)
#: A covert police interest not yet disclosable: police accesses stay out of "who looked".
_COVERT_PENDING = select(
    exists().where(
        Record.child_id.in_(bindparam("child_ids", expanding=True)), undisclosed_covert()
    )
)
_ACCESSES = (
    select(AuditAccess.occurred_at, Agency.code, Agency.name, Agency.kind, AuditEvent.purpose)
    .join(
        AuditEvent,
        and_(
            AuditEvent.seq == AuditAccess.seq,
            AuditEvent.occurred_at == AuditAccess.occurred_at,
            # PostgreSQL prunes both tables' monthly partitions only when both are bounded
            AuditEvent.occurred_at >= bindparam("since"),
            AuditEvent.occurred_at < bindparam("until"),
        ),
    )
    .join(Agency, Agency.id == AuditAccess.agency_id)
    .where(
        AuditAccess.child_id.in_(bindparam("child_ids", expanding=True)),
        AuditAccess.disclosed.is_(True),
        AuditAccess.occurred_at >= bindparam("since"),
        AuditAccess.occurred_at < bindparam("until"),
    )
)
_UPNS = (
    select(ChildIdentifier.value)
    .where(
        ChildIdentifier.child_id.in_(bindparam("child_ids", expanding=True)),
        ChildIdentifier.scheme == UPN_SCHEME,
    )
    .order_by(ChildIdentifier.value)
)


@dataclass(frozen=True, slots=True)
class ProcessingRecordView:
    generated_at: datetime
    policy_version: str
    json: dict[str, Any]
    markdown: str


@dataclass(frozen=True, slots=True)
class SubjectAccessView:
    generated_at: datetime
    json: dict[str, Any]
    document: str


@dataclass(frozen=True, slots=True)
class AccessSummaryView:
    """Accesses to a child by one organisation, for one purpose, on one day."""

    date: date
    organisation: AgencyView
    purpose: str
    purpose_of_use: Purpose | None
    count: int


async def _child_ids(ctx: RequestContext, child: ChildView) -> list[int]:
    """The child and every identity merged into it (however many merges back)."""
    ids, frontier = [child.id], [child.id]
    for _ in range(MAX_MERGE_HOPS):
        frontier = [row[0] for row in await fetch(ctx, _MERGED_INTO, ids=frontier)]
        frontier = [i for i in frontier if i not in ids]
        if not frontier:
            break
        ids += frontier
    return ids


# --- Who looked ---------------------------------------------------------------------------


def _period(since: date | None, until: date | None, today: date) -> tuple[datetime, datetime]:
    """UTC bounds for London days ``since`` to ``until`` inclusive (default: all, to today)."""
    last = until or today
    if since is not None and since > last:
        raise HubError(
            "INVALID_PERIOD", "since: is after until (today when not given)", field="since"
        )
    start = (
        datetime.combine(since, time(0), tzinfo=LONDON).astimezone(UTC)
        if since is not None
        else EPOCH
    )
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(UTC)
    return start, end


def _purpose(value: str | None) -> Purpose | None:
    try:
        return Purpose(value) if value is not None else None
    except ValueError:
        return None


async def _who_looked(
    ctx: RequestContext, child_ids: list[int], start: datetime, end: datetime
) -> list[AccessSummaryView]:
    covert = bool((await fetch(ctx, _COVERT_PENDING, child_ids=child_ids, today=ctx.today))[0][0])
    counts: Counter[tuple[date, AgencyView, str | None]] = Counter()
    for occurred_at, code, name, kind, purpose in await fetch(
        ctx, _ACCESSES, child_ids=child_ids, since=start, until=end
    ):
        if covert and kind is AgencyKind.POLICE:
            continue
        day = occurred_at.astimezone(LONDON).date()
        counts[day, AgencyView(code, name, kind), purpose] += 1
    rows = []
    for (day, agency, value), count in counts.items():
        purpose = _purpose(value)
        label = PURPOSE_LABELS[purpose] if purpose is not None else UNKNOWN_PURPOSE
        rows.append(AccessSummaryView(day, agency, label, purpose, count))
    rows.sort(key=lambda r: (-r.date.toordinal(), r.organisation.name, r.purpose))
    return rows


async def who_looked_at_record(
    ctx: RequestContext,
    *,
    nhs_number: str | None,
    hub_id: str | None,
    since: date | None,
    until: date | None,
) -> list[AccessSummaryView]:
    """Which organisations accessed the child's record, for what purpose, how often a day."""
    require_audit_role(ctx)
    start, end = _period(since, until, ctx.today)
    child = (await find_child_for_audit(ctx, nhs_number=nhs_number, hub_id=hub_id)).child
    ctx.audit.note(REPORT_NOTE, WHO_LOOKED)
    ctx.audit.note("since", since.isoformat() if since else None)
    ctx.audit.note("until", (until or ctx.today).isoformat())
    return await _who_looked(ctx, await _child_ids(ctx, child), start, end)


def _access_json(row: AccessSummaryView) -> dict[str, Any]:
    return {
        "date": row.date.isoformat(),
        "organisation": row.organisation.name,
        "organisation_kind": row.organisation.kind.value,
        "purpose": row.purpose,
        "count": row.count,
    }


# --- Record of processing -----------------------------------------------------------------


def _table(ctx: RequestContext) -> GrantTable:
    if not isinstance(ctx.grants, GrantTable):  # the server always installs a GrantTable
        raise TypeError("the record of processing needs the compiled GrantTable")
    return ctx.grants


async def record_of_processing(ctx: RequestContext) -> ProcessingRecordView:
    """The Art. 30 record for the policy in force in this request."""
    require_audit_role(ctx)
    table = _table(ctx)
    agencies = {kind: count for kind, count in await fetch(ctx, _AGENCIES)}
    record = build_record_of_processing(
        grants=table.grants,
        policy_version=table.version,
        agencies=agencies,
        generated_at=ctx.now,
    )
    ctx.audit.note(EXPORT_NOTE, RECORD_OF_PROCESSING)
    return ProcessingRecordView(ctx.now, table.version, record, render_markdown(record))


# --- Subject access export ----------------------------------------------------------------


async def _identity(ctx: RequestContext, child: ChildView, child_ids: list[int]) -> dict[str, Any]:
    current = (await address_for(ctx, child)).address  # null, and masked, when shielded
    address = None
    if current is not None:
        address = {
            "line1": current.line1,
            "line2": current.line2,
            "town": current.town,
            "postcode": current.postcode,
        }
    upns = [row[0] for row in await fetch(ctx, _UPNS, child_ids=child_ids)]
    return {
        "hub_id": child.hub_id,
        "nhs_number": child.nhs_number,
        "given_name": child.given_name,
        "family_name": child.family_name,
        "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else None,
        "sex": child.sex.value,
        "address": address,
        "upns": upns,
    }


_CATEGORY_ORDER: Final = {category: index for index, category in enumerate(Category)}


def _records(rows: Sequence[Any]) -> list[dict[str, Any]]:
    records = []
    for row in sorted(rows, key=lambda r: (r.name, _CATEGORY_ORDER[r.category])):
        records.append(
            {
                "category": row.category.value,
                "category_label": CATEGORY_LABELS[row.category],
                "organisation": {"name": row.name, "kind": row.kind.value, "code": row.code},
                "lawful_basis": row.lawful_basis.value,
                "lawful_basis_label": LAWFUL_BASIS_LABELS[row.lawful_basis],
                "valid_from": row.valid_from.isoformat(),
                "valid_to": row.valid_to.isoformat() if row.valid_to else None,
                "recorded_at": timestamp(row.created_at),
                "updated_at": timestamp(row.updated_at),
                "version": row.version,
                "payload": dict(row.payload),  # JSON as stored
            }
        )
    return records


async def subject_access_export(
    ctx: RequestContext, *, nhs_number: str | None, hub_id: str | None
) -> SubjectAccessView:
    """Everything the partners hold about the child that the subject may be given, and who
    has accessed it: as JSON and as a readable document."""
    require_audit_role(ctx)
    child = (await find_child_for_audit(ctx, nhs_number=nhs_number, hub_id=hub_id)).child
    child_ids = await _child_ids(ctx, child)
    identity = await _identity(ctx, child, child_ids)
    rows = await fetch(ctx, _EXPORTABLE, child_ids=child_ids, today=ctx.today)
    start, end = _period(None, None, ctx.today)
    history = await _who_looked(ctx, child_ids, start, end)
    export = {
        "title": EXPORT_TITLE,
        "generated_at": timestamp(ctx.now),
        "child": identity,
        "records": _records(rows),
        "access_history": [_access_json(row) for row in history],
        "notice": EXPORT_NOTICE,
    }
    ctx.audit.note(EXPORT_NOTE, SUBJECT_ACCESS)
    ctx.audit.note("records", len(export["records"]))
    return SubjectAccessView(ctx.now, export, render_export(export))


# --- The readable document ----------------------------------------------------------------


def _london(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(LONDON).strftime("%d %B %Y, %H:%M")


def _day(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%d %B %Y") if value else ""


def _detail(value: Any) -> str:
    """A payload value in words (payloads are flat: ``db.payloads``)."""
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _words(key: str) -> str:
    return key.replace("_", " ")


def render_export(export: dict[str, Any]) -> str:
    """A subject access export as a readable Markdown document, from its JSON."""
    child = export["child"]
    name = f"{child['given_name']} {child['family_name']}"
    out = [
        f"# {export['title']}",
        "",
        f"Prepared {md(_london(export['generated_at']))} (UK time).",
        "",
        md(export["notice"]),
        "",
        "## The child",
        "",
        f"- Name: {md(name)}",
        f"- NHS number: {md(child['nhs_number'] or 'not known')}",
        f"- Hub identifier: {md(child['hub_id'])}",
        f"- Date of birth: {md(_day(child['date_of_birth']) or 'not known')}",
        f"- Sex: {md(_words(child['sex']))}",
    ]
    if child["address"]:
        parts = [child["address"][k] for k in ("line1", "line2", "town", "postcode")]
        out.append(f"- Address: {md(', '.join(p for p in parts if p))}")
    if child["upns"]:
        out.append(f"- Unique pupil numbers: {md(', '.join(child['upns']))}")
    records = export["records"]
    organisations = sorted({r["organisation"]["name"] for r in records})
    out += [
        "",
        "## Records held by partner organisations",
        "",
        f"{len(records)} records from {len(organisations)} organisations.",
    ]
    current = None
    for record in records:
        organisation = record["organisation"]
        if organisation["name"] != current:
            current = organisation["name"]
            kind = AGENCY_KIND_LABELS[AgencyKind(organisation["kind"])]
            out += ["", f"### {md(current)} ({md(kind)})"]
        period = _day(record["valid_from"])
        if record["valid_to"]:
            period += f" to {_day(record['valid_to'])}"
        else:
            period = f"from {period}"
        out += [
            "",
            f"#### {md(record['category_label'])}",
            "",
            f"- Period: {md(period)}",
            f"- Lawful basis: {md(record['lawful_basis_label'])}",
            f"- Recorded: {md(_london(record['recorded_at']))}; last updated "
            f"{md(_london(record['updated_at']))} (version {record['version']})",
        ]
        out += [
            f"- {md(_words(k).capitalize())}: {md(_detail(v))}"
            for k, v in record["payload"].items()
        ]
    history = export["access_history"]
    out += ["", "## Who has looked at this record", ""]
    if history:
        out += ["| date | organisation | purpose | times |", "|---|---|---|---|"]
        out += [
            f"| {md(_day(row['date']))} | {md(row['organisation'])} | {md(row['purpose'])} | "
            f"{row['count']} |"
            for row in history
        ]
    else:
        out.append("No organisation has looked at this record.")
    return "\n".join(out) + "\n"
