"""A TCP relay between the Rasa server and the action server, to cut or slow the line.

The servers on both sides are the real ones; only the connection between them
is made to fail, as a crashed or overloaded action server would.
"""

from __future__ import annotations

import select
import socket
import socketserver
import threading
import time
from typing import Optional


class ActionServerLink:
    def __init__(self, listen_port: int, target_port: int):
        self.port = listen_port
        self.target_port = target_port
        self.delay_seconds = 0.0
        # True: answer each call the way rasa_sdk does when an action raises (a 500
        # whose body holds the request, i.e. the whole tracker), without passing it on.
        self.fail_like_a_crashed_action = False
        self._server: Optional[socketserver.ThreadingTCPServer] = None

    def up(self) -> None:
        link = self

        class Relay(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                time.sleep(link.delay_seconds)
                if link.fail_like_a_crashed_action:
                    answer_like_a_crashed_action(self.request)
                    return
                with socket.create_connection(("127.0.0.1", link.target_port)) as target:
                    pipe(self.request, target)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Relay)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        """Connections are refused, as when the action server is not running."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def answer_like_a_crashed_action(client: socket.socket) -> None:
    """rasa_sdk's exception handler: 500, {"error": ..., "request_body": <the request>}."""
    request = b""
    while b"\r\n\r\n" not in request:
        request += client.recv(65536)
    head, body = request.split(b"\r\n\r\n", 1)
    headers = head.split(b"\r\n")
    length = next(int(line[15:]) for line in headers if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += client.recv(65536)
    answer = b'{"error": "\'int\' object has no attribute \'lower\'", "request_body": ' + body + b"}"
    client.sendall(
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(answer)}\r\nConnection: close\r\n\r\n".encode()
        + answer
    )


def pipe(client: socket.socket, target: socket.socket) -> None:
    sockets = [client, target]
    while True:
        readable, _, _ = select.select(sockets, [], [], 30)
        if not readable:
            return
        for source in readable:
            data = source.recv(65536)
            if not data:
                return
            (target if source is client else client).sendall(data)
