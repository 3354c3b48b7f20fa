"""More faults a center survives: a printer that dies in the middle of a ticket, and a
board display whose network drops long enough for the server to give up on it."""

from __future__ import annotations

import os
import select
import socket
import struct
import threading
import time
from collections import Counter as Tally
from io import BytesIO

import requests
import socketio as sio_client
from PIL import Image
from sqlalchemy import select as sql_select

from server.db import Database
from server.models import TicketEvent
from tests.support.demo import DEMO_PASSWORD
from tests.support.printing import wait_for_job
from tests.support.raster import decode_images, read_qr_texts, read_qr_texts_from_image
from tests.support.server_process import ServerProcess, login_session
from tests.support.services import free_port
from tests.support.tcp_printer import TcpTestPrinter

# The full minute without network. The server pings every 10 s and gives up 15 s after a
# missed answer (server/adapters/realtime.py), so it drops the board's session well inside the cut; at
# least 30 s is needed for that (MOTCUA_NETWORK_CUT_SECONDS shortens it on a developer's machine).
CUT_SECONDS = max(30.0, float(os.environ.get("MOTCUA_NETWORK_CUT_SECONDS", "60")))
WS_CLOSE = 0x8  # WebSocket opcode of a close frame


# ------------------------------------------------------------------ printer vanishes mid-ticket
class VanishingPrinter:
    """A port-9100 printer that takes the first ``take`` bytes of a ticket, stalls, then loses
    power: the connection is reset and nothing listens on its port any more.

    Its small buffer and small segments (like a real printer's) keep the sender from handing the
    whole ticket to the kernel up front, so the reset lands while the server is still writing."""

    def __init__(self, take: int = 4096, stall: float = 0.3) -> None:
        self.take, self.stall = take, stall
        self.received = bytearray()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        self._listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self.port = self._listener.getsockname()[1]
        self.died = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _addr = self._listener.accept()
        self._listener.close()  # power off: the next connection attempt is refused
        conn.settimeout(10)
        while len(self.received) < self.take:
            chunk = conn.recv(self.take - len(self.received))
            if not chunk:
                break
            self.received += chunk
        time.sleep(self.stall)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not a clean close
        conn.close()
        self.died.set()


def test_printer_dying_mid_ticket_keeps_the_ticket_shows_it_on_screen_alerts_and_reprints_when_back(
    app, client, make_printer_kiosk
):
    printer = VanishingPrinter()
    url = f"tcp://127.0.0.1:{printer.port}?timeout=2"
    token = make_printer_kiosk(printer_url=url)

    answer = client.post("/api/v1/kiosk/tickets", json={"service_id": 1}, headers={"X-Device-Token": token})
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["ticket"]["number"] == "1001" and body["print_job"]["status"] == "pending"

    job = wait_for_job(client, token, body["print_job"]["id"])
    assert printer.died.wait(5) and len(printer.received) == printer.take  # it died part-way through the ticket
    # Reported, after a retry: the first attempt lost the connection, the retry found nobody listening.
    assert job["status"] == "failed" and job["attempts"] == 2
    assert job["error_code"] in ("io", "unreachable") and job["printer_online"] is False
    # The ticket was never in doubt: it waits in the queue.
    assert client.get(f"/api/v1/tickets/{body['ticket']['token']}").get_json()["state"] == "waiting"
    # On-screen fallback: the kiosk shows the ticket image, whose QR is the phone page.
    preview = client.get(body["preview_url"])
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    assert read_qr_texts_from_image(Image.open(BytesIO(preview.data))) == [body["phone_url"]]
    # The supervisors are told which printer.
    alerts = app.extensions["motcua"].alerts.open_alerts(1)
    assert [(a["kind"], a["source"]) for a in alerts] == [("printer_down", url)]

    # Power comes back on the same port: the citizen's ticket is printed again, whole, and the alert clears.
    with TcpTestPrinter(port=printer.port) as revived:
        again = client.post(f"/api/v1/kiosk/tickets/{body['ticket']['token']}/reprint", headers={"X-Device-Token": token})
        assert again.status_code == 201 and again.get_json()["ticket"]["number"] == "1001"
        assert wait_for_job(client, token, again.get_json()["print_job"]["id"])["status"] == "printed"
        jobs = revived.wait_for_jobs(1, timeout=20)
    assert len(jobs[0]) > len(printer.received)
    assert [im.width for im in decode_images(jobs[0])] == [576]
    assert read_qr_texts(jobs[0]) == [body["phone_url"]]
    assert app.extensions["motcua"].alerts.open_alerts(1) == []


# ------------------------------------------------------------------ display loses its network
def websocket_frames(data: bytes):
    """(opcode, payload) of each WebSocket frame in ``data`` (a server's frames are not masked)."""
    i = 0
    while i + 2 <= len(data):
        opcode, masked, size = data[i] & 0x0F, data[i + 1] & 0x80, data[i + 1] & 0x7F
        i += 2
        if size in (126, 127):
            width = 2 if size == 126 else 8
            size = int.from_bytes(data[i : i + width], "big")
            i += width
        i += 4 if masked else 0
        yield opcode, data[i : i + size]
        i += size


class NetworkCut:
    """A TCP relay standing for the display's network link. ``cut()`` pulls the cable: bytes
    stop moving both ways (nothing is closed, nothing is read) and new connections fail;
    ``restore()`` drops the connections that died meanwhile and lets new ones through."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.1)
        self._down = threading.Event()
        self._stop = threading.Event()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._down.is_set():
                conn.close()  # no network: the display's reconnect attempts fail
                continue
            upstream = socket.create_connection(self.upstream)
            with self._lock:
                self._pairs.append((conn, upstream))
            threading.Thread(target=self._pump, args=(conn, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while not self._stop.is_set():
                if self._down.is_set():
                    time.sleep(0.05)  # the cable is out: leave the bytes where they are
                    continue
                ready, _w, _x = select.select([a, b], [], [], 0.1)
                for s in ready:
                    if self._down.is_set():
                        break
                    data = s.recv(65536)
                    if not data:
                        return
                    peers[s].sendall(data)
        except (OSError, ValueError):  # closed under us by restore()
            return
        finally:
            with self._lock:
                if (a, b) in self._pairs:
                    self._pairs.remove((a, b))
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self) -> None:
        self._down.set()

    def server_hung_up(self) -> bool:
        """Whether the server gave up on every connection caught by the cut: among the bytes it
        sent meanwhile (held here, unread) is a WebSocket close frame."""
        with self._lock:
            pairs = list(self._pairs)
        verdicts = []
        for _display_side, server_side in pairs:
            held = bytearray()
            while True:
                try:
                    chunk = server_side.recv(65536, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                held += chunk
            verdicts.append(WS_CLOSE in {opcode for opcode, _payload in websocket_frames(bytes(held))})
        return bool(verdicts) and all(verdicts)

    def restore(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:  # dead on both ends already; what sat in them is lost, as on a real cut
            for s in pair:
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    s.close()
                except OSError:
                    pass
        self._down.clear()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()


class Board:
    """What a board does with the realtime feed: apply each call once, by ``event_id``,
    from live events and from the ``recent_calls`` of every (re)connect snapshot."""

    def __init__(self) -> None:
        self.calls: dict[int, str] = {}  # event_id → number, each call shown once
        self.live: Tally = Tally()  # event_id → times it arrived as a live event
        self.snapshots: list[int] = []  # last_event_id of each snapshot
        self.sids: list[str] = []
        self.lock = threading.Lock()

    def on_snapshot(self, data: dict) -> None:
        with self.lock:
            self.snapshots.append(data["last_event_id"])
            for call in data["recent_calls"]:
                if call["kind"] == "call":
                    self.calls.setdefault(call["event_id"], call["number"])

    def on_called(self, data: dict) -> None:
        with self.lock:
            self.live[data["event_id"]] += 1
            self.calls.setdefault(data["event_id"], data["number"])


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_board_cut_off_long_enough_to_be_dropped_resyncs_every_call_exactly_once(tmp_path, sqlite_url):
    env = {"DATABASE_URL": sqlite_url, "MOTCUA_INSTANCE": str(tmp_path), "SECRET_KEY": "k", "RATE_LIMIT_ENABLED": "0"}
    server = ServerProcess(free_port(), env, tmp_path / "server.log").start()
    link = NetworkCut(server.port)
    board = Board()
    display = sio_client.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2)
    display.on("snapshot", board.on_snapshot)
    display.on("ticket_called", board.on_called)
    display.on("connect", lambda: board.sids.append(display.get_sid()))
    try:
        for _ in range(8):
            assert (
                requests.post(server.url + "/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=5).status_code
                == 201
            )
        clerk = login_session(server.url, "quay1", DEMO_PASSWORD)

        def call() -> int:
            clerk.post(server.url + "/api/v1/counters/1/finish", timeout=5)
            answer = clerk.post(server.url + "/api/v1/counters/1/call-next", timeout=5)
            assert answer.status_code == 200 and answer.json()["ticket"]
            return answer.json()["ticket"]["id"]

        display.connect(link.url, auth={"center_id": 1}, transports=["websocket"], wait_timeout=10)
        assert wait_until(lambda: len(board.snapshots) == 1, 5)
        before = [call(), call()]
        assert wait_until(lambda: len(board.live) == 2, 5)

        link.cut()
        cut_at = time.monotonic()
        during = []
        for moment in (1, 8, 16, CUT_SECONDS - 3):  # before and after the server notices
            time.sleep(max(0.0, cut_at + moment - time.monotonic()))
            during.append(call())
        time.sleep(max(0.0, cut_at + CUT_SECONDS - time.monotonic()))
        # The server noticed the silence (no answer to its ping) and hung up on the display by itself.
        assert link.server_hung_up()
        link.restore()

        assert wait_until(lambda: len(board.snapshots) == 2, 15), "the display did not come back"
        after = call()
        assert wait_until(lambda: len(board.live) == 3, 5)
    finally:
        display.disconnect()
        link.close()
        server.stop()

    db = Database(sqlite_url)
    with db.read() as s:
        logged = list(
            s.execute(
                sql_select(TicketEvent.id, TicketEvent.ticket_id).where(TicketEvent.action == "call").order_by(TicketEvent.id)
            )
        )
    db.dispose()
    assert [ticket for _event, ticket in logged] == before + during + [after]
    # Every call is on the board exactly once: none missed, none doubled.
    assert sorted(board.calls) == [event for event, _ticket in logged]
    # The calls made during the cut never arrived live (the link was really down); the snapshot brought them.
    during_events = [event for event, ticket in logged if ticket in during]
    assert not set(during_events) & set(board.live)
    assert all(count == 1 for count in board.live.values())
    # A new session: the server had dropped the old one; the new snapshot stands after the cut's last call.
    assert len(board.sids) == 2 and board.sids[0] != board.sids[1]
    assert board.snapshots[1] >= max(during_events)
