"""The Rasa server's own HTTP limits (patches/server_limits.py), without any proxy in front."""

from __future__ import annotations

import socket
import time

import requests

import settings
from patches.server_limits import limits

LIMITS = limits(settings.Settings.construct())

REST = "/webhooks/rest/webhook"


def raw_request(port: int, data: bytes, read_timeout: float = 30) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as sock:
        sock.sendall(data)
        answer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return answer
            answer += chunk
            if b"\r\n\r\n" in answer:
                return answer


def test_a_body_over_the_limit_is_refused_before_it_is_read(assistant, sender, knowledge):
    big = {"sender": sender, "message": "biopsie " * 200_000}  # 1.6 MB
    response = requests.post(assistant.url + REST, json=big, timeout=30)
    assert response.status_code == 413

    # Only the headers announce 100 MB: the answer comes without waiting for the body.
    started = time.monotonic()
    head = (
        f"POST {REST} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 100000000\r\n\r\n"
    )
    answer = raw_request(assistant.rasa_port, head.encode(), read_timeout=5)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert time.monotonic() - started < 3

    replies = assistant.say("à quoi sert une biopsie ?", sender)
    assert knowledge.procedure("biopsie").facts.purpose.answer in replies[-1]["text"]


def test_a_body_just_under_the_limit_is_read(assistant, sender):
    body = {"sender": sender, "message": "x" * (LIMITS["REQUEST_MAX_SIZE"] - 1000)}
    response = requests.post(assistant.url + REST, json=body, timeout=30)
    assert response.status_code == 200  # then answered "too long" by the channel


def test_a_client_sending_its_request_slowly_is_cut_off(assistant):
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", assistant.rasa_port), timeout=90) as sock:
        sock.sendall(f"POST {REST} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())  # and nothing more
        answer = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    waited = time.monotonic() - started
    # Sanic's default would keep the connection for 60 s. Sanic looks at its timeouts every half of the
    # shortest one (2.5 s), so the cut comes one or two looks after REQUEST_TIMEOUT.
    timeouts = (LIMITS["REQUEST_TIMEOUT"], LIMITS["KEEP_ALIVE_TIMEOUT"], LIMITS["RESPONSE_TIMEOUT"])
    check_interval = min(timeouts) / 2
    assert LIMITS["REQUEST_TIMEOUT"] - 1 < waited < LIMITS["REQUEST_TIMEOUT"] + 3 * check_interval, waited
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:100]


def test_an_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout(assistant):
    """Rasa sets its own 120 s on the app; the setting's value holds (patches/server_limits.py)."""
    with socket.create_connection(("127.0.0.1", assistant.rasa_port), timeout=90) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200"), first[:100]
        answered = time.monotonic()
        while sock.recv(65536):
            pass  # the rest of the response, then nothing until the server closes
        idle = time.monotonic() - answered
    timeouts = (LIMITS["REQUEST_TIMEOUT"], LIMITS["KEEP_ALIVE_TIMEOUT"], LIMITS["RESPONSE_TIMEOUT"])
    check_interval = min(timeouts) / 2
    keep_alive = LIMITS["KEEP_ALIVE_TIMEOUT"]
    assert keep_alive - 1 < idle < keep_alive + 3 * check_interval, idle
