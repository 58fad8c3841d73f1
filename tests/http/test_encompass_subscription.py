"""Operation Encompass over a real websocket: the hub served by uvicorn on a loopback TCP port,
a key adult subscribed over graphql-transport-ws, an incident submitted over HTTP, and the
notification delivered on the socket (DESIGN §8, §9) — audited before it is sent, and to
nobody else.

The server's clock is real time here: the incident happened a few minutes ago. Every wait is
bounded; waiting is not what is asserted, except that another school hears nothing.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio.to_thread
import httpx
import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from db import Child, EncompassNotification
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from hub.settings import Settings
from policies import store
from server import create_app
from tests.conftest import scratch_database
from tests.factories.audit import Logged, latest_events
from tests.factories.encompass import Area, by_nhs, incident, make_area, pupil

ENCOMPASS = "safeguarding.encompass"
PROTOCOL = Subprotocol("graphql-transport-ws")
#: How long any one step may take before the test fails (never how long it should take).
WITHIN = 10.0
#: How long another school's socket is watched for a message that must not come.
QUIET_FOR = 2.0

SUBSCRIBE = """
subscription {
  encompassNotifications {
    id childPresent child { hubId } policeContact { reference } deadline
  }
}
"""
SUBMIT = """
mutation Submit($input: EncompassIncidentInput!) {
  submitEncompassIncident(input: $input) {
    policeReference duplicate incident { children { route recipients { code } } }
  }
}
"""


@dataclass(frozen=True, slots=True)
class Hub:
    """The hub serving on a loopback port, and the database behind it."""

    http: str
    ws: str
    engine: AsyncEngine
    area: Area
    child: Child

    async def events(self, n: int = 50) -> list[Logged]:
        """The ``n`` newest audit events, oldest first."""
        async with session_factory(self.engine)() as session:
            return await latest_events(session, n)

    async def newest_seq(self) -> int:
        """The ``seq`` of the newest audit event (0: none yet)."""
        newest = await self.events(1)
        return newest[0].row.seq if newest else 0


@contextlib.asynccontextmanager
async def serving(settings: Settings, engine: AsyncEngine) -> AsyncIterator[int]:
    """The app, lifespan and all (doorbell, policy watcher, audit upkeep, escalation), served
    by uvicorn in this event loop on a free loopback port; stopped when the block ends."""
    app = create_app(settings, engine=engine)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="on", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)

    async def serve() -> None:
        try:
            await server.serve()
        except SystemExit as exc:  # uvicorn exits when the lifespan fails to start
            raise RuntimeError(f"the server exited with {exc.code}") from None

    task = asyncio.create_task(serve(), name="uvicorn")
    try:
        async with asyncio.timeout(WITHIN):
            while not server.started:
                if task.done():
                    raise AssertionError(f"the server did not start: {task.exception()!r}")
                await asyncio.sleep(0.02)
        port: int = server.servers[0].sockets[0].getsockname()[1]
        yield port
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), WITHIN)
        except TimeoutError:
            server.force_exit = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise


@pytest.fixture(scope="module")
async def hub(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Hub]:
    """A scratch database of the kind under test, migrated and seeded with an Encompass area
    and a pupil of its school (committed, for the server to see), served over TCP."""
    async with scratch_database(tmp_path_factory.mktemp("ws")) as url:
        # Alembic's env runs its own event loop: run it in a worker thread.
        await anyio.to_thread.run_sync(upgrade, url)
        engine = create_engine(url)
        try:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                area = await make_area(session)
                child = await pupil(session, area.school)
                await session.commit()
            # the table in force is process-wide: the server's policy watcher starts from the
            # default policy, and the process is left with it
            store.reset()
            async with serving(settings, engine) as port:
                yield Hub(
                    http=f"http://127.0.0.1:{port}/graphql",
                    ws=f"ws://127.0.0.1:{port}/graphql",
                    engine=engine,
                    area=area,
                    child=child,
                )
        finally:
            store.reset()
            await engine.dispose()


@contextlib.asynccontextmanager
async def socket(hub: Hub) -> AsyncIterator[ClientConnection]:
    async with connect(
        hub.ws, subprotocols=[PROTOCOL], open_timeout=WITHIN, close_timeout=WITHIN
    ) as ws:
        yield ws


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def receive(ws: ClientConnection, within: float = WITHIN) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), within))
    assert isinstance(message, dict), message
    return message


async def signed_in(ws: ClientConnection, bearer: str, purpose: str = ENCOMPASS) -> None:
    """``connection_init`` with the token and purpose, acknowledged."""
    init = {"Authorization": f"Bearer {bearer}", "X-Purpose-Of-Use": purpose}
    await send(ws, {"type": "connection_init", "payload": init})
    assert await receive(ws) == {"type": "connection_ack"}


async def closed_with(ws: ClientConnection) -> tuple[int | None, str | None]:
    """The code and reason the server closed the socket with."""
    await asyncio.wait_for(ws.wait_closed(), WITHIN)
    return ws.close_code, ws.close_reason


async def until(what: str, check: Callable[[], Awaitable[bool]], within: float = WITHIN) -> None:
    """Ask ``check`` until it holds; fail after ``within`` seconds."""
    try:
        async with asyncio.timeout(within):
            while True:
                if await check():
                    return
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"not within {within} s: {what}") from None


def subscriptions_by(events: list[Logged], user_id: int, *, after: int = 0) -> list[Logged]:
    """The events of ``user_id``'s subscriptions (each opening check, delivery or refusal)
    logged after ``seq`` ``after``."""
    return [
        event
        for event in events
        if event.row.seq > after
        and event.body["operation"]["type"] == "subscription"
        and event.body["who"]["user"] == user_id
    ]


async def test_a_key_adult_subscribed_over_a_websocket_receives_their_pupils_notification(
    hub: Hub, token: Callable[[str], str]
) -> None:
    area, child = hub.area, hub.child
    start = await hub.newest_seq()
    async with socket(hub) as lead, socket(hub) as other_lead:
        # given the school's key adult and another school's, each subscribed
        await signed_in(lead, token(area.lead.subject))
        await signed_in(other_lead, token(area.other_lead.subject))
        await send(lead, {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        await send(other_lead, {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})

        # (each subscription has begun once its opening check is audited)
        async def both_begun() -> bool:
            events = await hub.events()
            users = (area.lead, area.other_lead)
            return all(subscriptions_by(events, user.id, after=start) for user in users)

        await until("both subscriptions begin", both_begun)
        before = await hub.newest_seq()

        # when the police submit, over HTTP to the same server, an incident of a few
        # minutes ago naming the school's pupil
        reference = f"WS/{child.id}"
        occurred = datetime.now(UTC) - timedelta(minutes=5)
        payload = incident(reference, occurred, by_nhs(child))
        async with httpx.AsyncClient(timeout=WITHIN) as client:
            response = await client.post(
                hub.http,
                json={"query": SUBMIT, "variables": {"input": payload}},
                headers={
                    "Authorization": f"Bearer {token(area.coordinator.subject)}",
                    "X-Purpose-Of-Use": ENCOMPASS,
                },
            )
        assert response.status_code == 200, response.text
        submitted = response.json()
        assert "errors" not in submitted, submitted
        (routed,) = submitted["data"]["submitEncompassIncident"]["incident"]["children"]
        assert routed["route"] == "SCHOOL"
        assert routed["recipients"] == [{"code": area.school.code}]

        # then the key adult's socket receives the notification for their pupil
        message = await receive(lead)
        async with session_factory(hub.engine)() as session:
            (stored,) = (
                await session.execute(
                    select(EncompassNotification).where(
                        EncompassNotification.agency_id == area.school.id
                    )
                )
            ).scalars()
        assert message["type"] == "next", message
        assert message["id"] == "1"
        assert "errors" not in message["payload"], message
        notification = message["payload"]["data"]["encompassNotifications"]
        assert notification["id"] == str(stored.id)
        assert notification["childPresent"] is True
        assert notification["child"] == {"hubId": child.hub_id}
        assert notification["policeContact"] == {"reference": reference}
        assert datetime.fromisoformat(notification["deadline"]) == stored.deadline

        # and the delivery was audited, as a subscription, naming the child
        (delivery,) = subscriptions_by(await hub.events(), area.lead.id, after=before)
        assert delivery.body["purpose"] == ENCOMPASS
        assert delivery.body["outcome"] == "success"
        assert [touched["child"] for touched in delivery.body["children"]] == [child.id]
        assert [access[0] for access in delivery.accesses] == [child.id]

        # and the other school's key adult, subscribed all along, receives nothing
        with pytest.raises(TimeoutError):
            await receive(other_lead, within=QUIET_FOR)
        assert not subscriptions_by(await hub.events(), area.other_lead.id, after=before)

        # and the key adult can end the subscription and keep the connection
        await send(lead, {"id": "1", "type": "complete"})
        await send(lead, {"type": "ping"})
        assert await receive(lead) == {"type": "pong"}


@pytest.mark.parametrize(
    "init",
    [
        pytest.param({}, id="no-token"),
        pytest.param({"Authorization": "Bearer not-a-token"}, id="garbage"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="not-bearer"),
        pytest.param(None, id="unknown-user"),
    ],
)
async def test_connection_init_without_a_valid_token_is_closed_with_4403(
    hub: Hub, token: Callable[[str], str], init: dict[str, str] | None
) -> None:
    if init is None:  # a well-signed token for somebody the hub has never provisioned
        init = {"Authorization": f"Bearer {token('nobody-provisioned')}"}
    async with socket(hub) as ws:
        await send(
            ws, {"type": "connection_init", "payload": {**init, "X-Purpose-Of-Use": ENCOMPASS}}
        )
        assert await closed_with(ws) == (4403, "Forbidden")


async def test_subscribe_before_connection_init_is_closed_with_4401(hub: Hub) -> None:
    async with socket(hub) as ws:
        await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        assert await closed_with(ws) == (4401, "Unauthorized")


async def test_an_operation_id_may_be_reused_once_completed(
    hub: Hub, token: Callable[[str], str]
) -> None:
    user = hub.area.other_lead  # a school with no notifications: nothing else is sent
    before = await hub.newest_seq()
    async with socket(hub) as ws:
        await signed_in(ws, token(user.subject))
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}
        await send(ws, subscribe)

        async def begun() -> bool:
            return bool(subscriptions_by(await hub.events(), user.id, after=before))

        await until("the subscription begins", begun)

        # when the running subscription is completed and its id reused at once
        await send(ws, {"id": "1", "type": "complete"})
        await send(ws, subscribe)
        await send(ws, {"type": "ping"})
        assert await receive(ws) == {"type": "pong"}

        # then the new subscription holds the id (the old one, ending, does not free it):
        # subscribing again with it is refused
        await send(ws, subscribe)
        assert await closed_with(ws) == (4409, "Subscriber for 1 already exists")


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param("not json", id="not-json"),
        pytest.param(b'{"type": "connection_init", "payload": {}}', id="binary"),
    ],
)
@pytest.mark.parametrize("signed", [False, True], ids=["before-init", "after-ack"])
async def test_a_frame_that_is_not_json_text_is_closed_with_4400(
    hub: Hub, token: Callable[[str], str], frame: str | bytes, signed: bool
) -> None:
    async with socket(hub) as ws:
        if signed:
            await signed_in(ws, token(hub.area.lead.subject))
        await ws.send(frame)
        assert await closed_with(ws) == (4400, "Invalid message")


async def test_a_query_over_the_socket_gets_an_error_not_data(
    hub: Hub, token: Callable[[str], str]
) -> None:
    before = await hub.newest_seq()
    async with socket(hub) as ws:
        await signed_in(ws, token(hub.area.lead.subject))

        # when a query, not a subscription, is sent over the socket
        query = "query { encompassInbox(openOnly: true) { id } }"
        await send(ws, {"id": "q", "type": "subscribe", "payload": {"query": query}})

        # then it is refused with an error message, and nothing else is sent for it
        message = await receive(ws)
        assert message["type"] == "error", message
        assert message["id"] == "q"
        assert isinstance(message["payload"], list)
        assert message["payload"]
        codes = [error["extensions"]["code"] for error in message["payload"]]
        assert codes == ["OPERATION_NOT_ALLOWED"]
        await send(ws, {"type": "ping"})
        assert await receive(ws) == {"type": "pong"}
        # and the refusal was audited (it is committed before the error is sent)
        (refusal,) = subscriptions_by(await hub.events(), hub.area.lead.id, after=before)
        assert refusal.body["outcome"] == "failure"
        assert refusal.body["errors"] == codes[:1]
        assert refusal.body["children"] == []
