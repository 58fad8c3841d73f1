"""The ASGI application: authentication, request context, the unit of work, GraphQL over HTTP.

A request flows one way: here (who is calling, one transaction) -> ``schema`` (thin fields)
-> ``resolvers`` (load, authorize, shape) -> ``db``. Resolvers never commit; this module
commits when the operation succeeded and rolls back when it did not.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from audit.checkpoints import load_or_create_key
from audit.events import Event, Outcome
from audit.events import build as build_event
from audit.store import AuditUnavailable
from audit.trail import AuditTrail
from audit.upkeep import AuditUpkeep
from audit.writer import commit_with_event
from auth import AuthError, TokenVerifier, load_issuers
from auth.dev_issuer import ensure_keys
from db import Agency, User, UserRole
from db.engine import create_engine, session_factory
from hub import logs, telemetry
from hub.doorbell import Doorbell
from hub.settings import Settings
from policies import store as policy_store
from policies.principal import Principal
from resolvers.context import RequestContext, SubscriptionContext
from resolvers.errors import HubError
from schema import build_schema
from schema.errors import present
from schema.telemetry import document_hash
from vocab.purposes import Purpose
from workflows.escalation import Escalation

logger = logging.getLogger("hub.server")

SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class ORJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return ORJSONResponse(body, status_code=status, headers=headers)


def make_verifier(settings: Settings) -> TokenVerifier:
    issuers = load_issuers(settings.issuers_file) if settings.issuers_file else []
    if settings.development:
        issuers.append(ensure_keys(settings.dev_issuer_dir))
    return TokenVerifier(issuers, audience=settings.audience)


_PRINCIPAL = (
    select(
        User.id,
        User.display_name,
        Agency.id,
        Agency.kind,
        Agency.code,
        Agency.name,
        UserRole.role,
    )
    .join(Agency, Agency.id == User.agency_id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(
        User.issuer == bindparam("issuer"),
        User.subject == bindparam("subject"),
        User.active.is_(True),
        Agency.active.is_(True),
    )
)


async def load_principal(session: AsyncSession, issuer: str, subject: str) -> Principal | None:
    """The active user with this identity, their agency and roles: one round trip."""
    connection = await session.connection()
    rows = (await connection.execute(_PRINCIPAL, {"issuer": issuer, "subject": subject})).all()
    if not rows:
        return None
    first = rows[0]
    return Principal(
        user_id=first[0],
        subject=subject,
        display_name=first[1],
        agency_id=first[2],
        agency_kind=first[3],
        agency_code=first[4],
        agency_name=first[5],
        roles=frozenset(row[6] for row in rows if row[6] is not None),
    )


PURPOSE_HEADER = "x-purpose-of-use"
_PURPOSES = {purpose.value: purpose for purpose in Purpose}


def _purpose(declared: str | None) -> Purpose | None:
    """The declared purpose of use; an unknown value counts as none declared."""
    return _PURPOSES.get(declared.strip()) if declared else None


def _parse_body(raw: bytes) -> tuple[str, dict[str, Any] | None, str | None] | Response:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _error(400, "BAD_REQUEST", "the request body is not valid JSON")
    if not isinstance(body, dict):
        return _error(400, "BAD_REQUEST", "the request body must be a JSON object")
    query, variables, operation = (
        body.get("query"),
        body.get("variables"),
        body.get("operationName"),
    )
    if not isinstance(query, str) or not query:
        return _error(400, "BAD_REQUEST", "query: a GraphQL document string is required")
    if variables is not None and not isinstance(variables, dict):
        return _error(400, "BAD_REQUEST", "variables: must be a JSON object")
    if operation is not None and not isinstance(operation, str):
        return _error(400, "BAD_REQUEST", "operationName: must be a string")
    return query, variables, operation


def audit_event(
    context: RequestContext,
    client: str | None,
    query: str,
    variables: dict[str, Any] | None,
    data: object,
    errors: list[dict[str, Any]],
) -> Event:
    """The operation's audit event: what was decided, touched and masked, never contents."""
    if not errors:
        outcome = Outcome.SUCCESS
    elif isinstance(data, dict) and any(value is not None for value in data.values()):
        # a refused nullable field leaves ``{"child": null}``: errors and no data, a failure
        outcome = Outcome.PARTIAL
    else:
        outcome = Outcome.FAILURE
    return build_event(
        trail=context.audit,
        principal=context.principal,
        client=client,
        purpose=context.purpose,
        occurred_at=context.now,
        operation_type=context.operation_type,
        operation_name=context.operation_name,
        document_sha256=document_hash(query),
        variable_names=(variables or {}).keys(),
        policy_version=context.grants.version,
        outcome=outcome,
        error_codes=(error["extensions"]["code"] for error in errors),
        trace_id=context.trace_id,
    )


#: What POST /graphql runs; subscriptions need the WebSocket (their deliveries are each a unit
#: of work of their own).
HTTP_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})
#: The GraphQL over WebSocket protocol (graphql-transport-ws); the legacy graphql-ws is not
#: spoken.
WS_PROTOCOL = "graphql-transport-ws"
#: Seconds a client has to send ``connection_init`` after connecting.
WS_INIT_TIMEOUT = 10.0
#: Subscriptions one connection may hold at once.
WS_MAX_OPERATIONS = 10


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    sessions: SessionFactory | None = None,
    verifier: TokenVerifier | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Starlette:
    """The hub's ASGI app. ``clock`` (tests only) fixes what "now" is for every operation:
    deadlines, relationships in force, audit times."""
    now = clock or (lambda: datetime.now(UTC))
    owns_engine = engine is None and sessions is None
    if sessions is None:
        engine = engine or create_engine(settings.database_url, role=settings.db_role)
        sessions = session_factory(engine)
    verifier = verifier or make_verifier(settings)
    schema: strawberry.Schema = build_schema(
        introspection=settings.development,
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
    )
    ide_html = get_graphql_ide_html() if settings.development else None

    async def graphql(request: Request) -> Response:
        if request.method == "GET":
            if ide_html is not None and "text/html" in request.headers.get("accept", ""):
                return HTMLResponse(ide_html)
            return _error(
                405, "METHOD_NOT_ALLOWED", "send GraphQL operations with POST", {"Allow": "POST"}
            )
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _error(
                415, "UNSUPPORTED_MEDIA_TYPE", "the request body must be application/json"
            )
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _error(
                401, "TOKEN_MISSING", "a bearer token is required", {"WWW-Authenticate": "Bearer"}
            )
        try:
            claims = await verifier.averify(token.strip())
        except AuthError as exc:
            return _error(
                401, exc.code, exc.message, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )
        declared = request.headers.get("content-length")
        if declared is not None and (
            not declared.isdigit() or int(declared) > settings.max_body_bytes
        ):
            return _error(413, "PAYLOAD_TOO_LARGE", "the request body is too large")
        raw = await request.body()
        if len(raw) > settings.max_body_bytes:
            return _error(413, "PAYLOAD_TOO_LARGE", "the request body is too large")
        parsed = _parse_body(raw)
        if isinstance(parsed, Response):
            return parsed
        query, variables, operation = parsed
        request_id = str(uuid.uuid4())
        async with sessions() as session:
            principal = await load_principal(session, claims.issuer, claims.subject)
            if principal is None:
                return _error(403, "USER_NOT_PROVISIONED", "your account is not enabled in the hub")
            context = RequestContext(
                session=session,
                principal=principal,
                audit=AuditTrail(request_id=request_id),
                now=now(),
                grants=policy_store.current(),
                purpose=_purpose(request.headers.get(PURPOSE_HEADER)),
                mash=settings.mash,
            )
            try:
                result = await schema.execute(
                    query,
                    variable_values=variables,
                    context_value=context,
                    operation_name=operation,
                    allowed_operation_types=HTTP_OPERATIONS,
                )
            except InvalidOperationTypeError as exc:
                # a subscription: served over the WebSocket, never run here
                result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            "subscriptions are served over graphql-transport-ws on /graphql",
                            original_error=exc,
                        )
                    ],
                )
            errors = (
                present(result.errors, query=query, variables=variables) if result.errors else []
            )
            event = audit_event(context, claims.client, query, variables, result.data, errors)
            try:
                await commit_with_event(session, event, keep_changes=not errors)
            except AuditUnavailable:
                return _error(
                    503,
                    "AUDIT_UNAVAILABLE",
                    "the audit log could not record this request, so nothing was disclosed "
                    "or changed; try again shortly",
                    {"X-Request-ID": request_id},
                )
        payload: dict[str, Any] = {"data": result.data}
        if errors:
            payload["errors"] = errors
        return ORJSONResponse(payload, headers={"X-Request-ID": request_id})

    doorbell = Doorbell(engine)

    @asynccontextmanager
    async def audited(
        principal: Principal,
        purpose: Purpose | None,
        client: str | None,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
    ) -> AsyncIterator[RequestContext]:
        """One subscription delivery as its own unit of work: its audit event is committed
        before the caller sends anything; a refusal is recorded, then re-raised."""
        async with sessions() as session:
            context = RequestContext(
                session=session,
                principal=principal,
                audit=AuditTrail(request_id=str(uuid.uuid4())),
                now=now(),
                grants=policy_store.current(),
                purpose=purpose,
                operation_type="subscription",
                operation_name=operation_name,
                mash=settings.mash,
            )
            try:
                yield context
            except HubError as exc:
                errors = [{"extensions": {"code": exc.code}}]
                event = audit_event(context, client, query, variables, None, errors)
                with contextlib.suppress(AuditUnavailable):  # the refusal is raised anyway
                    await commit_with_event(session, event, keep_changes=False)
                raise
            event = audit_event(context, client, query, variables, {"delivered": True}, [])
            try:
                await commit_with_event(session, event, keep_changes=True)
            except AuditUnavailable:
                raise HubError(
                    "AUDIT_UNAVAILABLE",
                    "the audit log could not record this delivery, so nothing was sent",
                ) from None

    @asynccontextmanager
    async def probe() -> AsyncIterator[Any]:
        async with sessions() as session:
            yield await session.connection()

    async def graphql_ws(websocket: WebSocket) -> None:
        """GraphQL subscriptions over graphql-transport-ws. The bearer token (and the purpose
        of use) come in ``connection_init``'s payload, as ``Authorization`` and
        ``X-Purpose-Of-Use``; only subscriptions are run here (queries and mutations go to
        POST /graphql, where each is one audited unit of work)."""
        if WS_PROTOCOL not in websocket.scope.get("subprotocols", []):
            await websocket.close(code=4406, reason="Subprotocol not acceptable")
            return
        await websocket.accept(subprotocol=WS_PROTOCOL)
        try:
            first = await asyncio.wait_for(websocket.receive_json(), WS_INIT_TIMEOUT)
        except TimeoutError:
            await websocket.close(code=4408, reason="Connection initialisation timeout")
            return
        except WebSocketDisconnect:
            return
        except (ValueError, KeyError):  # not JSON, or a binary frame (no "text")
            await websocket.close(code=4400, reason="Invalid message")
            return
        if not isinstance(first, dict) or first.get("type") != "connection_init":
            await websocket.close(code=4401, reason="Unauthorized")
            return
        payload = first.get("payload") or {}
        params = (
            {str(k).lower(): v for k, v in payload.items()} if isinstance(payload, dict) else {}
        )
        scheme, _, token = str(params.get("authorization", "")).partition(" ")
        try:
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthError("TOKEN_MISSING", "a bearer token is required")
            claims = await verifier.averify(token.strip())
        except AuthError:
            await websocket.close(code=4403, reason="Forbidden")
            return
        async with sessions() as session:
            principal = await load_principal(session, claims.issuer, claims.subject)
        if principal is None:
            await websocket.close(code=4403, reason="Forbidden")
            return
        purpose = _purpose(str(params.get(PURPOSE_HEADER, "")) or None)
        await websocket.send_json({"type": "connection_ack"})
        operations: dict[str, asyncio.Task[None]] = {}

        async def send(message: dict[str, Any]) -> None:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await websocket.send_text(orjson.dumps(message).decode())

        async def run(
            op_id: str, query: str, variables: dict[str, Any] | None, name: str | None
        ) -> None:
            context = SubscriptionContext(
                principal=principal,
                purpose=purpose,
                unit_of_work=lambda: audited(
                    principal, purpose, claims.client, query, variables, name
                ),
                probe=probe,
                doorbell=doorbell,
                operation_type="subscription",
                operation_name=name,
            )
            try:
                # Strawberry always returns a stream; an operation that cannot run (not a
                # subscription, a syntax or validation error) is its first and only item.
                result = await schema.subscribe(
                    query, variable_values=variables, context_value=context, operation_name=name
                )
                async with contextlib.aclosing(result):
                    async for item in result:
                        if isinstance(item, PreExecutionError):
                            errors = present(item.errors or [], query=query, variables=variables)
                            with contextlib.suppress(HubError):
                                async with audited(
                                    principal, purpose, claims.client, query, variables, name
                                ):
                                    code = errors[0]["extensions"]["code"] if errors else ""
                                    raise HubError(code, "")
                            await send({"id": op_id, "type": "error", "payload": errors})
                            return
                        body: dict[str, Any] = {"data": item.data}
                        if item.errors:
                            body["errors"] = present(item.errors, query=query, variables=variables)
                        await send({"id": op_id, "type": "next", "payload": body})
                await send({"id": op_id, "type": "complete"})
            finally:
                # only if still ours: a completed id may already be reused by a new operation
                if operations.get(op_id) is asyncio.current_task():
                    del operations[op_id]

        expiry = asyncio.get_running_loop().call_later(
            max(0.0, claims.expires_at - time.time()),
            lambda: asyncio.ensure_future(websocket.close(code=4401, reason="Token expired")),
        )
        try:
            while True:
                message = await websocket.receive_json()
                kind = message.get("type") if isinstance(message, dict) else None
                if kind == "ping":
                    await send({"type": "pong"})
                elif kind == "pong":
                    continue
                elif kind == "subscribe":
                    op_id = message.get("id")
                    body = message.get("payload") or {}
                    query = body.get("query") if isinstance(body, dict) else None
                    if not isinstance(op_id, str) or not isinstance(query, str):
                        await websocket.close(code=4400, reason="Invalid subscribe message")
                        return
                    if op_id in operations:
                        await websocket.close(
                            code=4409, reason=f"Subscriber for {op_id} already exists"
                        )
                        return
                    if len(operations) >= WS_MAX_OPERATIONS:
                        await send(
                            {
                                "id": op_id,
                                "type": "error",
                                "payload": [
                                    {
                                        "message": "too many subscriptions on this connection",
                                        "extensions": {"code": "TOO_MANY_SUBSCRIPTIONS"},
                                    }
                                ],
                            }
                        )
                        continue
                    variables = body.get("variables")
                    name = body.get("operationName")
                    operations[op_id] = asyncio.create_task(
                        run(
                            op_id,
                            query,
                            variables if isinstance(variables, dict) else None,
                            name if isinstance(name, str) else None,
                        )
                    )
                elif kind == "complete":
                    task = operations.pop(str(message.get("id")), None)
                    if task is not None:
                        task.cancel()
                elif kind == "connection_init":
                    await websocket.close(code=4429, reason="Too many initialisation requests")
                    return
                else:
                    await websocket.close(code=4400, reason="Invalid message")
                    return
        except WebSocketDisconnect:
            return
        except (ValueError, KeyError):  # not JSON, or a binary frame (no "text")
            await websocket.close(code=4400, reason="Invalid message")
            return
        finally:
            expiry.cancel()
            running = list(operations.values())
            for task in running:
                task.cancel()
            # let each stop (and end its unit of work) before the connection is gone
            await asyncio.gather(*running, return_exceptions=True)

    async def healthz(_request: Request) -> Response:
        return ORJSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # The policy in force is the newest stored version, kept current in the background
        # (LISTEN/NOTIFY on PostgreSQL, polling on SQLite); requests only read the store.
        watcher = upkeep = escalation = None
        if engine is not None:
            telemetry.configure(engine)
            watcher = policy_store.PolicyWatcher(engine)
            await watcher.start()
            upkeep = AuditUpkeep(
                engine,
                load_or_create_key(settings.signing_key_file),
                checkpoint_seconds=settings.checkpoint_seconds,
            )
            await upkeep.start()
            escalation = Escalation(engine)
            await escalation.start()
        await doorbell.start()
        try:
            yield
        finally:
            await doorbell.stop()
            if escalation is not None:
                await escalation.stop()
            if upkeep is not None:
                await upkeep.stop()
            if watcher is not None:
                await watcher.stop()
            if owns_engine and engine is not None:
                await engine.dispose()

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_ws),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def app() -> Starlette:
    """Factory for ``uvicorn --factory server:app``."""
    logs.configure()
    return create_app(Settings.from_env())
