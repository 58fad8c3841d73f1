"""Errors at the boundary: unexpected ones masked and logged by type only; values redacted."""

import logging

import pytest
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession

import resolvers.children
from schema.errors import classify, present, redact, sent_values
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.http.test_children import CHILD_QUERY
from vocab.roles import Role

SECRET_NHS = "9434765919"


async def test_unexpected_error_is_masked_and_logged_without_its_message(
    session: AsyncSession,
    graphql: GraphQLCall,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a resolver failing with a message that holds personal data (as a database
    # constraint error would: "Key (nhs_number)=(…) already exists")
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"Key (nhs_number)=({SECRET_NHS}) already exists")

    monkeypatch.setattr(resolvers.children, "get_child", broken)
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))

    with caplog.at_level(logging.DEBUG):
        response = await graphql(worker.subject, CHILD_QUERY, {"nhs": SECRET_NHS})

    error = response.json()["errors"][0]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert SECRET_NHS not in response.text
    logged = [r.getMessage() for r in caplog.records]
    assert any("unexpected RuntimeError at" in line for line in logged)
    assert not any(SECRET_NHS in line for line in logged)


def test_sent_values_cover_variables_and_literals() -> None:
    values = sent_values(
        'query { child(nhsNumber: "943 476 5919") { hubId } } # 12',
        {"a": {"b": ["Ada Lovelace", 42, 4.5, True, None]}},
    )
    assert "943 476 5919" in values
    assert "Ada Lovelace" in values
    assert "42" in values
    assert "4.5" in values
    assert "True" not in values
    assert values == sorted(values, key=len, reverse=True)


def test_sent_values_survive_a_broken_document() -> None:
    assert "Ada" in sent_values('{ child(nhsNumber: "Ada") { ', None)
    assert sent_values('{ "unterminated', None) == []


def test_redact_removes_values_and_echo_phrases() -> None:
    message = "Variable '$n' got invalid value 'Sam Q'; String cannot represent value: 7"
    assert redact(message, ["Sam Q"]) == "Variable '$n' got invalid value <redacted>;" + (
        " String cannot represent value: <redacted>"
    )


def test_classify_and_present_validation_error() -> None:
    error = GraphQLError(f"Expected value of type 'String', found {SECRET_NHS}.")
    assert classify(error) == "GRAPHQL_VALIDATION_FAILED"
    (presented,) = present([error], query=f"{{ child(nhsNumber: {SECRET_NHS}) }}", variables=None)
    assert SECRET_NHS not in presented["message"]
    assert presented["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
