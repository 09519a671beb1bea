"""web/serve.py on its own (no Rasa server needed): its headers, its settings, its timeout."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from typing import Callable, Iterator

import pytest
import requests

from harness.servers import REPO_ROOT, free_port, port_is_open
from settings import Settings

SERVE = REPO_ROOT / "web" / "serve.py"
PATHS = ["/", "/chat.js", "/chat.css", "/config.js", "/vendor/socket.io.min.js"]
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control")


def start_page_server(**settings: str) -> subprocess.Popen:
    env = {**os.environ, **settings}
    return subprocess.Popen(
        [sys.executable, str(SERVE)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.fixture
def page_server() -> Iterator[Callable[..., str]]:
    """Starts serve.py on a free port with these settings; returns its URL."""
    processes = []

    def start(**settings: str) -> str:
        port = free_port()
        process = start_page_server(WEB_PORT=str(port), RASA_PORT="5999", **settings)
        processes.append(process)
        deadline = time.monotonic() + 20
        while not port_is_open(port):
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "serve.py did not start"
            time.sleep(0.1)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in processes:
        process.terminate()
        process.wait(10)


def test_every_response_says_no_store(page_server):
    url = page_server()
    for path in PATHS:
        response = requests.get(url + path, timeout=5)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_the_policy_and_the_bot_url_ignore_the_host_header(page_server):
    url = page_server()
    for host in ["localhost:8000", "evil.example", "evil.example:5999"]:
        page = requests.get(url + "/", headers={"Host": host}, timeout=5)
        policy = page.headers["Content-Security-Policy"]
        assert "connect-src http://localhost:5999 ws://localhost:5999;" in policy
        assert "evil" not in policy
        config = requests.get(url + "/config.js", headers={"Host": host}, timeout=5).text
        assert '"socketUrl": "http://localhost:5999"' in config and "evil" not in config


def test_the_policy_uses_the_configured_bot_url_and_embedding_sites(page_server):
    url = page_server(BOT_URL="https://assistant.clinique.example", FRAME_ANCESTORS="https://www.clinique.example")
    policy = requests.get(url + "/", headers={"Host": "evil.example"}, timeout=5).headers[
        "Content-Security-Policy"
    ]
    assert "connect-src https://assistant.clinique.example wss://assistant.clinique.example;" in policy
    assert policy.endswith("frame-ancestors 'self' https://www.clinique.example")
    # No inline script or style, nothing from elsewhere.
    assert "default-src 'none'; script-src 'self'; style-src 'self';" in policy


def test_a_connection_that_sends_nothing_more_is_closed(page_server):
    host, port = page_server(WEB_TIMEOUT_SECONDS="1").removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as idle:
        # Half a request, then silence: without a timeout this holds a thread for ever.
        idle.sendall(b"GET / HTTP/1.1\r\n")
        started = time.monotonic()
        assert idle.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 5


def test_the_default_timeout_is_ten_seconds():
    spec = importlib.util.spec_from_file_location("web_serve", SERVE)
    serve = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = serve  # dataclasses look their module up there
    try:
        spec.loader.exec_module(serve)
    finally:
        del sys.modules[spec.name]
    assert serve.PageSettings.from_settings(Settings.construct()).timeout_seconds == 10


@pytest.mark.parametrize(
    "settings, complaint",
    [
        ({"HOST": "0.0.0.0"}, "set BOT_URL"),
        ({"BOT_URL": "http://localhost:5005/path"}, "BOT_URL"),
        ({"BOT_URL": "http://a.example; script-src *"}, "BOT_URL"),
        ({"FRAME_ANCESTORS": "https://ok.example *"}, "FRAME_ANCESTORS"),
    ],
)
def test_unsafe_or_missing_settings_stop_the_server_at_start(settings, complaint):
    process = start_page_server(WEB_PORT=str(free_port()), **settings)
    output, _ = process.communicate(timeout=30)
    assert process.returncode != 0
    assert complaint in output


def test_every_response_carries_the_security_headers_errors_included(page_server):
    url = page_server()
    responses = {
        "404": requests.get(url + "/no-such-page", timeout=5),
        "501": requests.post(url + "/", data=b"x", timeout=5),
        "501 DELETE": requests.delete(url + "/chat.js", timeout=5),
    }
    for name, response in responses.items():
        assert response.status_code == int(name[:3]), name
        for header in SECURITY_HEADERS:
            assert header in response.headers, (name, header)
        assert response.headers["Cache-Control"] == "no-store", name


def test_request_lines_are_logged_without_raw_control_characters(tmp_path):
    port = free_port()
    log = tmp_path / "web.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, str(SERVE)],
            env={**os.environ, "WEB_PORT": str(port), "RASA_PORT": "5999"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while not port_is_open(port):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            # ESC (a terminal colour and a title change), BS, BEL in the request line.
            sock.sendall(b"GET /\x1b[31mred\x1b]0;title\x07\x08\x08x HTTP/1.0\r\n\r\n")
            while sock.recv(4096):
                pass
    finally:
        process.terminate()
        process.wait(10)
    written = log.read_bytes()
    assert b"web: " in written and b"red" in written, written
    for control in (b"\x1b", b"\x07", b"\x08"):
        assert control not in written, written
    assert b"\\x1b[31mred" in written, written


def test_a_client_sending_its_headers_slowly_is_cut_off(page_server):
    host, port = page_server(WEB_TIMEOUT_SECONDS="2").removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=30) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\n")
        closed = False
        # One header line a second: never idle for WEB_TIMEOUT_SECONDS, but the request never ends.
        for number in range(15):
            time.sleep(1)
            try:
                slow.sendall(f"X-Slow-{number}: a\r\n".encode())
            except OSError:
                closed = True
                break
            slow.settimeout(0.05)
            try:
                if slow.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
            finally:
                slow.settimeout(30)
    waited = time.monotonic() - started
    assert closed, "the slow client was never cut off"
    assert waited < 2 + 2, waited
