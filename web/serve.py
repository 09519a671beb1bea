"""Serves the web chat page (http://localhost:8000 by default).

Only the page's own files are served. The widget is the `rasa-webchat` npm
package (installed by `make setup` into web/node_modules), served from here
with the Google Fonts import of its stylesheet removed: fetching the font
from Google would send every patient's IP address to a third party. The page
uses the fonts of the patient's own system instead (static/chat.css).

Settings, all optional:
  HOST       interface to listen on                      (127.0.0.1)
  WEB_PORT   port of the page                             (8000)
  BOT_URL    the Rasa server as the browser reaches it   (http://<page host>:RASA_PORT)
  RASA_PORT  used for the default BOT_URL                 (5005)
"""

from __future__ import annotations

import json
import os
import re
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit

WEB_DIR = Path(__file__).resolve().parent
WIDGET_BUNDLE = WEB_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"
GOOGLE_FONTS_IMPORT = re.compile(r"@import url\(https://fonts\.googleapis\.com/[^)]*\);")

STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/chat.js": ("static/chat.js", "text/javascript; charset=utf-8"),
    "/chat.css": ("static/chat.css", "text/css; charset=utf-8"),
    "/page.css": ("static/page.css", "text/css; charset=utf-8"),
}


def widget_without_remote_fonts() -> bytes:
    if not WIDGET_BUNDLE.exists():
        sys.exit(f"{WIDGET_BUNDLE} is missing: run scripts/setup.sh (it runs npm ci in web/).")
    bundle = WIDGET_BUNDLE.read_text(encoding="utf-8")
    cleaned, removed = GOOGLE_FONTS_IMPORT.subn("", bundle)
    if removed == 0 or "fonts.googleapis.com" in cleaned:
        sys.exit(f"{WIDGET_BUNDLE}: no Google Fonts import where expected; check the widget's version.")
    return cleaned.encode("utf-8")


def bot_url_for(host_header: Optional[str]) -> str:
    """The Rasa server's URL as the patient's browser reaches it."""
    if os.environ.get("BOT_URL"):
        return os.environ["BOT_URL"].rstrip("/")
    page_host = urlsplit(f"http://{host_header or 'localhost'}").hostname or "localhost"
    return f"http://{page_host}:{os.environ.get('RASA_PORT', '5005')}"


def security_headers(bot_url: str) -> Dict[str, str]:
    bot = urlsplit(bot_url)
    bot_origin = f"{bot.scheme}://{bot.netloc}"
    socket_origin = f"{'wss' if bot.scheme == 'https' else 'ws'}://{bot.netloc}"
    return {
        # Only this page and the assistant's server: no third-party request can leave the page.
        "Content-Security-Policy": (
            f"default-src 'self'; connect-src 'self' {bot_origin} {socket_origin}; "
            "script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


class PageHandler(BaseHTTPRequestHandler):
    widget: bytes = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body_and_type = self.resolve(urlsplit(self.path).path)
        if body_and_type is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body, content_type = body_and_type
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in security_headers(bot_url_for(self.headers.get("Host"))).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def resolve(self, path: str) -> Optional[Tuple[bytes, str]]:
        if path == "/webchat.js":
            return self.widget, "text/javascript; charset=utf-8"
        if path == "/config.js":
            config = {"socketUrl": bot_url_for(self.headers.get("Host"))}
            return f"window.CHAT_CONFIG = {json.dumps(config)};\n".encode(), "text/javascript; charset=utf-8"
        if path in STATIC_FILES:
            name, content_type = STATIC_FILES[path]
            return (WEB_DIR / name).read_bytes(), content_type
        return None

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        # Page requests only (no conversation text goes through this server).
        sys.stderr.write(f"web: {format % args}\n")


def main() -> None:
    PageHandler.widget = widget_without_remote_fonts()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("WEB_PORT", "8000"))
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
