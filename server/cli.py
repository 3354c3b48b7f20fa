"""Command-line interface for the IT officer (``python run.py …``)."""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlalchemy import select

from server.config import Settings
from server.db import Database
from server.schema import upgrade


def _print_credentials(credentials: dict[str, str]) -> None:
    if not credentials:
        return
    print("\n=== Tài khoản demo / demo accounts (chỉ hiện một lần / shown once) ===")
    for username, password in credentials.items():
        print(f"  {username:10s} {password}")
    print("=====================================================================\n", flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    from server.app import create_app
    from server.realtime import socketio

    app = create_app(Settings(), seed=not args.no_seed)
    _print_credentials(app.extensions.get("motcua_demo_credentials", {}))
    base_url = _print_start_links(app, args.host, args.port)
    _print_demo_device_links(app, base_url)
    socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True, use_reloader=False)
    return 0


def start_base_url(app: object, host: str, port: int) -> str:
    """The address other machines use to reach this server: ``PUBLIC_BASE_URL``, else the LAN
    address (a TV cannot open ``localhost``); ``localhost`` only when listening on loopback."""
    from server.app import services
    from server.printing import lan_base_url

    configured = services(app).settings.public_base_url  # type: ignore[arg-type]
    if not configured and host in ("127.0.0.1", "localhost", "::1"):
        return f"http://localhost:{port}"
    return lan_base_url(port, configured)


def _print_start_links(app: object, host: str, port: int) -> str:
    """Print where clerks, admins and new devices go; returns the base URL used."""
    base = start_base_url(app, host, port)
    print(f"Một Cửa Queue: {base}/  (API: {base}/api/v1/docs)", flush=True)
    print(f"  Quầy cán bộ / clerk console:          {base}/console/", flush=True)
    print(f"  Quản trị / admin:                     {base}/admin/", flush=True)
    print(f"  Ghép nối thiết bị / pair a device:    {base}/pair   (mở trên TV, kiosk, máy tính bảng / open on the new device)",
          flush=True)
    return base


def _print_demo_device_links(app: object, base_url: str) -> None:
    """The demo kiosk's and display's setup links, so ``make run`` shows working devices at
    once; nothing without a demo center."""
    from display.demo import demo_display_link
    from kiosk.demo import demo_kiosk_link

    for label, link in (("Kiosk (demo):", demo_kiosk_link(app, base_url)),
                        ("Màn hình gọi số / board (demo):", demo_display_link(app, base_url))):
        if link:
            print(f"  {label:37s} {link}", flush=True)


def cmd_init_db(_args: argparse.Namespace) -> int:
    settings = Settings()
    upgrade(settings.database_url)
    print(f"Cơ sở dữ liệu đã sẵn sàng / database ready: {settings.database_url}")
    return 0


def cmd_seed_demo(_args: argparse.Namespace) -> int:
    from server.demo import seed_demo

    settings = Settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    with db.write() as session:
        credentials = seed_demo(session)
    if not credentials:
        print("Trung tâm demo đã có / demo center already exists.")
    _print_credentials(credentials)
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from server.admin.manage import user_view
    from server.clock import SystemClock
    from server.domain import audit
    from server.domain.accounts import create_user
    from server.domain.errors import DomainError
    from server.models import Center

    settings = Settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    password = args.password or os.environ.get("MOTCUA_PASSWORD") or getpass.getpass("Mật khẩu / password: ")
    try:
        with db.write() as session:
            center_id = None
            if args.center:
                center = session.execute(select(Center).where(Center.code == args.center)).scalar_one_or_none()
                if center is None:
                    print(f"Không có trung tâm mã {args.center} / no such center", file=sys.stderr)
                    return 2
                center_id = center.id
            user = create_user(session, args.username, password, role=args.role, center_id=center_id, full_name=args.full_name)
            # Accounts made at the server's console are audited like those made on the admin pages.
            audit.record(session, actor=f"cli:{getpass.getuser()}", action="create", entity="user", entity_id=user.id,
                         center_id=center_id, after=user_view(user), now=SystemClock().now(),
                         summary=f"Tạo tài khoản {user.username} ({user.role}) bằng lệnh run.py create-user")
    except DomainError as error:
        print(f"{error.message_vi} / {error.message_en}", file=sys.stderr)
        return 2
    print(f"Đã tạo / created: {args.username} ({args.role})")
    return 0


def cmd_print_test(args: argparse.Namespace) -> int:
    from hardware import print_test_page

    try:
        print_test_page(args.printer)
    except Exception as error:  # noqa: BLE001 - the IT officer needs the reason, not a trace
        print(f"In thử thất bại / test print failed: {error}", file=sys.stderr)
        return 1
    print(f"Đã gửi trang in thử tới / test page sent to {args.printer}")
    return 0


def cmd_say(args: argparse.Namespace) -> int:
    import os

    from audio.cli import say
    from server.announcer import _engine_from_env

    try:
        # The IT officer hears what the hall hears: the server's engine, voice, speed, volume and speaker.
        path = say(args.text, out=args.out, play=args.play, engine=_engine_from_env(),
                   device=os.environ.get("ANNOUNCE_SPEAKER_DEVICE") or None)
    except Exception as error:  # noqa: BLE001
        print(f"Không đọc được / could not speak: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.maintenance import backup_sqlite

    target = backup_sqlite(Settings().database_url, Path(args.file))
    print(f"Đã sao lưu / backed up to {target}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.maintenance import restore_sqlite

    try:
        restore_sqlite(Settings().database_url, Path(args.file))
    except (ValueError, OSError) as error:
        print(f"Không khôi phục được / restore failed: {error}", file=sys.stderr)
        return 1
    print("Đã khôi phục / restored. Khởi động lại máy chủ / restart the server.")
    return 0


def cmd_migrate_to_postgres(args: argparse.Namespace) -> int:
    from server.maintenance import migrate_to_postgres

    try:
        copied = migrate_to_postgres(Settings().database_url, args.postgres_url)
    except ValueError as error:
        print(f"Không chuyển được / migration refused: {error}", file=sys.stderr)
        return 1
    for table, rows in copied.items():
        print(f"  {table:24s} {rows}")
    print("Xong. Đặt DATABASE_URL tới PostgreSQL rồi khởi động lại / done: set DATABASE_URL and restart.")
    return 0


def cmd_export_center(args: argparse.Namespace) -> int:
    from server.domain.center_io import cli_export

    return cli_export(args.code, args.file)


def cmd_import_center(args: argparse.Namespace) -> int:
    from server.domain.center_io import cli_import

    upgrade(Settings().database_url)
    return cli_import(args.file, code=args.code, name=args.name, agency_id=args.agency_id)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description="Một Cửa Queue")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the server (default)")
    serve.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--no-seed", action="store_true", help="do not create the demo center on an empty database")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("init-db", help="create or migrate the database").set_defaults(func=cmd_init_db)
    sub.add_parser("seed-demo", help="add the demo center and accounts").set_defaults(func=cmd_seed_demo)
    cu = sub.add_parser("create-user", help="create a clerk/supervisor/admin")
    cu.add_argument("username")
    cu.add_argument("--role", default="clerk", choices=["clerk", "supervisor", "admin"])
    cu.add_argument("--center", help="center code (omit for a province-wide account)")
    cu.add_argument("--full-name", default="")
    cu.add_argument("--password", help="or MOTCUA_PASSWORD, or asked interactively")
    cu.set_defaults(func=cmd_create_user)
    pt = sub.add_parser("print-test", help="print a test ticket")
    pt.add_argument("--printer", required=True, help="tcp://host:9100, usb://VID:PID, serial:///dev/ttyUSB0?baudrate=9600, file:///dev/usb/lp0, cups://name")
    pt.set_defaults(func=cmd_print_test)
    say = sub.add_parser("say", help="synthesize (and play) an announcement")
    say.add_argument("text")
    say.add_argument("--out", help="write the WAV here")
    say.add_argument("--play", action="store_true", help="play on this computer's speaker")
    say.set_defaults(func=cmd_say)
    bk = sub.add_parser("backup", help="online backup of the SQLite database")
    bk.add_argument("file")
    bk.set_defaults(func=cmd_backup)
    rs = sub.add_parser("restore", help="restore the SQLite database from a backup (server stopped)")
    rs.add_argument("file")
    rs.set_defaults(func=cmd_restore)
    ex = sub.add_parser("export-center", help="write a center's configuration (fields, counters, procedures, settings) to JSON/YAML")
    ex.add_argument("code", help="the center's code, e.g. HOANKIEM")
    ex.add_argument("file", help="FILE.json, or FILE.yaml for YAML")
    ex.set_defaults(func=cmd_export_center)
    im = sub.add_parser("import-center", help="create a new center from an exported JSON/YAML file")
    im.add_argument("file")
    im.add_argument("--code", help="the new center's code (default: the file's)")
    im.add_argument("--name", help="the new center's name")
    im.add_argument("--agency-id", help="the new center's own agency identifier (mã định danh), which starts its dossier codes")
    im.set_defaults(func=cmd_import_center)
    mg = sub.add_parser("migrate-to-postgres", help="copy the SQLite data into an empty PostgreSQL database")
    mg.add_argument("postgres_url")
    mg.set_defaults(func=cmd_migrate_to_postgres)
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    commands = set(build_parser()._subparsers._group_actions[0].choices) | {"-h", "--help"}
    if not argv or argv[0] not in commands:
        argv = ["serve", *argv]  # `python run.py --port 8001` serves
    args = parser.parse_args(argv)
    return args.func(args)
