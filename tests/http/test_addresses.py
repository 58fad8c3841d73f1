"""The child's address over HTTP, and shielding."""

from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

import audit.trail
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import house, make_child, relate
from vocab.agencies import AgencyKind
from vocab.relationships import RelationshipKind
from vocab.roles import Role

QUERY = """
query($nhs: String) {
  child(nhsNumber: $nhs) {
    hubId
    address { line1 town postcode }
    redactions { category field code contact { code name } }
  }
}
"""


@pytest.fixture
def trails(monkeypatch: pytest.MonkeyPatch) -> list[audit.trail.AuditTrail]:
    made: list[audit.trail.AuditTrail] = []
    original: Callable[..., None] = audit.trail.AuditTrail.__init__

    def spy(self: audit.trail.AuditTrail, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(audit.trail.AuditTrail, "__init__", spy)
    return made


async def test_address_is_shown_when_not_shielded(
    session: AsyncSession, graphql: GraphQLCall
) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session)
    await relate(session, child, council)
    await house(session, child, postcode="LE2 7AA")

    found = (await graphql(worker.subject, QUERY, {"nhs": child.nhs_number})).json()["data"]

    assert found["child"]["address"] == {
        "line1": "1 Example Row",
        "town": "Leicester",
        "postcode": "LE2 7AA",
    }
    assert found["child"]["redactions"] == []


async def test_shielded_address_hides_location_not_existence(
    session: AsyncSession, graphql: GraphQLCall, trails: list[audit.trail.AuditTrail]
) -> None:
    # given a pupil in a refuge: the household's address is shielded
    council = await make_agency(session)
    school = await make_agency(session, AgencyKind.SCHOOL)
    dsl = await make_user(session, school, (Role.DESIGNATED_SAFEGUARDING_LEAD,))
    child = await make_child(session)
    await relate(session, child, council)
    await relate(session, child, school, RelationshipKind.ENROLMENT)
    await house(session, child, shielded=True, postcode="LE3 9ZZ")

    # when the school looks the pupil up
    response = await graphql(
        dsl.subject, QUERY, {"nhs": child.nhs_number}, purpose="education.welfare"
    )

    # then the child is there, the address is not, and the council brokers contact
    found = response.json()["data"]["child"]
    assert found["hubId"] == child.hub_id
    assert found["address"] is None
    assert found["redactions"] == [
        {
            "category": "IDENTITY",
            "field": "address",
            "code": "ADDRESS_SHIELDED",
            "contact": {"code": council.code, "name": council.name},
        }
    ]
    assert "LE3 9ZZ" not in response.text
    # and the masking is in the request's audit trail
    (trail,) = trails
    assert trail.masked == [(child.id, "address", "ADDRESS_SHIELDED")]
