"""Serves the web chat page (http://localhost:8000 by default).

Only the page's own files are served: index.html, static/chat.js and
static/chat.css, the socket.io client from npm (web/node_modules, installed by
`make setup`), and /config.js with the settings below. The clinic's site shows
this page in an iframe (docs/web-chat.md), so it has its own origin: the host site's
scripts cannot read the conversation.

Settings, all optional, read once at start-up (never from a request's headers):
  HOST             interface to listen on                        (127.0.0.1)
  WEB_PORT         port of the page                              (8000)
  RASA_PORT        port of the Rasa server, for the default BOT_URL (5005)
  BOT_URL          the Rasa server as the patient's browser reaches it
                   (http://localhost:RASA_PORT when HOST is loopback; required
                   when HOST is 0.0.0.0 or ::, then browsers reach another name)
  FRAME_ANCESTORS  origins allowed to show the page in an iframe, space-separated,
                   e.g. "https://www.clinique.example"        (only the page itself)
  WEB_TIMEOUT_SECONDS  a connection idle this long is closed, and so is one that has
                   not sent its whole request (line and headers) after this long (10)

Every response, errors included (404, 501 for another method than GET, 400...), carries the
security headers; the console log shows request lines with control characters escaped, so a
crafted request cannot rewrite the terminal (colours, title, erased characters).
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlsplit

WEB_DIR = Path(__file__).resolve().parent
REPO_ROOT = WEB_DIR.parent
sys.path.insert(0, str(REPO_ROOT))

import settings  # noqa: E402
from assistant import answers  # noqa: E402
from knowledge import KnowledgeStore  # noqa: E402

SOCKET_IO_CLIENT = WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
JAVASCRIPT = "text/javascript; charset=utf-8"
STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/chat.js": ("static/chat.js", JAVASCRIPT),
    "/chat.css": ("static/chat.css", "text/css; charset=utf-8"),
}
# scheme://host[:port] and nothing else: these go into a response header.
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WILDCARD = {"0.0.0.0", "::", ""}
# What the log shows of a request line: printable characters, the rest as \xNN escapes.
UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


def escaped(char: re.Match) -> str:
    code = ord(char.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(frozen=True)
class PageSettings:
    bot_url: str
    frame_ancestors: List[str]
    timeout_seconds: float

    @classmethod
    def from_settings(cls, values: settings.Settings) -> PageSettings:
        host = values.host
        bot_url = (values.bot_url or "").rstrip("/")
        if not bot_url:
            if host in WILDCARD:
                raise settings.SettingsError(
                    f"HOST={host} listens for other machines: set BOT_URL to the Rasa server's URL "
                    "as patients' browsers reach it (e.g. https://assistant.clinique.example)."
                )
            bot_host = "localhost" if host in LOOPBACK else host
            bot_url = f"http://{bot_host}:{values.rasa_port}"
        if not ORIGIN.match(bot_url):
            raise settings.SettingsError(f"BOT_URL={bot_url!r}: expected http(s)://host[:port], no path.")
        frame_ancestors = values.frame_ancestors.split()
        for origin in frame_ancestors:
            if not ORIGIN.match(origin):
                raise settings.SettingsError(f"FRAME_ANCESTORS: {origin!r} is not an origin (http(s)://host[:port]).")
        return cls(bot_url, frame_ancestors, values.web_timeout_seconds)

    def security_headers(self) -> Dict[str, str]:
        bot = urlsplit(self.bot_url)
        socket_origin = f"{'wss' if bot.scheme == 'https' else 'ws'}://{bot.netloc}"
        embedders = " ".join(["'self'", *self.frame_ancestors])
        return {
            # Only this page's files and the assistant's server: no request can
            # leave for a third party, and no inline script can run.
            "Content-Security-Policy": (
                f"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                f"connect-src {self.bot_url} {socket_origin}; base-uri 'none'; form-action 'none'; "
                f"frame-ancestors {embedders}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            # The page holds no conversation, but no proxy or browser cache needs a copy either.
            "Cache-Control": "no-store",
        }


class PageHandler(BaseHTTPRequestHandler):
    settings: PageSettings
    knowledge: KnowledgeStore
    socket_io_client: bytes = b""
    # socketserver applies it to each connection: a client that sends nothing
    # cannot hold a thread for ever.
    timeout: Optional[float] = None  # WEB_TIMEOUT_SECONDS, set by main()

    def handle(self) -> None:
        # The timeout above is per read: a client sending a header line every few seconds
        # would never meet it. The whole request (line and headers: a GET has no body)
        # must arrive within `timeout`, else the connection is shut.
        self._request_read = threading.Event()
        cut_off = threading.Timer(self.timeout, self._cut_off)
        cut_off.daemon = True
        cut_off.start()
        try:
            super().handle()
        finally:
            cut_off.cancel()

    def _cut_off(self) -> None:
        if not self._request_read.is_set():
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        # The request line and headers are in: the response may take its time (a slow network).
        self._request_read.set()
        return parsed

    def end_headers(self) -> None:
        # Every response, including http.server's own errors (404, 501, 400...).
        for name, value in self.settings.security_headers().items():
            self.send_header(name, value)
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body_and_type = self.resolve(urlsplit(self.path).path)
        if body_and_type is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body, content_type = body_and_type
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def resolve(self, path: str) -> Optional[Tuple[bytes, str]]:
        if path == "/vendor/socket.io.min.js":
            return self.socket_io_client, JAVASCRIPT
        if path == "/config.js":
            config = {
                "socketUrl": self.settings.bot_url,
                # From the knowledge file (reloaded when it changes), like the assistant's answers.
                "teamPointer": answers.team_pointer(self.knowledge.knowledge),
                "sourcePrefixes": [answers.SOURCE_PREFIX, answers.SOURCES_PREFIX],
            }
            return f"window.CHAT_CONFIG = {json.dumps(config)};\n".encode(), JAVASCRIPT
        if path in STATIC_FILES:
            name, content_type = STATIC_FILES[path]
            return (WEB_DIR / name).read_bytes(), content_type
        return None

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        # Page requests only (no conversation text goes through this server). The request line
        # is the client's: its control characters (ESC, BS, BEL...) are escaped, not written.
        line = UNPRINTABLE.sub(escaped, format % args)
        sys.stderr.write(f"web: {line}\n")


def main() -> None:
    try:
        values = settings.load()
        page_settings = PageSettings.from_settings(values)
    except settings.SettingsError as problem:
        sys.exit(f"web/serve.py: {problem}")
    if not SOCKET_IO_CLIENT.exists():
        sys.exit(f"{SOCKET_IO_CLIENT} is missing: run scripts/setup.sh (it runs npm ci in web/).")
    PageHandler.settings = page_settings
    PageHandler.timeout = page_settings.timeout_seconds
    PageHandler.knowledge = KnowledgeStore()
    PageHandler.socket_io_client = SOCKET_IO_CLIENT.read_bytes()
    host, port = values.host, values.web_port
    server = ThreadingHTTPServer((host, port), PageHandler)
    print(f"Web chat: http://{'localhost' if host == '127.0.0.1' else host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
