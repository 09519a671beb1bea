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
        self._server: Optional[socketserver.ThreadingTCPServer] = None

    def up(self) -> None:
        link = self

        class Relay(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                time.sleep(link.delay_seconds)
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
