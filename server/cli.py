"""Command-line interface for the IT officer (``python run.py …``)."""

from __future__ import annotations

import argparse
import ctypes
import getpass
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from audio.cli import say
from display.demo import demo_display_url
from hardware import print_test_page
from kiosk.demo import demo_kiosk_url
from server.adapters.printing import lan_base_url
from server.app import create_app
from server.bootstrap import open_database, server_speech_engine
from server.clock import SystemClock
from server.config import DEFAULT_THREADS, ConfigError, Settings
from server.db import Database
from server.demo import DEMO_CENTER_CODE, DemoSeed, seed_demo
from server.domain import audit
from server.domain.accounts import create_user, set_password
from server.domain.admin import user_view
from server.domain.center_io import cli_export, cli_import
from server.domain.errors import DomainError
from server.extensions import services, socketio
from server.maintenance import backup_sqlite, migrate_to_postgres, restore_sqlite
from server.models import Center, User
from server.schema import upgrade
from server.worker_model import GEVENT_CONNECTIONS, cooperative, settled


def _print_credentials(credentials: dict[str, str]) -> None:
    if not credentials:
        return
    print("\n=== Tài khoản demo / demo accounts (chỉ hiện một lần / shown once) ===")
    for username, password in credentials.items():
        print(f"  {username:10s} {password}")
    print("=====================================================================\n", flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    settings: Settings = args.settings

    def build() -> object:
        # Runs in the process that serves (gunicorn's worker): it seeds on first start and prints once.
        app = create_app(settings)
        seed = seed_on_start(services(app).db, settings, create=not args.no_seed)
        _print_credentials(seed.credentials)
        base_url = _print_start_links(app, args.host, args.port)
        _print_demo_device_links(seed, base_url)
        return app

    if gunicorn_supported(settings):
        serve_with_gunicorn(build, args.host, args.port, threads=args.threads)
        return 0
    # Windows (no fork, so no gunicorn): Flask-SocketIO's own threaded server, websockets included.
    socketio.run(build(), host=args.host, port=args.port, allow_unsafe_werkzeug=True, use_reloader=False)
    return 0


def seed_on_start(db: Database, settings: Settings, *, create: bool = True) -> DemoSeed:
    """What ``serve`` seeds as it starts: the whole demo on an empty database (unless ``create`` is
    False: ``--no-seed``), and the demo kiosk and board whenever the demo center exists. An
    installation whose centers are all its own gets nothing."""
    with db.write() as session:
        demo = session.scalar(select(Center.id).where(Center.code == DEMO_CENTER_CODE))
        empty = session.execute(select(Center.id).limit(1)).first() is None
        if demo is None and not (empty and create):
            return DemoSeed()
        return seed_demo(session, kiosk_printer_url=settings.kiosk_printer_url)


def gunicorn_supported(settings: Settings | None = None) -> bool:
    """gunicorn needs fork and POSIX signals: Linux and macOS, not Windows (nor ``MOTCUA_DEV_SERVER=1``)."""
    if os.name != "posix" or (settings is not None and settings.dev_server):
        return False
    try:
        import gunicorn  # noqa: F401 - only whether it is installed matters
    except ImportError:
        return False
    return True


def serve_with_gunicorn(build: Callable[[], object], host: str, port: int, *, threads: int = DEFAULT_THREADS) -> None:
    """Serve the app ``build()`` makes with gunicorn, in this one command: the production setup of
    deploy/ (one worker; gevent when run.py patched the process, see server/worker_model.py, else
    gthread with ``threads`` threads; websockets through simple-websocket) without a development-server
    warning. The app is built in the worker, as ``gunicorn server.wsgi:app`` does, so its database
    connections and background work belong to the process that serves. Ctrl-C stops it (gunicorn's
    quick shutdown)."""
    # Here, not at the top: gunicorn needs fcntl, so it cannot even be imported on Windows.
    from gunicorn.app.base import BaseApplication

    class OneCommandServer(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": 1,  # Socket.IO keeps per-process state: one worker
                **worker_options(cooperative(), threads),
                "timeout": 120,
                "graceful_timeout": 5,
                "keepalive": 5,
                # Several servers on one box (and the tests) must not fight over one control socket.
                "control_socket_disable": True,
                "proc_name": "motcua",
                "post_fork": _die_with_master,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> object:
            return settled(build())

    OneCommandServer().run()


def worker_options(gevent: bool, threads: int) -> dict[str, object]:
    """gunicorn's worker class and connection limit: every websocket keeps a connection open, and a
    worker refuses connections past ``worker_connections``. A gevent worker's connection is a greenlet
    (a few kB), so its limit is far above a center's clients; a gthread worker's is a thread each."""
    if gevent:
        return {"worker_class": "gevent", "worker_connections": max(GEVENT_CONNECTIONS, threads + 100)}
    return {"worker_class": "gthread", "threads": threads, "worker_connections": max(1000, threads + 100)}


def start_base_url(app: object, host: str, port: int) -> str:
    """The address other machines use to reach this server: ``PUBLIC_BASE_URL``, else the LAN
    address (a TV cannot open ``localhost``); ``localhost`` only when listening on loopback."""
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
    print(
        f"  Ghép nối thiết bị / pair a device:    {base}/pair   (mở trên TV, kiosk, máy tính bảng / open on the new device)",
        flush=True,
    )
    return base


def _print_demo_device_links(seed: DemoSeed, base_url: str) -> None:
    """The demo kiosk's and display's setup links, so ``make run`` shows working devices at
    once; nothing without a demo center."""
    for label, link in (
        ("Kiosk (demo):", seed.kiosk_token and demo_kiosk_url(seed.kiosk_token, base_url)),
        ("Màn hình gọi số / board (demo):", seed.display_token and demo_display_url(seed.display_token, base_url)),
    ):
        if link:
            print(f"  {label:37s} {link}", flush=True)


def _die_with_master(_server: object, _worker: object) -> None:
    """Linux: the worker is killed when the master dies, even by kill -9 or the OOM killer, so no
    orphan keeps the port and answers from a process nobody supervises any more."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # a libc without prctl: gunicorn's own parent check remains
        pass


def cmd_init_db(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    upgrade(settings.database_url)
    print(f"Cơ sở dữ liệu đã sẵn sàng / database ready: {settings.database_url}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    upgrade(settings.database_url)
    db = open_database(settings)
    try:
        with db.write() as session:
            credentials = seed_demo(session, kiosk_printer_url=settings.kiosk_printer_url).credentials
    finally:
        db.dispose()
    if not credentials:
        print("Trung tâm demo đã có / demo center already exists.")
    _print_credentials(credentials)
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    password = args.password or settings.cli_password or getpass.getpass("Mật khẩu / password: ")
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
            audit.record(
                session,
                actor=f"cli:{getpass.getuser()}",
                action="create",
                entity="user",
                entity_id=user.id,
                center_id=center_id,
                after=user_view(user),
                now=SystemClock().now(),
                summary=f"Tạo tài khoản {user.username} ({user.role}) bằng lệnh run.py create-user",
            )
    except DomainError as error:
        print(f"{error.message_vi} / {error.message_en}", file=sys.stderr)
        return 2
    print(f"Đã tạo / created: {args.username} ({args.role})")
    return 0


def cmd_reset_password(args: argparse.Namespace) -> int:
    """Set a user's password at the server's console: the way back in for an admin who forgot it or
    is locked out of the sign-in page. Audited like a reset on the admin pages."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Mật khẩu mới / new password: ")
        if getpass.getpass("Nhập lại / repeat: ") != password:
            print("Hai lần nhập không khớp, chưa đổi gì / the two entries differ, nothing changed", file=sys.stderr)
            return 2
    settings: Settings = args.settings
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        with db.write() as session:
            user = session.execute(select(User).where(User.username == args.username)).scalar_one_or_none()
            if user is None:
                print(f"Không có tài khoản {args.username} / no such user", file=sys.stderr)
                return 2
            before = user_view(user)
            set_password(user, password)
            if args.activate:
                user.active = True
            audit.record(
                session,
                actor=f"cli:{getpass.getuser()}",
                action="reset_password",
                entity="user",
                entity_id=user.id,
                center_id=user.center_id,
                before=before if args.activate else None,
                after={"password": "(đã đổi / changed)", **({"active": True} if args.activate else {})},
                now=SystemClock().now(),
                summary=f"Đặt lại mật khẩu cho {user.username} bằng lệnh run.py reset-password",
            )
            active = user.active
    except DomainError as error:
        print(f"{error.message_vi} / {error.message_en}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(f"Đã đặt mật khẩu mới cho / new password set for: {args.username}")
    if not active:
        print(
            "Tài khoản đang bị khoá (ngừng hoạt động); thêm --activate để mở lại / the account is deactivated: "
            "add --activate to enable it",
            file=sys.stderr,
        )
    return 0


def cmd_print_test(args: argparse.Namespace) -> int:
    try:
        print_test_page(args.printer)
    except Exception as error:  # noqa: BLE001 - the IT officer needs the reason, not a trace
        print(f"In thử thất bại / test print failed: {error}", file=sys.stderr)
        return 1
    print(f"Đã gửi trang in thử tới / test page sent to {args.printer}")
    return 0


def cmd_say(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    try:
        # The IT officer hears what the hall hears: the server's engine, voice, speed, volume and speaker.
        path = say(args.text, out=args.out, play=args.play, engine=server_speech_engine(settings), device=settings.speaker_device)
    except Exception as error:  # noqa: BLE001 - any engine failure is told to the IT officer, not as a traceback
        print(f"Không đọc được / could not speak: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    target = backup_sqlite(args.settings.database_url, Path(args.file))
    print(f"Đã sao lưu / backed up to {target}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    try:
        restore_sqlite(args.settings.database_url, Path(args.file))
    except (ValueError, OSError) as error:
        print(f"Không khôi phục được / restore failed: {error}", file=sys.stderr)
        return 1
    print("Đã khôi phục / restored. Khởi động lại máy chủ / restart the server.")
    return 0


def cmd_migrate_to_postgres(args: argparse.Namespace) -> int:
    try:
        copied = migrate_to_postgres(args.settings.database_url, args.postgres_url)
    except ValueError as error:
        print(f"Không chuyển được / migration refused: {error}", file=sys.stderr)
        return 1
    for table, rows in copied.items():
        print(f"  {table:24s} {rows}")
    print("Xong. Đặt DATABASE_URL tới PostgreSQL rồi khởi động lại / done: set DATABASE_URL and restart.")
    return 0


def cmd_export_center(args: argparse.Namespace) -> int:
    return cli_export(args.code, args.file, database_url=args.settings.database_url)


def cmd_import_center(args: argparse.Namespace) -> int:
    upgrade(args.settings.database_url)
    return cli_import(
        args.file, code=args.code, name=args.name, agency_id=args.agency_id, database_url=args.settings.database_url
    )


def build_parser(settings: Settings | None = None) -> argparse.ArgumentParser:
    """The commands; ``serve``'s defaults come from ``settings`` (``HOST``, ``PORT``, ``THREADS``)."""
    host, port, threads = (settings.host, settings.port, settings.threads) if settings else ("0.0.0.0", 8000, DEFAULT_THREADS)
    parser = argparse.ArgumentParser(prog="run.py", description="Một Cửa Queue")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the server (default)")
    serve.add_argument("--host", default=host)
    serve.add_argument("--port", type=int, default=port)
    serve.add_argument("--no-seed", action="store_true", help="do not create the demo center on an empty database")
    serve.add_argument(
        "--threads",
        type=int,
        default=threads,
        help=f"gunicorn threads: one per connected board, console, kiosk or phone page (default {DEFAULT_THREADS}, or THREADS)",
    )
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
    rp = sub.add_parser("reset-password", help="set a user's password (asked twice), e.g. for an admin locked out; audited")
    rp.add_argument("username")
    rp.add_argument("--password-stdin", action="store_true", help="read the new password from the first line of standard input")
    rp.add_argument("--activate", action="store_true", help="also re-enable a deactivated account")
    rp.set_defaults(func=cmd_reset_password)
    pt = sub.add_parser("print-test", help="print a test ticket")
    pt.add_argument(
        "--printer",
        required=True,
        help="tcp://host:9100, usb://VID:PID, serial:///dev/ttyUSB0?baudrate=9600, file:///dev/usb/lp0, cups://name",
    )
    pt.set_defaults(func=cmd_print_test)
    say = sub.add_parser(
        "say",
        help="write an announcement as a WAV file (prints its path); plays it only with --play",
        description="Synthesize TEXT with the server's voice settings (MOTCUA_VOICE_ENGINE, MOTCUA_VOICE, "
        "MOTCUA_VOICE_RATE, MOTCUA_VOICE_VOLUME) into a WAV file and print the file's path. "
        "Nothing is heard unless --play is given. Without --out the file goes to the audio cache "
        "(MOTCUA_AUDIO_CACHE, else ~/.cache/mot-cua-queue/audio).",
    )
    say.add_argument("text", help='free text, or "call|recall|pickup NUMBER COUNTER"')
    say.add_argument("--out", metavar="FILE.wav", help="write the WAV to this file instead of the cache")
    say.add_argument(
        "--play",
        action="store_true",
        help="also play it on this computer's speaker (aplay; ANNOUNCE_SPEAKER_DEVICE chooses the ALSA device)",
    )
    say.set_defaults(func=cmd_say)
    bk = sub.add_parser("backup", help="online backup of the SQLite database")
    bk.add_argument("file")
    bk.set_defaults(func=cmd_backup)
    rs = sub.add_parser("restore", help="restore the SQLite database from a backup (server stopped)")
    rs.add_argument("file")
    rs.set_defaults(func=cmd_restore)
    ex = sub.add_parser(
        "export-center", help="write a center's configuration (fields, counters, procedures, settings) to JSON/YAML"
    )
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
    """Run one command; 2 (and a message in both languages, no traceback) for a bad setting."""
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"{error.message_vi}\n{error.message_en}", file=sys.stderr)
        return 2
    parser = build_parser(settings)
    commands = set(parser._subparsers._group_actions[0].choices) | {"-h", "--help"}
    if not argv or argv[0] not in commands:
        argv = ["serve", *argv]  # `python run.py --port 8001` serves
    args = parser.parse_args(argv)
    args.settings = settings
    return args.func(args)
