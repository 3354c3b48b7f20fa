"""ESC/POS printers configured by URL, driven through python-escpos.

URL forms (query parameters in brackets apply to all)::

    tcp://HOST[:9100]                         network printer (raw port 9100)
    usb://VID:PID[?in_ep=0x82&out_ep=0x01]    USB, hex ids (needs pyusb)
    serial:///dev/ttyUSB0[?baudrate=9600&bytesize=8&parity=N&stopbits=1&xonxoff=0&dsrdtr=1]
    serial://COM3                             (Windows, needs pyserial)
    file:///dev/usb/lp0                       device file (Linux usblp; group lp)
    cups://NAME[?host=localhost&port=631]     CUPS raw queue (needs pycups)

    common: profile=NAME  python-escpos profile (default "default", with the
                          paper width filled in so centering works)
            width=384|576 dots (default: the profile's width, else 576)
            cut=1|0       cut after printing (default 1; profiles without a
                          cutter, e.g. POS-5890, send nothing)
            feed=N        lines fed before the cut / after the image (default 6 / 4)
            timeout=SEC   connection/IO timeout (default 3)
            impl=bitImageRaster|bitImageColumn|graphics  raster command (default GS v 0)

Public API::

    PrinterConfig.from_url(url) -> PrinterConfig      # ValueError on a bad URL
    print_image(config_or_url, image) -> None         # PrinterError on failure
    escpos_bytes(image, config_or_url=None) -> bytes   # the bytes print_image would send
    PrinterError(url, reason, code)                   # .url .reason .code, str() is human
"""
from __future__ import annotations

import copy
import errno
import logging
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from PIL import Image

from ._escpos import escpos_modules

__all__ = ["PrinterConfig", "PrinterError", "print_image", "escpos_bytes", "SCHEMES"]

log = logging.getLogger(__name__)

SCHEMES = ("tcp", "usb", "serial", "file", "cups")
DEFAULT_WIDTH = 576
DEFAULT_TIMEOUT = 3.0
_COMMON = {"profile", "width", "cut", "feed", "timeout", "impl"}
_SCHEME_PARAMS = {
    "tcp": set(),
    "usb": {"in_ep", "out_ep"},
    "serial": {"baudrate", "bytesize", "parity", "stopbits", "xonxoff", "dsrdtr"},
    "file": set(),
    "cups": {"host", "port"},
}
_IMPLS = ("bitImageRaster", "bitImageColumn", "graphics")

NOT_RESPONDING = "Máy in không phản hồi / printer not responding"


class PrinterError(Exception):
    """Printing failed; ``reason`` is a Vietnamese / English human message.

    ``code`` is stable for programs: ``unreachable``, ``not_found``,
    ``permission``, ``io``, ``dependency``, ``config`` or ``error``.
    """

    def __init__(self, url: str, reason: str, code: str = "error") -> None:
        super().__init__(url, reason, code)
        self.url, self.reason, self.code = url, reason, code

    def __str__(self) -> str:
        return f"{self.reason} ({self.url})"


def _bool(value: str, name: str) -> bool:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={value!r}: expected 1 or 0")


def _int(value: str, name: str, lo: int, hi: int, base: int = 10) -> int:
    try:
        n = int(value, 0 if base == 0 else base)
    except ValueError:
        raise ValueError(f"{name}={value!r}: expected a number") from None
    if not lo <= n <= hi:
        raise ValueError(f"{name}={n}: expected {lo}…{hi}")
    return n


@dataclass(frozen=True)
class PrinterConfig:
    """A parsed printer URL.  Build with :meth:`from_url`."""

    url: str
    scheme: str
    host: str = ""  # tcp host, or CUPS server
    port: int = 0  # tcp port, or CUPS server port
    device: str = ""  # serial / file path
    vendor_id: int = 0  # usb
    product_id: int = 0
    printer_name: str = ""  # cups
    width: int = DEFAULT_WIDTH
    profile: str | None = None
    cut: bool = True
    feed: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    impl: str = "bitImageRaster"
    options: dict[str, Any] = field(default_factory=dict, hash=False)  # scheme-specific extras

    @classmethod
    def from_url(cls, url: str) -> PrinterConfig:
        """Parse a printer URL; raises ``ValueError`` with a clear message if it is wrong."""
        if not isinstance(url, str) or "://" not in url:
            raise ValueError(f"printer URL {url!r}: expected scheme://…, one of {', '.join(SCHEMES)}")
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            raise ValueError(f"printer URL {url!r}: unknown scheme {scheme!r}, expected one of {', '.join(SCHEMES)}")
        query: dict[str, str] = {}
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key not in _COMMON | _SCHEME_PARAMS[scheme]:
                allowed = ", ".join(sorted(_COMMON | _SCHEME_PARAMS[scheme]))
                raise ValueError(f"printer URL {url!r}: unknown parameter {key!r} (allowed: {allowed})")
            query[key] = value
        kw: dict[str, Any] = {"url": url, "scheme": scheme, "options": {}}

        if scheme == "tcp":
            if parts.path not in ("", "/"):
                raise ValueError(f"printer URL {url!r}: tcp:// takes no path (tcp://HOST:9100)")
            try:
                host, port = parts.hostname, parts.port
            except ValueError:
                raise ValueError(f"printer URL {url!r}: bad port") from None
            if not host:
                raise ValueError(f"printer URL {url!r}: missing host (tcp://HOST:9100)")
            kw.update(host=host, port=port or 9100)
        elif scheme == "usb":
            ids = parts.netloc or parts.path.strip("/")
            vid, sep, pid = ids.partition(":")
            if not sep or not vid or not pid:
                raise ValueError(f"printer URL {url!r}: expected usb://VID:PID in hex, e.g. usb://04b8:0202")
            try:
                kw.update(vendor_id=int(vid, 16), product_id=int(pid, 16))
            except ValueError:
                raise ValueError(f"printer URL {url!r}: USB ids must be hex, e.g. usb://04b8:0202") from None
            if not (0 < kw["vendor_id"] <= 0xFFFF and 0 < kw["product_id"] <= 0xFFFF):
                raise ValueError(f"printer URL {url!r}: USB ids must be 0001…ffff")
            for ep in ("in_ep", "out_ep"):
                if ep in query:
                    kw["options"][ep] = _int(query[ep], ep, 0, 255, base=0)
        elif scheme in ("serial", "file"):
            device = unquote(parts.netloc + parts.path) if parts.netloc not in ("", "localhost") else unquote(parts.path)
            if not device or device == "/":
                example = "serial:///dev/ttyUSB0?baudrate=9600" if scheme == "serial" else "file:///dev/usb/lp0"
                raise ValueError(f"printer URL {url!r}: missing device path, e.g. {example}")
            kw["device"] = device
            if scheme == "serial":
                opts = kw["options"]
                opts["baudrate"] = _int(query.get("baudrate", "9600"), "baudrate", 300, 4_000_000)
                if "bytesize" in query:
                    opts["bytesize"] = _int(query["bytesize"], "bytesize", 5, 8)
                if "parity" in query:
                    parity = query["parity"].upper()[:1]
                    if parity not in ("N", "E", "O", "M", "S"):
                        raise ValueError(f"parity={query['parity']!r}: expected N, E, O, M or S")
                    opts["parity"] = parity
                if "stopbits" in query:
                    opts["stopbits"] = _int(query["stopbits"], "stopbits", 1, 2)
                for flag in ("xonxoff", "dsrdtr"):
                    if flag in query:
                        opts[flag] = _bool(query[flag], flag)
        elif scheme == "cups":
            name = unquote(parts.netloc or parts.path.strip("/"))
            kw["printer_name"] = name  # empty: the CUPS default printer
            kw["host"] = query.get("host", "localhost")
            kw["port"] = _int(query.get("port", "631"), "port", 1, 65535)

        profile = query.get("profile") or None
        profile_width = _profile_width(profile, url) if profile else None
        if "width" in query:
            width = _int(query["width"], "width", 64, 4096)
            if profile_width and width > profile_width:
                raise ValueError(f"printer URL {url!r}: width={width} is wider than profile {profile} ({profile_width} dots)")
        else:
            width = profile_width or DEFAULT_WIDTH
        kw["width"], kw["profile"] = width, profile
        if "cut" in query:
            kw["cut"] = _bool(query["cut"], "cut")
        if "feed" in query:
            kw["feed"] = _int(query["feed"], "feed", 0, 255)
        if "timeout" in query:
            try:
                timeout = float(query["timeout"])
            except ValueError:
                raise ValueError(f"timeout={query['timeout']!r}: expected seconds") from None
            if not 0 < timeout <= 600:
                raise ValueError(f"timeout={timeout}: expected 0…600 seconds")
            kw["timeout"] = timeout
        if "impl" in query:
            if query["impl"] not in _IMPLS:
                raise ValueError(f"impl={query['impl']!r}: expected one of {', '.join(_IMPLS)}")
            kw["impl"] = query["impl"]
        return cls(**kw)


def _profile_width(name: str, url: str) -> int | None:
    """The paper width in dots of a python-escpos profile (None if unknown); ValueError if no such profile."""
    caps = escpos_modules().capabilities.CAPABILITIES["profiles"]
    if name not in caps:
        some = ", ".join(sorted(caps)[:12])
        raise ValueError(f"printer URL {url!r}: unknown profile {name!r} (python-escpos profiles include: {some} …)")
    pixels = caps[name].get("media", {}).get("width", {}).get("pixels")
    try:
        return int(pixels)
    except (TypeError, ValueError):
        return None


def _as_config(config: PrinterConfig | str) -> PrinterConfig:
    return config if isinstance(config, PrinterConfig) else PrinterConfig.from_url(config)


def _make_printer(config: PrinterConfig) -> Any:
    """Instantiate (not open) the python-escpos printer for a config."""
    escpos = escpos_modules()
    printer_mod = escpos.printer
    profile = config.profile  # by name; patched below
    dependency = {"usb": ("usb", "pyusb"), "serial": ("serial", "pyserial"), "cups": ("cups", "pycups")}
    if config.scheme in dependency:
        module, package = dependency[config.scheme]
        submodule = getattr(printer_mod, module)
        if not submodule.is_usable():
            raise PrinterError(
                config.url,
                f"Thiếu thư viện {package} / {package} is not installed: pip install {package}",
                code="dependency",
            )
    if config.scheme == "tcp":
        p = printer_mod.Network(config.host, config.port, timeout=config.timeout, profile=profile)
    elif config.scheme == "usb":
        p = printer_mod.Usb(
            config.vendor_id,
            config.product_id,
            timeout=int(config.timeout * 1000),  # pyusb wants milliseconds
            in_ep=config.options.get("in_ep", 0x82),
            out_ep=config.options.get("out_ep", 0x01),
            profile=profile,
        )
    elif config.scheme == "serial":
        opts = dict(config.options)
        p = printer_mod.Serial(config.device, timeout=config.timeout, profile=profile, **opts)
    elif config.scheme == "file":
        p = printer_mod.File(config.device, profile=profile)
    elif config.scheme == "cups":
        p = printer_mod.CupsPrinter(config.printer_name, host=config.host, port=config.port, profile=profile)
    else:  # pragma: no cover - from_url rejects it
        raise PrinterError(config.url, f"unknown scheme {config.scheme}", code="config")
    _set_paper_width(p, config.width)
    return p


def _set_paper_width(printer: Any, width: int) -> None:
    """Give the printer its own copy of the profile with ``media.width.pixels`` set.

    Profile data is a class attribute shared by every printer with that
    profile: copy before changing it.  A known width silences python-escpos'
    "center flag has no effect" warning and lets it reject too-wide images.
    """
    data = copy.deepcopy(printer.profile.profile_data)
    media = data.setdefault("media", {})
    width_info = media.setdefault("width", {})
    if width_info.get("pixels") in (None, "Unknown"):
        width_info["pixels"] = width
    printer.profile.profile_data = data


def _send(printer: Any, config: PrinterConfig, image: Image.Image) -> None:
    """The command sequence for one ticket: init, raster, feed + cut."""
    printer.hw("INIT")  # ESC @: clear any half-sent state from a previous job
    # Keep python-escpos' default GS v 0 raster (GS ( L overflows at 576 dots).
    printer.image(image, impl=config.impl, center=image.width < config.width)
    if config.cut:
        if config.feed is None:
            printer.cut()  # feeds 6 lines (ESC d 6) so the text clears the blade, then GS V
        else:
            printer.print_and_feed(config.feed)
            printer.cut(feed=False)
    else:
        printer.print_and_feed(4 if config.feed is None else config.feed)


def _root_causes(exc: BaseException) -> list[BaseException]:
    chain, seen = [], set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    return chain


def _translate(config: PrinterConfig, exc: BaseException) -> PrinterError:
    """Turn any failure into a PrinterError with a human Vietnamese / English reason."""
    escpos = escpos_modules()
    url = config.url
    for e in _root_causes(exc):
        if isinstance(e, PrinterError):
            return e
        if isinstance(e, escpos.exceptions.ImageWidthError):
            return PrinterError(url, f"Ảnh rộng hơn khổ giấy / image wider than the paper ({e.msg} dots)", "config")
        if isinstance(e, ConnectionRefusedError):
            return PrinterError(url, f"{NOT_RESPONDING} (từ chối kết nối / connection refused)", "unreachable")
        if isinstance(e, (socket.timeout, TimeoutError)):
            return PrinterError(url, f"{NOT_RESPONDING} (quá {config.timeout:g} s / timed out)", "unreachable")
        if isinstance(e, socket.gaierror):
            return PrinterError(url, "Không tìm thấy địa chỉ máy in / printer host not found", "not_found")
        if isinstance(e, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return PrinterError(url, "Mất kết nối với máy in khi đang in / connection lost while printing", "io")
        if isinstance(e, PermissionError):
            return PrinterError(
                url,
                "Không có quyền mở thiết bị máy in / permission denied (add the service user to group lp or dialout)",
                "permission",
            )
        if isinstance(e, FileNotFoundError):
            return PrinterError(url, f"Không tìm thấy thiết bị máy in / printer device not found: {config.device}", "not_found")
        if isinstance(e, OSError) and e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN):
            return PrinterError(url, f"{NOT_RESPONDING} (không có đường mạng / host unreachable)", "unreachable")
    if isinstance(exc, escpos.exceptions.DeviceNotFoundError):
        if config.scheme == "usb":
            ids = f"{config.vendor_id:04x}:{config.product_id:04x}"
            return PrinterError(url, f"Không tìm thấy máy in USB / USB printer {ids} not found (cable, power?)", "not_found")
        return PrinterError(url, f"{NOT_RESPONDING}: {str(exc).strip()}", "unreachable")
    if isinstance(exc, OSError):
        return PrinterError(url, f"Lỗi kết nối máy in / printer I/O error: {exc}", "io")
    return PrinterError(url, f"Lỗi máy in / printer error: {type(exc).__name__}: {exc}", "error")


def print_image(config: PrinterConfig | str, image: Image.Image) -> None:
    """Print a laid-out image (raster), then feed and cut; always closes the connection.

    Raises :class:`PrinterError` (never anything else) when printing fails.
    """
    url = config.url if isinstance(config, PrinterConfig) else str(config)
    try:
        config = _as_config(config)
    except ValueError as e:
        raise PrinterError(url, f"Cấu hình máy in sai / bad printer URL: {e}", "config") from e
    if image.width > config.width:
        reason = f"Ảnh rộng hơn khổ giấy / image wider than the paper ({image.width} > {config.width} dots)"
        raise PrinterError(url, reason, "config")
    printer = None
    closed = False
    try:
        printer = _make_printer(config)
        printer.open()
        _send(printer, config, image)
        printer.close()  # CUPS submits the job here: its errors must surface
        closed = True
    except Exception as e:  # everything becomes a PrinterError
        raise _translate(config, e) from e
    finally:
        if printer is not None and not closed:
            try:
                printer.close()
            except Exception:  # already failing; keep the first error
                log.debug("closing %s after an error failed", url, exc_info=True)


def escpos_bytes(image: Image.Image, config: PrinterConfig | str | None = None) -> bytes:
    """The exact bytes :func:`print_image` would send (python-escpos ``Dummy`` printer).

    Without a config: paper as wide as the image, default profile, cut on.
    """
    if config is None:
        config = PrinterConfig(url="dummy:", scheme="tcp", width=image.width)
    config = _as_config(config)
    dummy = escpos_modules().printer.Dummy(profile=config.profile)
    _set_paper_width(dummy, config.width)
    _send(dummy, config, image)
    return dummy.output
