"""The record of processing activities (UK GDPR Art. 30), derived from policy and agreements.

``build_record_of_processing`` is a pure function of the compiled sharing policy (its grants
and version), the vocabulary, the statutory bases each purpose shares under
(``policies.decision.STATUTORY_BASIS``), the consent-based categories and the fixed list of
statutory bases that may stand in for consent (``vocab.consent``), and how many partner
agencies of each kind there are. Change the policy and the record changes with it; nothing
in it is written by hand except what the code itself does (retention, security measures),
which is stated plainly and never embellished with figures the code does not enforce.

``render_markdown`` renders the same structure as a readable document, from the JSON alone,
so the two cannot disagree.

The human labels for purposes, categories, agency kinds and lawful bases live here too:
the subject access export and the "who looked at my record" view use them.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from audit.events import timestamp
from policies.decision import STATUTORY_BASIS
from policies.grants import AGGREGATE_ONLY_PURPOSES, Grant
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import OWNER_KINDS, Category
from vocab.consent import CONSENT_CATEGORIES, STATUTORY_OVERRIDE_BASES
from vocab.lawful_bases import LawfulBasis
from vocab.purposes import Purpose
from vocab.roles import Role

__all__ = [
    "AGENCY_KIND_LABELS",
    "CATEGORY_LABELS",
    "LAWFUL_BASIS_LABELS",
    "PURPOSE_LABELS",
    "TITLE",
    "build_record_of_processing",
    "md",
    "render_markdown",
]

TITLE: Final = "Record of processing activities (UK GDPR Article 30)"

PURPOSE_LABELS: Final[dict[Purpose, str]] = {
    Purpose.SAFEGUARDING_MASH: "Safeguarding: multi-agency front door (MASH)",
    Purpose.SAFEGUARDING_S47: "Safeguarding: child protection enquiry (section 47)",
    Purpose.SAFEGUARDING_ENCOMPASS: "Safeguarding: Operation Encompass notification",
    Purpose.EARLY_HELP: "Early help",
    Purpose.DIRECT_CARE: "Direct care",
    Purpose.EDUCATION_WELFARE: "Education welfare",
    Purpose.AUDIT_DPO: "Data protection: audit and requests",
    Purpose.INSPECTION: "Inspection",
    Purpose.STATISTICS: "Statistics (aggregate only)",
}

CATEGORY_LABELS: Final[dict[Category, str]] = {
    Category.IDENTITY: "Identity (name, date of birth, sex, address)",
    Category.COUNCIL_CHILD_IN_NEED: "Child in need",
    Category.COUNCIL_CHILD_PROTECTION_PLAN: "Child protection plan",
    Category.COUNCIL_LOOKED_AFTER: "Looked after by the council",
    Category.COUNCIL_CARE_LEAVER: "Care leaver",
    Category.COUNCIL_EARLY_HELP: "Early help",
    Category.COUNCIL_ALLOCATED_WORKER: "Allocated worker",
    Category.POLICE_DOMESTIC_ABUSE_INCIDENT: "Domestic abuse incident",
    Category.POLICE_MISSING_EPISODE: "Missing episode",
    Category.POLICE_EXPLOITATION_INTELLIGENCE: "Exploitation intelligence",
    Category.HEALTH_GP_REGISTRATION: "GP registration",
    Category.HEALTH_UNSCHEDULED_CARE_ATTENDANCE: "Unscheduled care attendance",
    Category.HEALTH_EXPLOITATION_RISK_FLAG: "Exploitation risk flag",
    Category.HEALTH_MENTAL_HEALTH: "Mental health",
    Category.EDUCATION_ENROLMENT: "School enrolment",
    Category.EDUCATION_ATTENDANCE: "School attendance",
    Category.EDUCATION_EXCLUSION: "School exclusion",
    Category.EDUCATION_EHCP: "Education, health and care plan",
    Category.EDUCATION_NOT_IN_SCHOOL: "Not in school",
    Category.DISTRICT_HOUSING: "Housing",
    Category.DISTRICT_ANTI_SOCIAL_BEHAVIOUR: "Anti-social behaviour",
    Category.MASH_ENQUIRY: "MASH enquiry",
    Category.MASH_RESPONSE: "MASH response",
    Category.MASH_DECISION: "MASH decision",
    Category.ENCOMPASS_NOTIFICATION: "Operation Encompass notification",
}

AGENCY_KIND_LABELS: Final[dict[AgencyKind, str]] = {
    AgencyKind.COUNCIL: "Council (children's services)",
    AgencyKind.POLICE: "Police force",
    AgencyKind.HEALTH: "NHS body (integrated care board or provider)",
    AgencyKind.SCHOOL: "School or college",
    AgencyKind.DISTRICT: "District council",
}

#: The identifier each kind of partner is known by (DESIGN §4).
AGENCY_IDENTIFIERS: Final[dict[AgencyKind, str]] = {
    AgencyKind.COUNCIL: "ONS code (and DfE local authority number)",
    AgencyKind.POLICE: "ONS code",
    AgencyKind.HEALTH: "ODS code",
    AgencyKind.SCHOOL: "DfE URN",
    AgencyKind.DISTRICT: "ONS code",
}

LAWFUL_BASIS_LABELS: Final[dict[LawfulBasis, str]] = {
    LawfulBasis.CHILDREN_ACT_1989_S17: "Children Act 1989 s.17 (children in need)",
    LawfulBasis.CHILDREN_ACT_1989_S47: "Children Act 1989 s.47 (child protection enquiries)",
    LawfulBasis.CHILDREN_ACT_2004_S11: "Children Act 2004 s.11 (duty to safeguard)",
    LawfulBasis.DPA_2018_SCH1_PARA18: (
        "Data Protection Act 2018 Sch.1 para 18 (safeguarding of children and individuals at risk)"
    ),
    LawfulBasis.CWS_ACT_2026_DUTY_TO_SHARE: (
        "Children's Wellbeing and Schools Act 2026 s.4 (duty to share)"
    ),
    LawfulBasis.VICTIMS_AND_PRISONERS_ACT_2024: (
        "Victims and Prisoners Act 2024 (Operation Encompass)"
    ),
    LawfulBasis.PUBLIC_TASK: "UK GDPR Art. 6(1)(e) (public task)",
    LawfulBasis.CONSENT: "Consent",
}

DATA_SUBJECTS: Final = (
    {
        "subject": "children",
        "description": (
            "Children known to a statutory partner: identity (name, date of birth, sex, NHS "
            "number, hub id, UPN, agencies' references), address, and records in the "
            "categories below."
        ),
    },
    {
        "subject": "parents_and_carers",
        "description": (
            "Adults with parental responsibility: named as members of a child's household "
            "and as the givers of consent."
        ),
    },
    {
        "subject": "adults_in_household",
        "description": "Other adults in a child's household: name and date of birth.",
    },
    {
        "subject": "partner_staff",
        "description": (
            "Users of the hub in partner agencies: name, agency and roles; their accesses "
            "in the audit log."
        ),
    },
)

RETENTION: Final = (
    {
        "data": "audit log",
        "rule": (
            "Kept append-only: the hub has no operation that alters or deletes an audit "
            "event, the database rejects updates and deletions (triggers; on PostgreSQL the "
            "application's role also lacks the privilege), and each event is hash-chained to "
            "the one before."
        ),
    },
    {
        "data": "records",
        "rule": (
            "Held under the owning agency's own retention schedule. The hub deletes no record "
            "itself, and keeps every superseded version of an amended record."
        ),
    },
    {
        "data": "consents and decisions not to share",
        "rule": ("Kept when withdrawn or lifted, so what was in force at any time remains known."),
    },
    {
        "data": "children's identities",
        "rule": "Kept; a duplicate identity merged into another points to the survivor.",
    },
    {
        "data": "break-glass sessions",
        "rule": "Kept with their justification and the outcome of their review.",
    },
)

SECURITY_MEASURES: Final = (
    "Deny by default: nothing is disclosed without a grant in the sharing policy (role, "
    "category, action and purpose; Casbin is the source of truth), a declared purpose of use, "
    "and a legitimate relationship with the child or a recorded break-glass.",
    "Break-glass needs a written justification, is time-boxed, alerts the owning agencies and "
    "the DPO, and awaits review.",
    "Minimum necessary: consent-based categories need consent in scope or a recorded "
    "statutory basis; sealed records, covert police interest until its disclosure date, "
    "owners' decisions not to share and shielded addresses are withheld.",
    "Only the owning agency amends a record; every previous version is kept.",
    "Every operation, allowed or refused, writes one audit event that is committed before any "
    "data leaves (fail closed); it records purpose, lawful bases, decisions and policy rule "
    "ids, never record contents.",
    "The audit log is append-only and hash-chained (SHA-256 over RFC 8785 canonical JSON); "
    "signed checkpoints (Ed25519) let partners prove its history was not rewritten.",
    "Users authenticate with bearer tokens from their own agency's identity provider; roles "
    "are held within the user's own agency.",
    "Personal data is kept out of logs, traces and error messages.",
    "The sharing policy is versioned with who changed it, when and why; this record names the "
    "version it was generated from.",
    "Transport encryption (TLS) is expected at deployment, in front of the hub; the hub does "
    "not terminate TLS itself.",
)

TRANSFERS: Final = (
    "The hub makes no transfer outside the partnership; where it is hosted is a deployment "
    "decision, to be recorded alongside this record."
)

CONTROLLERS_NOTE: Final = (
    "Each partner agency is the controller of the records it owns and answers for its "
    "disclosures; the partnership shares the hub."
)

_ROLE_ORDER: Final = {role: index for index, role in enumerate(Role)}
_KIND_ORDER: Final = {kind: index for index, kind in enumerate(AgencyKind)}


def _owner_kinds(category: Category) -> list[AgencyKind]:
    return sorted(OWNER_KINDS[category], key=_KIND_ORDER.__getitem__)


def _category(category: Category) -> dict[str, Any]:
    owners = OWNER_KINDS[category]
    special = category.value.startswith("health.")
    criminal = owners == frozenset({AgencyKind.POLICE})
    return {
        "category": category.value,
        "label": CATEGORY_LABELS[category],
        "special_category": special,
        "criminal_offence_data": criminal,
        "consent_based": category in CONSENT_CATEGORIES,
        # the Art. 9 / Art. 10 condition the hub shares these under, besides consent
        "condition": LawfulBasis.DPA_2018_SCH1_PARA18.value if special or criminal else None,
    }


def _controllers(agencies: Mapping[AgencyKind, int]) -> list[dict[str, Any]]:
    return [
        {
            "kind": kind.value,
            "label": AGENCY_KIND_LABELS[kind],
            "identifier": AGENCY_IDENTIFIERS[kind],
            "count": int(agencies.get(kind, 0)),
        }
        for kind in AgencyKind
    ]


def _purposes(grants: list[Grant]) -> list[dict[str, Any]]:
    out = []
    for purpose in Purpose:
        under = [grant for grant in grants if grant.purpose is purpose]
        declared_by = sorted(
            {(grant.role, grant.agency_kind) for grant in under},
            key=lambda pair: (_ROLE_ORDER[pair[0]], _KIND_ORDER[pair[1]]),
        )
        categories = {grant.category for grant in under}
        basis = STATUTORY_BASIS[purpose]
        out.append(
            {
                "purpose": purpose.value,
                "label": PURPOSE_LABELS[purpose],
                "lawful_basis": basis.value,
                "lawful_basis_label": LAWFUL_BASIS_LABELS[basis],
                "aggregate_only": purpose in AGGREGATE_ONLY_PURPOSES,
                "row_level": bool(under),
                "declared_by": [
                    {"role": role.value, "agency_kind": kind.value} for role, kind in declared_by
                ],
                "categories": [c.value for c in Category if c in categories],
            }
        )
    return out


def _personal_data() -> list[dict[str, Any]]:
    groups: dict[tuple[AgencyKind, ...], list[Category]] = {}
    for category in Category:
        groups.setdefault(tuple(_owner_kinds(category)), []).append(category)
    return [
        {
            "owner_kinds": [kind.value for kind in kinds],
            "categories": [_category(category) for category in categories],
        }
        for kinds, categories in groups.items()
    ]


def _recipients(grants: list[Grant]) -> list[dict[str, Any]]:
    out = []
    for category in Category:
        readers: dict[tuple[Role, AgencyKind], set[Purpose]] = {}
        for grant in grants:
            if grant.category is category and grant.action is Action.READ:
                readers.setdefault((grant.role, grant.agency_kind), set()).add(grant.purpose)
        ordered = sorted(readers, key=lambda pair: (_KIND_ORDER[pair[1]], _ROLE_ORDER[pair[0]]))
        out.append(
            {
                "category": category.value,
                "label": CATEGORY_LABELS[category],
                "recipients": [
                    {
                        "agency_kind": kind.value,
                        "role": role.value,
                        "purposes": [p.value for p in Purpose if p in readers[role, kind]],
                    }
                    for role, kind in ordered
                ],
            }
        )
    return out


def _agreements() -> dict[str, Any]:
    return {
        "statutory_bases": [
            {
                "purpose": purpose.value,
                "lawful_basis": STATUTORY_BASIS[purpose].value,
                "label": LAWFUL_BASIS_LABELS[STATUTORY_BASIS[purpose]],
            }
            for purpose in Purpose
        ],
        "consent_based_categories": [c.value for c in Category if c in CONSENT_CATEGORIES],
        "statutory_override_bases": [
            {"lawful_basis": basis.value, "label": LAWFUL_BASIS_LABELS[basis]}
            for basis in LawfulBasis
            if basis in STATUTORY_OVERRIDE_BASES
        ],
    }


def build_record_of_processing(
    *,
    grants: Iterable[Grant],
    policy_version: str,
    agencies: Mapping[AgencyKind, int],
    generated_at: datetime,
) -> dict[str, Any]:
    """The Art. 30 record for a compiled policy (``GrantTable.grants`` and ``.version``)
    and the number of partner agencies of each kind, as JSON-ready data."""
    ordered = sorted(
        grants,
        key=lambda g: (
            g.purpose.value,
            g.category.value,
            g.action.value,
            g.role.value,
            g.agency_kind.value,
        ),
    )
    return {
        "title": TITLE,
        "generated_at": timestamp(generated_at),
        "policy_version": policy_version,
        "grant_count": len(ordered),
        "controllers": _controllers(agencies),
        "controllers_note": CONTROLLERS_NOTE,
        "purposes": _purposes(ordered),
        "data_subjects": [dict(subject) for subject in DATA_SUBJECTS],
        "personal_data": _personal_data(),
        "recipients": _recipients(ordered),
        "agreements": _agreements(),
        "transfers": TRANSFERS,
        "retention": [dict(item) for item in RETENTION],
        "security_measures": list(SECURITY_MEASURES),
    }


# --- Markdown ------------------------------------------------------------------------------

_MD_SPECIAL: Final = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def md(text: object) -> str:
    """Text safe to place in Markdown (inline or in a table cell): markup characters escaped,
    line breaks flattened."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)


_ACRONYMS: Final = {"dpo": "DPO", "gp": "GP", "asb": "ASB", "mash": "MASH"}


def _words(value: str) -> str:
    """A vocabulary value in words: ``district_asb_officer`` -> ``district ASB officer``."""
    return " ".join(_ACRONYMS.get(word, word) for word in value.split("_"))


def _condition(value: str | None) -> str:
    return LAWFUL_BASIS_LABELS[LawfulBasis(value)] if value else ""


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def render_markdown(record: Mapping[str, Any]) -> str:
    """The record of processing as a readable Markdown document, from its JSON."""
    out = [
        f"# {record['title']}",
        "",
        f"Generated {md(record['generated_at'])} from sharing policy version "
        f"`{record['policy_version']}` ({record['grant_count']} grants). Regenerate it after "
        "any change to the policy.",
        "",
        "## Controllers",
        "",
        md(record["controllers_note"]),
        "",
        "| partner | identified by | number |",
        "|---|---|---|",
    ]
    out += [
        f"| {md(c['label'])} | {md(c['identifier'])} | {c['count']} |"
        for c in record["controllers"]
    ]
    out += [
        "",
        "## Purposes and lawful bases",
        "",
        "| purpose | lawful basis | declared by |",
        "|---|---|---|",
    ]
    for purpose in record["purposes"]:
        if purpose["row_level"]:
            who = ", ".join(
                f"{_words(d['role'])} ({d['agency_kind']})" for d in purpose["declared_by"]
            )
        elif purpose["aggregate_only"]:
            who = "aggregate figures only; never row-level"
        else:
            who = "not granted in this policy version"
        out.append(
            f"| {md(purpose['label'])} (`{purpose['purpose']}`) | "
            f"{md(purpose['lawful_basis_label'])} | {md(who)} |"
        )
    out += ["", "## Categories of data subjects", ""]
    out += [
        f"- **{_words(s['subject'])}**: {md(s['description'])}" for s in record["data_subjects"]
    ]
    out += [
        "",
        "## Categories of personal data",
        "",
        "Special category data (UK GDPR Art. 9) and criminal offence data (Art. 10) are "
        "marked; they are shared under the condition named, or with consent.",
        "",
    ]
    for group in record["personal_data"]:
        kinds = group["owner_kinds"]
        owners = "any partner" if len(kinds) == len(AgencyKind) else " or ".join(kinds)
        out += [
            f"### Owned by {owners}",
            "",
            "| category | special category | criminal offence data | consent-based | condition |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| {md(c['label'])} (`{c['category']}`) | {_yes(c['special_category'])} | "
            f"{_yes(c['criminal_offence_data'])} | {_yes(c['consent_based'])} | "
            f"{md(_condition(c['condition']))} |"
            for c in group["categories"]
        ]
        out.append("")
    out += [
        "## Recipients",
        "",
        "Who may read each category, by agency kind and role, and for which purposes. A grant "
        "is necessary, never sufficient: a legitimate relationship with the child, the lawful "
        "basis and any restriction on the record are checked on every access.",
        "",
        "| category | recipients |",
        "|---|---|",
    ]
    for item in record["recipients"]:
        readers = "; ".join(
            f"{_words(r['role'])}, {r['agency_kind']} ({', '.join(r['purposes'])})"
            for r in item["recipients"]
        )
        out.append(f"| {md(item['label'])} (`{item['category']}`) | {md(readers or 'none')} |")
    agreements = record["agreements"]
    out += ["", "## Sharing agreements", "", "Statutory basis each purpose shares under:", ""]
    out += [f"- `{a['purpose']}`: {md(a['label'])}" for a in agreements["statutory_bases"]]
    consent = ", ".join(f"`{c}`" for c in agreements["consent_based_categories"])
    overrides = "; ".join(md(b["label"]) for b in agreements["statutory_override_bases"])
    out += [
        "",
        f"Consent-based categories: {consent}. Shared with a partner only with consent in "
        f"scope or, with a written justification and for a limited time, on one of: "
        f"{overrides}.",
        "",
        "## Transfers",
        "",
        md(record["transfers"]),
        "",
        "## Retention",
        "",
    ]
    out += [f"- **{md(r['data'])}**: {md(r['rule'])}" for r in record["retention"]]
    out += ["", "## Security measures", ""]
    out += [f"- {md(measure)}" for measure in record["security_measures"]]
    return "\n".join(out) + "\n"
