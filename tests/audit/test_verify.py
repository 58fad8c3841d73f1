"""``hub audit verify`` names the first bad event after each kind of tampering, on the
database under test; checkpoints catch a rewritten and re-chained history."""

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import anyio.to_thread
import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from audit import checkpoints as signed
from audit.chain import GENESIS, canonical, link
from audit.verify import verify
from hub import cli
from tests.audit.conftest import EVENTS, without_guards

Tamper = Callable[[AsyncConnection], Awaitable[None]]


async def _row(connection: AsyncConnection, seq: int) -> dict[str, object]:
    row = (
        await connection.execute(text("SELECT * FROM audit_events WHERE seq = :s"), {"s": seq})
    ).one()
    return dict(row._mapping)


async def modify_body(connection: AsyncConnection) -> None:
    body = orjson.loads(str((await _row(connection, 3))["body"]))
    body["purpose"] = "statistics"
    await connection.execute(
        text("UPDATE audit_events SET body = :b WHERE seq = 3"), {"b": canonical(body)}
    )


async def modify_column(connection: AsyncConnection) -> None:
    # the body is intact, but the DPO's queries read the column
    await connection.execute(text("UPDATE audit_events SET user_id = NULL WHERE seq = 3"))


async def modify_access(connection: AsyncConnection) -> None:
    await connection.execute(text("DELETE FROM audit_accesses WHERE seq = 3"))


async def delete_event(connection: AsyncConnection) -> None:
    await connection.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    await connection.execute(text("DELETE FROM audit_accesses WHERE seq = 3"))


async def delete_last(connection: AsyncConnection) -> None:
    for table in ("audit_accesses", "audit_events"):
        await connection.execute(text(f"DELETE FROM {table} WHERE seq = :s"), {"s": EVENTS})  # noqa: S608


async def insert_between(connection: AsyncConnection) -> None:
    # make room after event 2 and forge a well-formed event 3 chained to event 2
    for seq in range(EVENTS, 2, -1):
        for table in ("audit_accesses", "audit_events"):
            await connection.execute(
                text(f"UPDATE {table} SET seq = seq + 1 WHERE seq = :s"),  # noqa: S608
                {"s": seq},
            )
    original = await _row(connection, 2)
    body = orjson.loads(str(original["body"]))
    body.update(seq=3, children=[], id="forged")
    forged = canonical(body)
    await connection.execute(
        text(
            "INSERT INTO audit_events (seq, occurred_at, event_id, user_id, agency_id, purpose,"
            " operation, outcome, refused, no_relationship, break_glass, body, prev_hash, hash)"
            " VALUES (3, :at, 'forged', :user, :agency, :purpose, 'ChildView', 'success',"
            " false, false, false, :body, :prev, :hash)"
        ),
        {
            "at": original["occurred_at"],
            "user": original["user_id"],
            "agency": original["agency_id"],
            "purpose": original["purpose"],
            "body": forged,
            "prev": original["hash"],
            "hash": link(str(original["hash"]), forged),
        },
    )


async def append_forged(connection: AsyncConnection) -> None:
    # a well-chained event after the last, without moving the head
    last = await _row(connection, EVENTS)
    body = orjson.loads(str(last["body"]))
    body.update(seq=EVENTS + 1, children=[], id="forged")
    forged = canonical(body)
    await connection.execute(
        text(
            "INSERT INTO audit_events (seq, occurred_at, event_id, user_id, agency_id, purpose,"
            " operation, outcome, refused, no_relationship, break_glass, body, prev_hash, hash)"
            " VALUES (:seq, :at, 'forged', :user, :agency, :purpose, 'ChildView', 'success',"
            " false, false, false, :body, :prev, :hash)"
        ),
        {
            "seq": EVENTS + 1,
            "at": last["occurred_at"],
            "user": last["user_id"],
            "agency": last["agency_id"],
            "purpose": last["purpose"],
            "body": forged,
            "prev": last["hash"],
            "hash": link(str(last["hash"]), forged),
        },
    )


async def reorder(connection: AsyncConnection) -> None:
    # swap events 3 and 4 (their numbers; bodies and hashes kept)
    for table in ("audit_accesses", "audit_events"):
        await connection.execute(text(f"UPDATE {table} SET seq = 100 WHERE seq = 3"))  # noqa: S608
        await connection.execute(text(f"UPDATE {table} SET seq = 3 WHERE seq = 4"))  # noqa: S608
        await connection.execute(text(f"UPDATE {table} SET seq = 4 WHERE seq = 100"))  # noqa: S608


TAMPERING: dict[str, tuple[Tamper, int, str]] = {
    "modified body": (modify_body, 3, "modified"),
    "modified column": (modify_column, 3, "modified"),
    "modified child access": (modify_access, 3, "modified"),
    "deleted event": (delete_event, 4, "missing events"),
    "deleted last event": (delete_last, EVENTS, "missing events"),
    "inserted event": (insert_between, 3, "inserted event"),
    "appended event": (append_forged, EVENTS + 1, "inserted event"),
    "reordered events": (reorder, 3, "moved"),
}


async def tamper_with(engine: AsyncEngine, tamper: Tamper) -> None:
    async with engine.begin() as connection:
        await without_guards(connection)
        await tamper(connection)


async def test_an_untouched_chain_verifies(chain: AsyncEngine) -> None:
    async with chain.connect() as connection:
        report = await verify(connection)
    assert report.ok, report.problems
    assert report.events == EVENTS


@pytest.mark.parametrize("kind", list(TAMPERING))
async def test_verify_names_the_first_bad_event(chain: AsyncEngine, kind: str) -> None:
    tamper, seq, problem = TAMPERING[kind]
    # given the chain tampered with by someone able to switch the guards off
    await tamper_with(chain, tamper)

    # when it is verified
    async with chain.connect() as connection:
        report = await verify(connection)

    # then the first bad event is named, with what is wrong with it
    assert not report.ok
    assert report.first is not None
    assert (report.first.seq, report.first.kind) == (seq, problem)


@pytest.mark.parametrize("kind", list(TAMPERING))
async def test_the_command_exits_non_zero_naming_the_event(
    chain: AsyncEngine,
    chain_url: str,
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", chain_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    run = anyio.to_thread.run_sync
    assert await run(cli.main, ["audit", "verify"]) == 0
    assert "audit log intact: 6 events" in capsys.readouterr().out

    tamper, seq, problem = TAMPERING[kind]
    await tamper_with(chain, tamper)
    await chain.dispose()

    assert await run(cli.main, ["audit", "verify"]) == 1
    assert f"event {seq}: {problem}" in capsys.readouterr().out


async def rechain_from(connection: AsyncConnection, start: int) -> None:
    """Rewrite event ``start`` and recompute every later hash and the head, as someone who
    knows the algorithm (but not the signing key) would."""
    await without_guards(connection)
    previous = GENESIS if start == 1 else str((await _row(connection, start - 1))["hash"])
    for seq in range(start, EVENTS + 1):
        row = await _row(connection, seq)
        body = orjson.loads(str(row["body"]))
        if seq == start:
            body["purpose"] = "statistics"
        new_body = canonical(body)
        digest = link(previous, new_body)
        await connection.execute(
            text(
                "UPDATE audit_events SET body = :b, prev_hash = :p, hash = :h,"
                " purpose = :purpose WHERE seq = :s"
            ),
            {"b": new_body, "p": previous, "h": digest, "purpose": body["purpose"], "s": seq},
        )
        previous = digest
    await connection.execute(text("UPDATE audit_head SET hash = :h"), {"h": previous})


async def test_checkpoints_catch_a_rewritten_and_rechained_history(
    chain: AsyncEngine, tmp_path: Path
) -> None:
    key = signed.load_or_create_key(tmp_path / "key.pem")
    keys = {signed.key_id(key.public_key()): key.public_key()}
    # given the head signed, and a partner holding checkpoints of events 2 and 6
    assert await signed.checkpoint(chain, key, datetime.now(UTC)) == EVENTS
    assert await signed.checkpoint(chain, key, datetime.now(UTC)) is None  # nothing new
    async with chain.connect() as connection:
        second = str((await _row(connection, 2))["hash"])
        stored = await signed.stored(connection)
        assert [c.seq for c in stored] == [EVENTS]
        assert (await verify(connection, checkpoints=stored, keys=keys)).ok
    early = signed.sign(key, 2, second, datetime.now(UTC))
    exported = signed.export_lines([early, *stored], key.public_key())
    held, held_keys = signed.read_export("\n".join(exported))
    assert set(held_keys) == set(keys)

    # when event 4 is rewritten and the chain recomputed after it, and the stored
    # checkpoints deleted
    async with chain.begin() as connection:
        await rechain_from(connection, 4)
        await connection.execute(text("DELETE FROM audit_checkpoints"))

    async with chain.connect() as connection:
        # then the chain alone looks intact
        assert (await verify(connection)).ok
        # but the partner's checkpoints name the rewritten stretch, from the first event
        # after the last good checkpoint
        report = await verify(connection, checkpoints=held, keys=held_keys)
    assert report.first is not None
    assert (report.first.seq, report.first.kind) == (3, "history rewritten")


async def test_a_forged_checkpoint_is_rejected(chain: AsyncEngine, tmp_path: Path) -> None:
    key = signed.load_or_create_key(tmp_path / "key.pem")
    other = signed.load_or_create_key(tmp_path / "other.pem")
    await signed.checkpoint(chain, key, datetime.now(UTC))
    async with chain.connect() as connection:
        (good,) = await signed.stored(connection)
    lines = [json.loads(line) for line in signed.export_lines([good], key.public_key())]
    # a checkpoint whose hash was changed no longer verifies with its signature
    lines[0]["hash"] = "f" * 64
    held, keys = signed.read_export("\n".join(json.dumps(line) for line in lines))
    async with chain.connect() as connection:
        report = await verify(connection, checkpoints=held, keys=keys)
    assert report.first is not None
    assert report.first.kind == "bad checkpoint"
    # and a key that does not match its id is refused outright
    lines[0]["public_key"] = json.loads(signed.export_lines([good], other.public_key())[0])[
        "public_key"
    ]
    with pytest.raises(ValueError, match="does not match"):
        signed.read_export(json.dumps(lines[0]))
