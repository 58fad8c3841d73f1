"""The GraphQL schema: thin Strawberry types whose fields call ``resolvers``."""

from collections.abc import AsyncGenerator, Callable

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from policies.admin import may_administer, may_read_policy
from policies.schools import may_keep_school_calendar
from schema import break_glass as glass
from schema import (
    children,
    consents,
    cp_is,
    dpo,
    encompass,
    mash,
    records,
    schools,
    statutory,
    users,
)
from schema import policy as policy_admin
from schema import subject_access as sar
from schema.errors import log_unexpected
from schema.permissions import requires
from schema.telemetry import OperationSpan


@strawberry.type
class Query:
    me: users.Me = strawberry.field(resolver=users.me, description="Who you are signed in as.")
    child: children.Child | None = strawberry.field(
        resolver=children.child,
        description="A child by NHS number or hub id (exactly one), if visible to you.",
    )
    cp_is_flags: list[cp_is.CpIsFlag] = strawberry.field(
        resolver=cp_is.cp_is_flags,
        description=(
            "CP-IS style flags for unscheduled care: empty when the child has none (or is "
            "unknown). Each view of a flag notifies the responsible council."
        ),
    )
    accesses_to_child: dpo.AuditChildAccessPage = strawberry.field(
        resolver=dpo.accesses_to_child,
        description=(
            "Who accessed a child (by NHS number or hub id, exactly one), why and under which "
            "basis, newest first; names of other agencies' staff withheld (DPOs and Caldicott "
            "guardians, declaring audit.dpo)."
        ),
    )
    user_activity: dpo.AuditEntryPage = strawberry.field(
        resolver=dpo.user_activity,
        description=(
            "Everything a user of your agency (userId or subject, exactly one) did and saw in "
            "a period, newest first: breach investigation (DPOs and Caldicott guardians, "
            "declaring audit.dpo)."
        ),
    )
    audit_refusals: dpo.AuditEntryPage = strawberry.field(
        resolver=dpo.audit_refusals,
        description=(
            "Operations of your agency's users in which something was refused, newest first "
            "(DPOs and Caldicott guardians, declaring audit.dpo)."
        ),
    )
    accesses_without_relationship: dpo.AuditEntryPage = strawberry.field(
        resolver=dpo.accesses_without_relationship,
        description=(
            "Operations of your agency's users that reached a child without a relationship "
            "(break-glass, CP-IS flag, audit duty), newest first (DPOs and Caldicott "
            "guardians, declaring audit.dpo)."
        ),
    )
    break_glass_reviews: list[dpo.BreakGlassReview] = strawberry.field(
        resolver=dpo.break_glass_reviews,
        description=(
            "Break-glass sessions opened in your agency: awaiting review (oldest first) or "
            "reviewed (DPOs and Caldicott guardians, declaring audit.dpo)."
        ),
    )
    encompass_inbox: list[encompass.EncompassNotification] = strawberry.field(
        resolver=encompass.encompass_inbox,
        description=(
            "Operation Encompass notifications to your school (or council): open ones by "
            "deadline, or all (openOnly: false) newest first; at most 200."
        ),
    )
    encompass_notification: encompass.EncompassNotification = strawberry.field(
        resolver=encompass.encompass_notification,
        description="One Operation Encompass notification addressed to your agency.",
    )
    encompass_report: encompass.EncompassReport = strawberry.field(
        resolver=encompass.encompass_report,
        description=(
            "Operation Encompass notifications per day (UK dates, inclusive), the on-time "
            "acknowledgement rate and the overdue list: your force's incidents, or your "
            "council's schools, children's social care and MASH queue."
        ),
    )
    mash_enquiry: mash.MashEnquiry = strawberry.field(
        resolver=mash.mash_enquiry,
        description=(
            "One MASH enquiry, to its council's MASH team or a partner asked about it, while "
            "open or in its grace period (safeguarding.mash)."
        ),
    )
    mash_requests: list[mash.MashPartnerRequest] = strawberry.field(
        resolver=mash.mash_requests,
        description=(
            "Information requests to your agency's MASH seat, soonest due first: unanswered in "
            "open enquiries, or all still open to you (openOnly: false); at most 200."
        ),
    )
    mash_board: list[mash.MashBoardRow] = strawberry.field(
        resolver=mash.mash_board,
        description=(
            "Your council's open MASH enquiries, soonest deadline first, with time left and "
            "which partners have answered."
        ),
    )
    mash_escalations: list[mash.MashPartnerRequest] = strawberry.field(
        resolver=mash.mash_escalations,
        description=(
            "Information requests past their deadline, unanswered, in open enquiries: to your "
            "agency, or (council) to any partner in your enquiries (MASH managers)."
        ),
    )
    mash_timeliness: list[mash.MashTimeliness] = strawberry.field(
        resolver=mash.mash_timeliness,
        description=(
            "How promptly each agency answered information requests, for contacts received "
            "between two UK dates (inclusive): every agency (council) or your own (partner)."
        ),
    )
    policy: policy_admin.PolicyState = strawberry.field(
        resolver=policy_admin.policy,
        extensions=requires(may_read_policy, "reading the sharing policy"),
        description="The sharing policy in force (partnership administrators and DPOs).",
    )
    record_of_processing: sar.RecordOfProcessing = strawberry.field(
        resolver=sar.record_of_processing,
        description=(
            "The record of processing (UK GDPR Art. 30) for the policy in force (DPOs and "
            "Caldicott guardians, declaring audit.dpo)."
        ),
    )
    subject_access_export: sar.SubjectAccessExport = strawberry.field(
        resolver=sar.subject_access_export,
        description=(
            "A subject access export for a child by NHS number or hub id (exactly one): what "
            "every partner holds that may be disclosed, and who has looked (DPOs and "
            "Caldicott guardians, declaring audit.dpo)."
        ),
    )
    who_looked_at_record: list[sar.RecordAccess] = strawberry.field(
        resolver=sar.who_looked_at_record,
        description=(
            "Who looked at a child's record, for the child or a person with parental "
            "responsibility: organisations and purposes per day (UK time), never staff "
            "names; since and until are inclusive (DPOs and Caldicott guardians, declaring "
            "audit.dpo)."
        ),
    )


@strawberry.type
class Mutation:
    create_record: records.Record = strawberry.mutation(
        resolver=records.create_record,
        description="Record a fact your agency holds about a child it works with.",
    )
    amend_record: records.Record = strawberry.mutation(
        resolver=records.amend_record,
        description="Amend your agency's own record; the previous version is kept.",
    )
    break_glass: glass.BreakGlassAccess = strawberry.mutation(
        resolver=glass.break_glass,
        description=(
            "Override the relationship requirement for one child, for the declared purpose, "
            "with a justification: time-boxed, alerted to the owning agencies and the DPO, "
            "and reviewed."
        ),
    )
    record_consent: consents.Consent = strawberry.mutation(
        resolver=consents.record_consent,
        description=(
            "Record consent given for a child you work with: by whom, for which categories, "
            "purposes and agencies, from when and until when."
        ),
    )
    withdraw_consent: consents.Consent = strawberry.mutation(
        resolver=consents.withdraw_consent,
        description="Withdraw consent from now on; it is kept, and withdrawing again is a no-op.",
    )
    record_decision_not_to_share: consents.SharingDecision = strawberry.mutation(
        resolver=consents.record_decision_not_to_share,
        description=(
            "Record your agency's decision not to share a category about a child, with its "
            "reason: partners stop seeing your records of that category."
        ),
    )
    record_statutory_sharing: statutory.StatutorySharing = strawberry.mutation(
        resolver=statutory.record_statutory_sharing,
        description=(
            "Share consent-based categories with your agency without consent, on a statutory "
            "basis from a fixed list and a written justification, for a limited time; the "
            "owning agencies are notified."
        ),
    )
    grant_policy: policy_admin.PolicyState = strawberry.mutation(
        resolver=policy_admin.grant_policy,
        extensions=requires(may_administer, "changing the sharing policy"),
        description=(
            "Add a grant to the sharing policy, as a new version in force in every server "
            "within a second (partnership administrators)."
        ),
    )
    revoke_policy: policy_admin.PolicyState = strawberry.mutation(
        resolver=policy_admin.revoke_policy,
        extensions=requires(may_administer, "changing the sharing policy"),
        description=(
            "Revoke a grant from the sharing policy, as a new version in force in every server "
            "within a second (partnership administrators)."
        ),
    )
    submit_encompass_incident: encompass.EncompassSubmission = strawberry.mutation(
        resolver=encompass.submit_encompass_incident,
        description=(
            "Submit a domestic abuse incident with children (Operation Encompass): each child "
            "is matched and its school (or the council) notified before the next school day. "
            "Idempotent by police reference."
        ),
    )
    submit_encompass_incidents: list[encompass.EncompassSubmission] = strawberry.mutation(
        resolver=encompass.submit_encompass_incidents,
        description=(
            "Submit up to 1,000 incidents at once; each has its own result (or error), in "
            "order. Idempotent by police reference."
        ),
    )
    acknowledge_encompass_notification: encompass.EncompassNotification = strawberry.mutation(
        resolver=encompass.acknowledge_encompass_notification,
        description="Acknowledge a notification to your agency; again changes nothing.",
    )
    match_encompass_child: encompass.EncompassNotification = strawberry.mutation(
        resolver=encompass.match_encompass_child,
        description=(
            "Match a child in the MASH queue to the hub's record; the hub routes its "
            "notification to the school on roll on the incident date, or social care."
        ),
    )
    set_school_calendar: schools.SchoolCalendar = strawberry.mutation(
        resolver=schools.set_school_calendar,
        extensions=requires(may_keep_school_calendar, "keeping a school's calendar"),
        description=(
            "Replace your school's term dates and closure days from a date on; Encompass "
            "deadlines fall at the start of the next school day (designated safeguarding "
            "leads, for their own school)."
        ),
    )
    open_mash_enquiry: mash.MashEnquiry = strawberry.mutation(
        resolver=mash.open_mash_enquiry,
        description=(
            "Open a MASH enquiry on a contact about one or more children, rated at screening: "
            "the deadline runs from receipt (Red 4 hours, Amber 24 and Green 72 working "
            "hours, as configured). Re-referrals within 12 months are flagged."
        ),
    )
    request_mash_information: mash.MashEnquiry = strawberry.mutation(
        resolver=mash.request_mash_information,
        description=(
            "Ask partner agencies' MASH seats what they know, due by the enquiry's deadline; "
            "asking an agency again changes nothing."
        ),
    )
    respond_to_mash_request: mash.MashRequest = strawberry.mutation(
        resolver=mash.respond_to_mash_request,
        description=(
            "Answer a request to your agency once: records shared (with lawful basis), "
            "nothing known, or a decision not to share (with reason)."
        ),
    )
    record_mash_consent: mash.MashEnquiry = strawberry.mutation(
        resolver=mash.record_mash_consent,
        description=(
            "Record consent for the enquiry for one child: sought, given, refused, or not "
            "sought (with the reason seeking it would add risk)."
        ),
    )
    decide_mash_enquiry: mash.MashEnquiry = strawberry.mutation(
        resolver=mash.decide_mash_enquiry,
        description=(
            "Record the decision with its rationale and close the enquiry; access to the "
            "children ends after the grace period. Early help needs each child's consent; a "
            "strategy discussion names police, health and education participants."
        ),
    )
    review_break_glass: dpo.BreakGlassReview = strawberry.mutation(
        resolver=dpo.review_break_glass,
        description=(
            "Record the review of a break-glass session opened in your agency, once: "
            "APPROPRIATE, or INAPPROPRIATE / REFERRED with a note (DPOs and Caldicott "
            "guardians, declaring audit.dpo; not your own session)."
        ),
    )


@strawberry.type
class Subscription:
    encompass_notifications: AsyncGenerator[encompass.EncompassNotification, None] = (
        strawberry.subscription(
            resolver=encompass.encompass_notifications,
            description=(
                "Operation Encompass notifications to your agency as they arrive (over "
                "graphql-transport-ws on /graphql; token and purpose in connection_init)."
            ),
        )
    )


class HubSchema(strawberry.Schema):
    """Strawberry's schema, minus its default error logging (which writes messages, and so
    the values graphql-core echoes, to the log)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_unexpected(errors)


def build_schema(
    *,
    introspection: bool = False,
    max_depth: int = 12,
    max_aliases: int = 30,
    max_tokens: int = 2000,
) -> strawberry.Schema:
    # The limiters build their validation rule classes when constructed. Build them once:
    # the validation cache is keyed on the rule classes, so rules made afresh per request
    # would miss it every time and re-validate every document (about 1 ms a request).
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    # Factories, so each request gets fresh extension instances (the caches are shared).
    extensions: list[Callable[[], SchemaExtension]] = [
        OperationSpan,
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: ParserCache(maxsize=256),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=256),
    ]
    return HubSchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions
    )


#: The schema as exported to ``schema.graphql`` (introspection does not change the SDL).
schema = build_schema(introspection=True)
