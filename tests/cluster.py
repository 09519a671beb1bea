"""The production profile (deploy/local-cluster.sh) on free ports, for the cluster test."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import psycopg2
import requests

from tests.conftest import REPO_ROOT, free_port


class RunningCluster:
    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.cluster_port = free_port()
        self.rest_port = free_port()
        self.rasa_ports = [free_port(), free_port()]
        self.db_port = free_port()
        self.env = {
            **os.environ,
            "CLUSTER_STATE": str(state_dir),
            "CLUSTER_PORT": str(self.cluster_port),
            "CLUSTER_REST_PORT": str(self.rest_port),
            # Shorter than the default 20 s, so the busy-conversation test does not wait long;
            # longer than TICKET_LOCK_LIFETIME (10 s), so a message retried after its server
            # was killed waits for the dead server's ticket to expire instead of giving up.
            "LOCK_WAIT_SECONDS": "12",
            "RASA_PORTS": " ".join(map(str, self.rasa_ports)),
            "ACTION_PORT": str(free_port()),
            "WEB_PORT": str(free_port()),
            "DB_PORT": str(self.db_port),
            "REDIS_PORT": str(free_port()),
        }
        self.output = (state_dir.parent / f"{state_dir.name}-cluster.log").open("w")
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        """nginx, public: the web chat and socketio."""
        return f"http://127.0.0.1:{self.cluster_port}"

    @property
    def rest_url(self) -> str:
        """nginx, internal: REST for integrators, in front of both Rasa servers."""
        return f"http://127.0.0.1:{self.rest_port}"

    @property
    def tls_ca(self) -> str:
        return str(self.state_dir / "tls" / "ca.crt")

    def secrets(self) -> Dict[str, str]:
        return dict(
            line.split("=", 1) for line in (self.state_dir / "secrets.env").read_text().split() if "=" in line
        )

    @property
    def rasa_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    def start(self, timeout: float = 400) -> None:
        self.process = subprocess.Popen(
            [str(REPO_ROOT / "deploy" / "local-cluster.sh")],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"local-cluster.sh exited early, see {self.output.name}")
            if self._ready():
                return
            time.sleep(2)
        self.stop()
        raise RuntimeError(f"cluster not ready after {timeout} s, see {self.output.name}")

    def _ready(self) -> bool:
        try:
            urls = [*self.rasa_urls, f"{self.rest_url}/webhooks/rest/"]
            return all(requests.get(url, timeout=2).ok for url in urls)
        except requests.RequestException:
            return False

    def kill_rasa_server(self, number: int) -> None:
        pid = int((self.state_dir / "pids" / f"rasa-{number}.pid").read_text())
        os.kill(pid, signal.SIGKILL)

    def stop(self, timeout: float = 90) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()

    def say(self, url: str, text: str, sender: str) -> List[Dict[str, Any]]:
        response = requests.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers={"Authorization": f"Bearer {self.secrets()['REST_TOKEN']}"},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def database(self, **tls):
        """A connection as the Rasa servers make it: TLS, the server's certificate verified."""
        settings = {"sslmode": "verify-full", "sslrootcert": self.tls_ca, **tls}
        return psycopg2.connect(
            host="127.0.0.1",
            port=self.db_port,
            dbname="rasa",
            user="rasa",
            password=self.secrets()["DB_PASSWORD"],
            **settings,
        )

    def events(self, sender: str) -> List[Dict[str, Any]]:
        """The conversation's events as PostgreSQL holds them, in order."""
        import json

        with self.database() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,))
            return [json.loads(data) for (data,) in cursor.fetchall()]
