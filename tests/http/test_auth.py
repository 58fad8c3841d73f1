"""Sign-in and the /graphql endpoint's guard rails, over HTTP.

Who may call (401/403), how the request must look (405/415/413/400), how big and deep an
operation may be, what production hides (introspection, GraphiQL), and that errors never
echo the personal data a caller sent.
"""

import dataclasses
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncSession

from auth import TokenVerifier
from auth.dev_issuer import DEV_ISSUER, ensure_keys, mint
from db import User
from hub.settings import Environment, Settings
from server import create_app
from tests.conftest import AUDIENCE
from tests.factories.agencies import make_agency, make_user
from vocab.agencies import AgencyKind
from vocab.roles import Role

Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]
Token = Callable[[str], str]

ME_QUERY = "{ me { subject displayName roles agency { code kind } } }"
NHS_NUMBER = "9434765919"
NAME = "Alexandra Testchild"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


def codes(body: dict[str, Any]) -> list[str | None]:
    return [(error.get("extensions") or {}).get("code") for error in body.get("errors", [])]


async def post(
    client: httpx.AsyncClient,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    headers = bearer(token) if token is not None else {}
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


@asynccontextmanager
async def app_client(
    settings: Settings, sessions: Sessions, verifier: TokenVerifier | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for an app built with these settings (not the shared development one)."""
    app = create_app(settings, sessions=sessions, verifier=verifier)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield client


def production(settings: Settings) -> tuple[Settings, TokenVerifier]:
    """Production settings, and a verifier that trusts the dev key as a stand-in provider."""
    prod = dataclasses.replace(settings, environment=Environment.PRODUCTION)
    verifier = TokenVerifier([ensure_keys(settings.dev_issuer_dir)], audience=AUDIENCE)
    return prod, verifier


async def make_worker(session: AsyncSession) -> User:
    council = await make_agency(session, AgencyKind.COUNCIL)
    return await make_user(session, council, (Role.SOCIAL_WORKER,))


def assert_unauthorised(response: httpx.Response, code: str) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]


# --- 401: who is calling -----------------------------------------------------------------------


async def test_no_authorization_header_is_401(client: httpx.AsyncClient) -> None:
    response = await post(client, None, ME_QUERY)

    assert_unauthorised(response, "TOKEN_MISSING")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNzd29yZA==", "Bearer", "Bearer    ", "Token abc.def.ghi", "abc.def.ghi"],
)
async def test_authorization_that_is_not_a_bearer_token_is_401(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.post(
        "/graphql", json={"query": ME_QUERY}, headers={"Authorization": authorization}
    )

    assert_unauthorised(response, "TOKEN_MISSING")


async def test_bearer_scheme_is_case_insensitive(
    session: AsyncSession, client: httpx.AsyncClient, token: Token
) -> None:
    worker = await make_worker(session)

    response = await client.post(
        "/graphql",
        json={"query": ME_QUERY},
        headers={"Authorization": f"bearer {token(worker.subject)}"},
    )

    assert response.status_code == 200
    assert response.json()["data"]["me"]["subject"] == worker.subject


async def test_forged_token_with_the_dev_kid_is_401(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings
) -> None:
    # given a real user, and a token for them signed by another Ed25519 key with the dev kid
    worker = await make_worker(session)
    ensure_keys(settings.dev_issuer_dir)
    jwks = json.loads((settings.dev_issuer_dir / "jwks.json").read_text())
    kid = jwks["keys"][0]["kid"]
    now = int(time.time())
    forged = jwt.encode(
        {"iss": DEV_ISSUER, "sub": worker.subject, "aud": AUDIENCE, "iat": now, "exp": now + 600},
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": kid},
    )

    response = await post(client, forged, ME_QUERY)

    assert_unauthorised(response, "TOKEN_INVALID_SIGNATURE")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert worker.subject not in response.text


async def test_expired_token_is_401(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings
) -> None:
    worker = await make_worker(session)
    expired = mint(
        settings.dev_issuer_dir,
        subject=worker.subject,
        audience=AUDIENCE,
        lifetime_seconds=600,
        now=time.time() - 7200,
    )

    assert_unauthorised(await post(client, expired, ME_QUERY), "TOKEN_EXPIRED")


async def test_token_for_another_audience_is_401(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings
) -> None:
    worker = await make_worker(session)
    other = mint(settings.dev_issuer_dir, subject=worker.subject, audience="urn:another-api")

    assert_unauthorised(await post(client, other, ME_QUERY), "TOKEN_WRONG_AUDIENCE")


async def test_garbage_token_is_401(client: httpx.AsyncClient) -> None:
    assert_unauthorised(await post(client, "not-a-jwt", ME_QUERY), "TOKEN_MALFORMED")


# --- 403: known to the issuer, not to the hub --------------------------------------------------


async def test_valid_token_without_a_user_row_is_403(
    client: httpx.AsyncClient, token: Token
) -> None:
    response = await post(client, token(f"nobody-{uuid.uuid4()}"), ME_QUERY)

    assert response.status_code == 403
    assert error_code(response) == "USER_NOT_PROVISIONED"
    assert "data" not in response.json()


async def test_inactive_user_is_403(
    session: AsyncSession, client: httpx.AsyncClient, token: Token
) -> None:
    council = await make_agency(session)
    leaver = await make_user(session, council, (Role.SOCIAL_WORKER,), active=False)

    response = await post(client, token(leaver.subject), ME_QUERY)

    assert response.status_code == 403
    assert error_code(response) == "USER_NOT_PROVISIONED"


async def test_user_of_an_inactive_agency_is_403(
    session: AsyncSession, client: httpx.AsyncClient, token: Token
) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    council.active = False
    await session.flush()

    response = await post(client, token(worker.subject), ME_QUERY)

    assert response.status_code == 403
    assert error_code(response) == "USER_NOT_PROVISIONED"


async def test_same_subject_at_another_issuer_is_not_the_same_user(
    session: AsyncSession, client: httpx.AsyncClient, token: Token
) -> None:
    # given a user provisioned for a real provider's subject
    worker = await make_worker(session)
    worker.issuer = "https://login.example-police.test"
    await session.flush()

    # when the dev issuer signs a token for the same subject string
    response = await post(client, token(worker.subject), ME_QUERY)

    # then it is not that user
    assert response.status_code == 403
    assert error_code(response) == "USER_NOT_PROVISIONED"


# --- request shape -----------------------------------------------------------------------------


@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
async def test_get_without_html_accept_is_405(
    client: httpx.AsyncClient, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}

    response = await client.get("/graphql", params={"query": ME_QUERY}, headers=headers)

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert error_code(response) == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/graphql"]
)
async def test_body_that_is_not_json_by_content_type_is_415(
    session: AsyncSession, client: httpx.AsyncClient, token: Token, content_type: str
) -> None:
    worker = await make_worker(session)

    response = await client.post(
        "/graphql",
        content=json.dumps({"query": ME_QUERY}),
        headers={**bearer(token(worker.subject)), "Content-Type": content_type},
    )

    assert response.status_code == 415
    assert error_code(response) == "UNSUPPORTED_MEDIA_TYPE"


async def test_json_content_type_with_charset_is_accepted(
    session: AsyncSession, client: httpx.AsyncClient, token: Token
) -> None:
    worker = await make_worker(session)

    response = await client.post(
        "/graphql",
        content=json.dumps({"query": ME_QUERY}),
        headers={
            **bearer(token(worker.subject)),
            "Content-Type": "application/json; charset=utf-8",
        },
    )

    assert response.status_code == 200
    assert response.json()["data"]["me"]["subject"] == worker.subject


@pytest.mark.parametrize(
    "content",
    [
        b"{ me { subject } }",
        b'{"query": ',
        b"",
        b"\xff\xfe",
        b'["{ me { subject } }"]',
        b'"{ me { subject } }"',
        b"{}",
        b'{"query": ""}',
        b'{"query": 7}',
        b'{"query": "{ me { subject } }", "variables": ["a"]}',
        b'{"query": "{ me { subject } }", "operationName": 1}',
    ],
)
async def test_malformed_body_is_400(
    session: AsyncSession, client: httpx.AsyncClient, token: Token, content: bytes
) -> None:
    worker = await make_worker(session)

    response = await client.post(
        "/graphql",
        content=content,
        headers={**bearer(token(worker.subject)), "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert error_code(response) == "BAD_REQUEST"
    assert "data" not in response.json()


async def test_body_over_the_limit_is_413(
    session: AsyncSession, client: httpx.AsyncClient, token: Token, settings: Settings
) -> None:
    worker = await make_worker(session)
    body = {"query": ME_QUERY, "variables": {"padding": "x" * settings.max_body_bytes}}

    response = await client.post("/graphql", json=body, headers=bearer(token(worker.subject)))

    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"


async def test_streamed_body_over_the_limit_is_413(
    session: AsyncSession, client: httpx.AsyncClient, token: Token, settings: Settings
) -> None:
    # given a body sent in chunks, with no Content-Length to judge it by
    worker = await make_worker(session)
    chunk = b" " * 65536

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ me { subject } }"'
        for _ in range(settings.max_body_bytes // len(chunk) + 1):
            yield chunk
        yield b"}"

    response = await client.post(
        "/graphql",
        content=chunks(),
        headers={**bearer(token(worker.subject)), "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"


async def test_body_at_the_limit_is_served(
    session: AsyncSession, client: httpx.AsyncClient, token: Token, settings: Settings
) -> None:
    worker = await make_worker(session)
    head = json.dumps({"query": ME_QUERY})[:-1].encode()
    content = head + b" " * (settings.max_body_bytes - len(head) - 1) + b"}"
    assert len(content) == settings.max_body_bytes

    response = await client.post(
        "/graphql",
        content=content,
        headers={**bearer(token(worker.subject)), "Content-Type": "application/json"},
    )

    assert response.status_code == 200
    assert response.json()["data"]["me"]["subject"] == worker.subject


# --- a signed-in user --------------------------------------------------------------------------


async def test_me_returns_the_signed_in_user(
    session: AsyncSession, client: httpx.AsyncClient, token: Token
) -> None:
    # given a council user holding two roles
    council = await make_agency(session, AgencyKind.COUNCIL)
    user = await make_user(session, council, (Role.SOCIAL_WORKER, Role.MASH_PRACTITIONER))

    # when they ask who they are
    response = await post(client, token(user.subject), ME_QUERY)

    # then the hub answers from their user row, agency and roles
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    me = body["data"]["me"]
    assert me["subject"] == user.subject
    assert me["displayName"] == user.display_name
    assert sorted(me["roles"]) == ["MASH_PRACTITIONER", "SOCIAL_WORKER"]
    assert me["agency"] == {"code": council.code, "kind": "COUNCIL"}
    assert uuid.UUID(response.headers["x-request-id"])


async def test_user_without_roles_has_none(
    session: AsyncSession, client: httpx.AsyncClient, token: Token
) -> None:
    police = await make_agency(session, AgencyKind.POLICE)
    user = await make_user(session, police)

    response = await post(client, token(user.subject), ME_QUERY)

    assert response.json()["data"]["me"]["roles"] == []
    assert response.json()["data"]["me"]["agency"]["kind"] == "POLICE"


# --- operation limits --------------------------------------------------------------------------


def nested_query(depth: int) -> str:
    """An operation ``depth`` fields deep below ``me { agency }`` (the fields need not exist:
    the depth limit judges the document's shape)."""
    inner = "code"
    for level in range(depth - 2):
        inner = f"f{level} {{ {inner} }}"
    return f"{{ me {{ agency {{ {inner} }} }} }}"


async def test_operation_deeper_than_the_limit_is_refused(
    session: AsyncSession, client: httpx.AsyncClient, token: Token, settings: Settings
) -> None:
    worker = await make_worker(session)

    too_deep = await post(client, token(worker.subject), nested_query(settings.max_query_depth + 1))
    at_limit = await post(client, token(worker.subject), nested_query(settings.max_query_depth))

    body = too_deep.json()
    assert body["data"] is None
    depth_errors = [e for e in body["errors"] if "exceeds maximum operation depth" in e["message"]]
    assert [e["extensions"]["code"] for e in depth_errors] == ["GRAPHQL_VALIDATION_FAILED"]
    # one level shallower, only the made-up fields are wrong
    assert not [
        e for e in at_limit.json()["errors"] if "exceeds maximum operation depth" in e["message"]
    ]


async def test_a_valid_operation_over_a_lower_depth_limit_is_refused(
    session: AsyncSession, sessions: Sessions, settings: Settings, token: Token
) -> None:
    # given an app whose depth limit is 1, and one whose limit is 2
    council = await make_agency(session, AgencyKind.COUNCIL)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    shallow = dataclasses.replace(settings, max_query_depth=1)
    enough = dataclasses.replace(settings, max_query_depth=2)

    # when the same two-level operation is sent to each
    async with app_client(shallow, sessions) as client:
        refused = await post(client, token(worker.subject), "{ me { agency { code } } }")
    async with app_client(enough, sessions) as client:
        served = await post(client, token(worker.subject), "{ me { agency { code } } }")

    # then the first refuses it before running it, and the second answers
    assert refused.status_code == 200
    assert refused.json()["data"] is None
    assert codes(refused.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "depth" in refused.json()["errors"][0]["message"]
    assert served.json() == {"data": {"me": {"agency": {"code": council.code}}}}


def aliased_query(count: int) -> str:
    return "{ " + " ".join(f"a{n}: me {{ subject }}" for n in range(count)) + " }"


async def test_too_many_aliases_are_refused(
    session: AsyncSession, client: httpx.AsyncClient, token: Token, settings: Settings
) -> None:
    worker = await make_worker(session)

    refused = await post(client, token(worker.subject), aliased_query(settings.max_aliases + 1))
    served = await post(client, token(worker.subject), aliased_query(settings.max_aliases))

    assert refused.status_code == 200
    assert refused.json()["data"] is None
    assert codes(refused.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "alias" in refused.json()["errors"][0]["message"].lower()
    assert "errors" not in served.json()
    assert len(served.json()["data"]) == settings.max_aliases


async def test_too_many_tokens_are_refused(
    session: AsyncSession, client: httpx.AsyncClient, token: Token, settings: Settings
) -> None:
    worker = await make_worker(session)
    query = "{ me { " + " ".join(["subject"] * settings.max_tokens) + " } }"

    response = await post(client, token(worker.subject), query)

    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert len(body["errors"]) == 1
    assert f"more than {settings.max_tokens} tokens" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ me { subject }", id="unclosed"),
        pytest.param(f'{{ child(nhsNumber: "1") {{ hubId }} }} {NHS_NUMBER}', id="trailing-int"),
        pytest.param("{ me { " + "subject " * 2001 + "} }", id="too-many-tokens"),
    ],
)
async def test_syntax_errors_carry_a_code_and_no_echo(
    session: AsyncSession, client: httpx.AsyncClient, token: Token, query: str
) -> None:
    worker = await make_worker(session)

    response = await post(client, token(worker.subject), query)

    assert response.status_code == 200
    assert response.json()["data"] is None
    assert NHS_NUMBER not in response.text
    assert codes(response.json()) == ["GRAPHQL_PARSE_FAILED"]


# --- production hides the schema ---------------------------------------------------------------

INTROSPECTION = "{ __schema { types { name } } }"


async def test_introspection_is_allowed_in_development(
    session: AsyncSession, client: httpx.AsyncClient, token: Token
) -> None:
    worker = await make_worker(session)

    response = await post(client, token(worker.subject), INTROSPECTION)

    names = {t["name"] for t in response.json()["data"]["__schema"]["types"]}
    assert {"Child", "Record", "Me"} <= names


@pytest.mark.parametrize(
    "query",
    [
        INTROSPECTION,
        '{ __type(name: "Child") { fields { name } } }',
        "query { me { subject } __schema { queryType { name } } }",
    ],
)
async def test_introspection_is_refused_in_production(
    session: AsyncSession, sessions: Sessions, settings: Settings, token: Token, query: str
) -> None:
    worker = await make_worker(session)
    prod, verifier = production(settings)

    async with app_client(prod, sessions, verifier) as client:
        response = await post(client, token(worker.subject), query)
        plain = await post(client, token(worker.subject), "{ me { subject __typename } }")

    assert response.status_code == 200
    assert response.json()["data"] is None
    assert set(codes(response.json())) == {"GRAPHQL_VALIDATION_FAILED"}
    assert all("introspection" in e["message"] for e in response.json()["errors"])
    assert "Child" not in response.text
    # __typename is not introspection of the schema, and ordinary operations still work
    assert plain.json() == {"data": {"me": {"subject": worker.subject, "__typename": "Me"}}}


async def test_production_does_not_trust_the_dev_issuer(
    session: AsyncSession, sessions: Sessions, settings: Settings, token: Token
) -> None:
    worker = await make_worker(session)
    prod = dataclasses.replace(settings, environment=Environment.PRODUCTION)

    async with app_client(prod, sessions) as client:
        response = await post(client, token(worker.subject), ME_QUERY)

    assert_unauthorised(response, "TOKEN_UNKNOWN_ISSUER")


async def test_graphiql_is_served_in_development(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html,*/*;q=0.8"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_graphiql_is_not_served_in_production(sessions: Sessions, settings: Settings) -> None:
    prod, verifier = production(settings)

    async with app_client(prod, sessions, verifier) as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 405
    assert "graphiql" not in response.text.lower()
    assert error_code(response) == "METHOD_NOT_ALLOWED"


# --- errors never echo personal data -----------------------------------------------------------

CHILD_BY_VARIABLE = "query($n: String) { child(nhsNumber: $n) { hubId } }"
CREATE = "mutation($i: CreateRecordInput!) { createRecord(input: $i) { id } }"
AMEND = "mutation($i: AmendRecordInput!) { amendRecord(input: $i) { id } }"


def create_input(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "child": {"nhsNumber": NHS_NUMBER},
        "category": "COUNCIL_CHILD_PROTECTION_PLAN",
        "lawfulBasis": "CHILDREN_ACT_1989_S47",
        "validFrom": "2026-01-05",
        "payload": {"category_of_abuse": "neglect", "plan_started_on": "2026-01-05"},
    }
    value.update(changes)
    return value


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (CHILD_BY_VARIABLE, {"n": int(NHS_NUMBER)}, "BAD_USER_INPUT"),
        (CHILD_BY_VARIABLE, {"n": [NHS_NUMBER, NAME]}, "BAD_USER_INPUT"),
        (CHILD_BY_VARIABLE, {"n": {"nhsNumber": NHS_NUMBER, "name": NAME}}, "BAD_USER_INPUT"),
        (f"{{ child(nhsNumber: {NHS_NUMBER}) {{ hubId }} }}", None, "GRAPHQL_VALIDATION_FAILED"),
        (
            f'{{ child(nhsNumber: "1", hubId: {NHS_NUMBER}) {{ hubId }} }}',
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "query($n: Int) { child(nhsNumber: $n) { hubId } }",
            {"n": NHS_NUMBER},
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (CREATE, {"i": create_input(child={"nhsNumber": int(NHS_NUMBER)})}, "BAD_USER_INPUT"),
        (AMEND, {"i": {"id": str(uuid.uuid4()), "expectedVersion": NAME}}, "BAD_USER_INPUT"),
        (AMEND, {"i": {"id": str(uuid.uuid4()), "expectedVersion": NHS_NUMBER}}, "BAD_USER_INPUT"),
        pytest.param(
            CREATE,
            {"i": create_input(givenName=NAME)},
            "BAD_USER_INPUT",
            id="unknown-input-field",
        ),
        pytest.param(
            CREATE,
            {"i": create_input(validFrom=NAME)},
            "BAD_USER_INPUT",
            id="name-as-date",
        ),
        pytest.param(
            AMEND,
            {"i": {"id": NHS_NUMBER, "expectedVersion": 1}},
            "BAD_USER_INPUT",
            id="nhs-number-as-uuid",
        ),
        pytest.param(
            'query($c: [Category!]) { child(nhsNumber: "1") { records(categories: $c) { id } } }',
            {"c": [NAME]},
            "BAD_USER_INPUT",
            id="name-as-enum",
        ),
    ],
)
async def test_errors_never_echo_the_nhs_number_or_name(
    session: AsyncSession,
    client: httpx.AsyncClient,
    token: Token,
    query: str,
    variables: dict[str, Any] | None,
    code: str,
) -> None:
    # given a signed-in worker who sends a child's details in the wrong shape
    worker = await make_worker(session)

    # when the operation is refused
    response = await post(client, token(worker.subject), query, variables)

    # then the error says what was wrong, with a stable code, without the details themselves
    assert response.status_code == 200
    body = response.json()
    assert body.get("data") is None
    assert code in codes(body)
    for secret in (NHS_NUMBER, NAME, *NAME.split()):
        assert secret not in response.text


async def test_logs_never_hold_the_nhs_number_of_a_refused_variable(
    session: AsyncSession,
    client: httpx.AsyncClient,
    token: Token,
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = await make_worker(session)

    with caplog.at_level(logging.DEBUG):
        response = await post(
            client, token(worker.subject), CHILD_BY_VARIABLE, {"n": int(NHS_NUMBER)}
        )

    assert NHS_NUMBER not in response.text
    assert caplog.records
    assert NHS_NUMBER not in caplog.text
