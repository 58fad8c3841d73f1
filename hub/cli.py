"""The ``hub`` command: serve, migrate, build the demo area, mint development tokens."""

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hub import logs
from hub.settings import Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from audit.checkpoints import Checkpoint
    from demo import DemoUser

SCHEMA_FILE = Path("schema.graphql")
EXAMPLE_SUBJECT = "demo.social-worker"
EXAMPLE = """
Try it (synthetic data): a child {subject} works with has NHS number {nhs_number}.
  TOKEN=$(.venv/bin/hub token {subject})
  curl -s http://127.0.0.1:8000/graphql -H "Authorization: Bearer $TOKEN" \\
    -H 'X-Purpose-Of-Use: safeguarding.s47' -H 'Content-Type: application/json' \\
    -d '{{"query":"{{ child(nhsNumber: \\"{nhs_number}\\") '\\
'{{ givenName records {{ category }} }} }}"}}'
"""


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    uvicorn.run(
        "server:app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        access_log=False,  # request lines carry no personal data, but keep logs minimal
        proxy_headers=False,
    )
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from db.migrate import downgrade, upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if args.downgrade:
        downgrade(settings.database_url, args.downgrade)
    else:
        upgrade(settings.database_url, args.revision)
    print(f"database at revision {args.downgrade or args.revision}")
    return 0


def _print_users(users: "list[DemoUser]") -> None:
    print("\nDemo users (one per role); get a token with the command beside each:")
    for user in users:
        print(f"  {user.role!s:32} {user.agency_name[:38]:38}  hub token {user.subject}")


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from db.engine import create_engine, session_factory
    from demo import build_demo_area, demo_exists, example_child, list_demo_users

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            exists = await demo_exists(session)
        if exists and args.if_absent:
            print("demo area already built")
        elif exists:
            print("a demo area is already in this database; use a fresh database", file=sys.stderr)
            return 1
        else:
            summary = await build_demo_area(engine, children=args.children, seed=args.seed)
            print(
                f"built demo area: {summary.children} children, {summary.agencies} agencies "
                f"({summary.schools} schools), {summary.relationships} relationships, "
                f"{summary.records} records"
            )
        async with session_factory(engine)() as session:
            _print_users(await list_demo_users(session))
            nhs_number = await example_child(session, EXAMPLE_SUBJECT)
        if nhs_number:
            print(EXAMPLE.format(subject=EXAMPLE_SUBJECT, nhs_number=nhs_number))
    finally:
        await engine.dispose()
    return 0


def _token(args: argparse.Namespace, settings: Settings) -> int:
    from auth.dev_issuer import mint

    print(
        mint(
            settings.dev_issuer_dir,
            subject=args.subject,
            audience=settings.audience,
            lifetime_seconds=args.lifetime,
        )
    )
    return 0


def _export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from schema import schema

    text = schema.as_str() + "\n"
    if args.check:
        if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text() != text:
            print("schema.graphql is out of date: run `make schema`", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(text)
    print(f"wrote {SCHEMA_FILE}")
    return 0


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    from audit import checkpoints as signed

    held: list[signed.Checkpoint] = []
    keys: dict[str, Ed25519PublicKey] = {}
    if args.audit_command == "verify":
        if settings.signing_key_file.exists():
            public = signed.load_or_create_key(settings.signing_key_file).public_key()
            keys[signed.key_id(public)] = public
        for path in args.checkpoints:
            checkpoints, file_keys = signed.read_export(Path(path).read_text())
            held += checkpoints
            keys.update(file_keys)
    code, text = asyncio.run(_audit_async(args, settings, held, keys))
    if args.audit_command == "export-checkpoints" and args.file != "-":
        Path(args.file).write_text(text)
        print(f"wrote {text.count(chr(10))} checkpoints to {args.file}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return code


async def _audit_async(
    args: argparse.Namespace,
    settings: Settings,
    held: list["Checkpoint"],
    keys: dict[str, "Ed25519PublicKey"],
) -> tuple[int, str]:
    from datetime import UTC, datetime

    from audit import checkpoints as signed
    from audit.verify import verify
    from db.engine import create_engine

    engine = create_engine(settings.database_url)
    try:
        if args.audit_command == "checkpoint":
            key = signed.load_or_create_key(settings.signing_key_file)
            seq = await signed.checkpoint(engine, key, datetime.now(UTC))
            return 0, (f"signed a checkpoint at event {seq}\n" if seq else "nothing new to sign\n")
        async with engine.connect() as connection:
            if args.audit_command == "export-checkpoints":
                key = signed.load_or_create_key(settings.signing_key_file)
                lines = signed.export_lines(await signed.stored(connection), key.public_key())
                return 0, "".join(line + "\n" for line in lines)
            stored = await signed.stored(connection)
            report = await verify(connection, checkpoints=[*stored, *held], keys=keys)
    finally:
        await engine.dispose()
    if report.ok:
        return 0, f"audit log intact: {report.events} events, {report.checkpoints} checkpoints\n"
    return 1, f"audit log NOT intact ({report.events} events read): {report.first}\n"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="hub", description="Safeguarding Partnership Hub")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve GraphQL on /graphql")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head")
    migrate.add_argument("--downgrade", metavar="REVISION", help="downgrade to REVISION")
    migrate.set_defaults(handler=_migrate)

    demo = commands.add_parser("demo", help="build the synthetic demo area and list demo users")
    demo.add_argument("--children", type=int, default=3000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--if-absent", action="store_true", help="do nothing if already built")
    demo.set_defaults(handler=_demo, is_async=True)

    token = commands.add_parser("token", help="mint a development token for a user's subject")
    token.add_argument("subject")
    token.add_argument("--lifetime", type=int, default=8 * 3600, help="seconds")
    token.set_defaults(handler=_token)

    audit = commands.add_parser("audit", help="verify the audit log; sign and export checkpoints")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    check = audit_commands.add_parser(
        "verify", help="check the hash chain and the checkpoints; exit 1 naming the first bad event"
    )
    check.add_argument(
        "--checkpoints",
        action="append",
        default=[],
        metavar="FILE",
        help="also check checkpoints exported earlier (hub audit export-checkpoints)",
    )
    audit_commands.add_parser("checkpoint", help="sign a checkpoint of the chain's head now")
    export_checkpoints = audit_commands.add_parser(
        "export-checkpoints",
        help="write the signed checkpoints, with the public key, as JSON lines",
    )
    export_checkpoints.add_argument("file", help="a path, or - for standard output")
    audit.set_defaults(handler=_audit)

    export = commands.add_parser("export-schema", help="write schema.graphql")
    export.add_argument("--check", action="store_true", help="fail if schema.graphql drifted")
    export.set_defaults(handler=_export_schema)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logs.configure()
    settings = Settings.from_env()
    if getattr(args, "is_async", False):
        return int(asyncio.run(args.handler(args, settings)))
    return int(args.handler(args, settings))


if __name__ == "__main__":
    sys.exit(main())
