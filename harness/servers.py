"""The project's servers as the tests and benchmarks run them, each started by the project's own script.

- `RunningAssistant`: scripts/run.sh (action server, Rasa server, web page) on free loopback ports
  and a private SQLite tracker store, with the shipped endpoints.yml;
- `StockServer`: `rasa run` in a `rasa init` project, the benchmarks' reference;
- `RunningCluster`: deploy/local-cluster.sh (PostgreSQL, Redis, action server, two Rasa servers,
  nginx) on free ports.

Every server runs in its own process group, so stopping it (SIGINT to the group, like Ctrl-C, then
SIGKILL for what is left) stops all its children and nothing else. `stop_all_on_exit()` also stops
them at exit, on SIGTERM and on SIGHUP, for the command-line benchmarks.
"""

from __future__ import annotations

import atexit
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set

import psutil
import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
RASA = VENV_BIN / "rasa"


def base_env(**extra: str) -> Dict[str, str]:
    """The environment every Rasa command gets (no telemetry, the project importable)."""
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(REPO_ROOT), **extra}


def settings_env() -> Dict[str, str]:
    """The variables scripts/settings.sh exports (settings.py's, with their defaults)."""
    output = subprocess.run(
        ["bash", "-c", "source scripts/settings.sh && env -0"],
        cwd=REPO_ROOT,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        check=True,
    ).stdout.decode()
    exported = dict(line.split("=", 1) for line in output.split("\0") if "=" in line)
    return {name: exported[name] for name in ("TRACKER_DB", "ACTION_SERVER_URL")}


# Ports for the servers the tests start. A port from bind(0) lies in the kernel's ephemeral range,
# which every outgoing connection of the run (browser, requests, database clients) also draws from,
# and the other pytest-xdist worker asks the kernel too: either could take the port between the
# choice and the server's bind, and the server stops. So each worker draws from its own block below
# the ephemeral range, and never twice the same port.
PORTS_FIRST = 20000
PORTS_PER_WORKER = 1000
ports_handed_out: Set[int] = set()


def ephemeral_range_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port nothing listens on, in this process's block (one block per xdist worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").lstrip("gw")
    first = PORTS_FIRST + PORTS_PER_WORKER * (int(worker) if worker.isdigit() else 0)
    last = min(first + PORTS_PER_WORKER, ephemeral_range_start())
    for port in range(first, last):
        if port in ports_handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("0.0.0.0", port))  # free on every interface, whatever HOST the server gets
            except OSError:
                continue
        ports_handed_out.add(port)
        return port
    # The block is used up or not below the ephemeral range on this machine: let the kernel choose.
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        return sock.getsockname()[1]


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def listening_addresses(port: int) -> Set[str]:
    """Local addresses with a listening TCP socket on `port` ("127.0.0.1", "::1", "0.0.0.0")."""
    return {
        connection.laddr.ip
        for connection in psutil.net_connections(kind="tcp")
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port
    }


def answers_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


# --- Process groups -------------------------------------------------------------------------------

_STARTED: List[subprocess.Popen] = []


def default_interrupt() -> None:
    # An ignored SIGINT is inherited, and a shell cannot trap a signal ignored when it started:
    # whatever the caller's process did with it (a library in a pytest worker may ignore it),
    # the command gets Ctrl-C's default action, as a terminal gives it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(args: List[str], log: Path, cwd: Path = REPO_ROOT, env: Optional[Dict[str, str]] = None):
    """Starts a command in its own process group, its output appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env=env if env is not None else base_env(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=default_interrupt,
        )
    _STARTED.append(process)
    return process


def stop_group(
    process: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 60, kill_leftovers: bool = False
) -> int:
    """`sig` to the whole group (SIGINT: like Ctrl-C), SIGKILL if the leader is still there after
    `timeout`; the leader's exit status. Children that outlive a leader which exited are left for the
    caller to see (a test of a clean stop), unless `kill_leftovers`: then every process started
    under the leader is killed, in its group or in a session of its own (run.sh's servers)."""
    # Taken before the signal: once the leader is gone, its children are no longer under it.
    tree = process_tree(process.pid)
    try:
        if process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        kill_leftovers = True
    if kill_leftovers:
        for pid in tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    status = process.wait()
    if process in _STARTED:
        _STARTED.remove(process)
    return status


def stop_all() -> None:
    for process in list(_STARTED):
        stop_group(process, timeout=30, kill_leftovers=True)


def stop_all_on_exit() -> None:
    """For command-line tools: every group started here is stopped at exit, on SIGTERM and SIGHUP."""
    atexit.register(stop_all)

    def on_signal(signum, _frame):  # unwinds through the callers' `finally` blocks
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Returns once `condition()` holds; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.1)


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, what: str, timeout: float) -> float:
    """Seconds until `ready()` holds; RuntimeError if `process` exits first or after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited early (status {process.returncode})")
        if ready():
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready after {timeout:.0f} s")


# --- Process tree and memory ----------------------------------------------------------------------


def process_tree(pid: int) -> List[int]:
    """`pid` and every process started under it."""
    try:
        return [pid] + [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return [pid]


def cmdline(pid: int) -> str:
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return ""


def every_command_line() -> List[str]:
    """The command line of every process of the machine, as `ps` shows them to any user."""
    return [" ".join(process.info["cmdline"] or []) for process in psutil.process_iter(["cmdline"])]


def find_process(root: int, *words: str) -> Optional[int]:
    """The first process of the tree under `root` whose command line has all these words."""
    for pid in process_tree(root):
        line = cmdline(pid)
        if all(word in line for word in words):
            return pid
    return None


def memory_kb(pid: int, peak: bool = False) -> int:
    """Resident memory of one process now, or its peak (`peak`), in kB."""
    try:
        if not peak:
            return psutil.Process(pid).memory_info().rss // 1024
        # psutil has no peak resident size: the kernel's VmHWM line.
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (psutil.Error, OSError):
        pass
    return 0


def tree_memory_mb(pid: Optional[int], peak: bool = False) -> float:
    """Resident memory (now, or each process's peak) of `pid` and its children, in MB."""
    if pid is None:
        return float("nan")
    return sum(memory_kb(p, peak) for p in process_tree(pid)) / 1024


# --- The assistant: scripts/run.sh ----------------------------------------------------------------


class RunningAssistant:
    """`scripts/run.sh` in its own process group, on free ports and a private tracker store."""

    def __init__(self, workdir: Path, **settings: str):
        """`settings`: environment variables for run.sh (docs/configuration.md, Settings), e.g.
        ACTION_TIMEOUT_SECONDS; ACTION_SERVER_URL sends the Rasa server's action calls elsewhere
        than the action server."""
        self.rasa_port, self.action_port, self.web_port = free_port(), free_port(), free_port()
        self.tracker_db = workdir / "tracker.db"
        self.log = workdir / "servers.log"
        self.settings = {
            "HOST": "127.0.0.1",
            "RASA_PORT": str(self.rasa_port),
            "ACTION_PORT": str(self.action_port),
            "WEB_PORT": str(self.web_port),
            "TRACKER_DB": str(self.tracker_db),
            **settings,
        }
        self.host = self.settings["HOST"]
        self.process: Optional[subprocess.Popen] = None
        self.start_seconds = float("nan")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def page_url(self) -> str:
        # The name the browser tests use (their origin and CSP), when it reaches the page.
        name = "localhost" if self.host == "127.0.0.1" else self.host
        return f"http://{name}:{self.web_port}"

    def start(self, timeout: float = 300, command: Optional[List[str]] = None) -> None:
        """Starts run.sh (or `command`, e.g. make run) and returns once all three servers answer
        (the Rasa server: model loaded)."""
        command = command or [str(REPO_ROOT / "scripts" / "run.sh")]
        self.process = spawn(command, self.log, env=base_env(**self.settings))
        try:
            self.start_seconds = wait_until(self.ready, self.process, "scripts/run.sh", timeout)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"{error}, see {self.log}") from None

    def ready(self) -> bool:
        return all(
            answers_ok(url)
            # The action server listens on loopback whatever HOST is (scripts/action_server.py).
            for url in (self.url, f"http://127.0.0.1:{self.action_port}/health", self.page_url)
        )

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60) -> int:
        """Like Ctrl-C in the terminal (SIGINT to the group); run.sh's exit status."""
        if self.process is None:
            return 0
        return stop_group(self.process, sig, timeout)

    def rasa_pid(self) -> Optional[int]:
        return find_process(self.process.pid, "rasa_server.py", " run ", "--model") if self.process else None

    def action_pid(self) -> Optional[int]:
        return find_process(self.process.pid, "scripts/action_server.py") if self.process else None

    def log_text(self) -> str:
        """What the three servers have written so far (stdout and stderr)."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def say(self, text: str, sender: str) -> List[Dict[str, Any]]:
        token = self.settings.get("REST_TOKEN")
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers={"Authorization": f"Bearer {token}"} if token else {},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


# --- The stock bot: `rasa run` in a `rasa init` project -------------------------------------------


class StockServer:
    """`rasa run` in a `rasa init` project: default credentials (REST), in-memory tracker store."""

    def __init__(self, project: Path):
        self.project = project
        self.port = free_port()
        self.log = project / "server.log"
        self.process: Optional[subprocess.Popen] = None
        self.start_seconds = float("nan")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 300) -> None:
        args = [str(RASA), "run", "--model", "models", "--interface", "127.0.0.1", "--port", str(self.port)]
        self.process = spawn(args, self.log, cwd=self.project)
        try:
            self.start_seconds = wait_until(lambda: answers_ok(self.url), self.process, "rasa run", timeout)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"{error}, see {self.log}") from None

    def rasa_pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    def stop(self) -> int:
        return stop_group(self.process, timeout=30) if self.process else 0


# --- The production profile: deploy/local-cluster.sh ----------------------------------------------


# deploy/local-cluster.sh's state folder when CLUSTER_STATE is not set.
DEFAULT_CLUSTER_STATE = REPO_ROOT / "var" / "cluster"


class RunningCluster:
    """deploy/local-cluster.sh on free ports, its state (data, logs, secrets) in `state_dir`."""

    def __init__(self, state_dir: Path = DEFAULT_CLUSTER_STATE, log: Optional[Path] = None, **settings: str):
        """`state_dir`: the script's default (var/cluster) is left unset in its environment;
        `log`: where the script's output goes (beside the state folder by default)."""
        self.state_dir = state_dir
        self.cluster_port = free_port()
        self.rest_port = free_port()
        self.rasa_ports = [free_port(), free_port()]
        self.db_port = free_port()
        if state_dir != DEFAULT_CLUSTER_STATE:
            settings = {"CLUSTER_STATE": str(state_dir), **settings}
        self.env = base_env(
            CLUSTER_PORT=str(self.cluster_port),
            CLUSTER_REST_PORT=str(self.rest_port),
            RASA_PORTS=" ".join(map(str, self.rasa_ports)),
            ACTION_PORT=str(free_port()),
            WEB_PORT=str(free_port()),
            DB_PORT=str(self.db_port),
            REDIS_PORT=str(free_port()),
            **settings,
        )
        if state_dir == DEFAULT_CLUSTER_STATE:
            self.env.pop("CLUSTER_STATE", None)
        self.log = log or state_dir.parent / f"{state_dir.name}-cluster.log"
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
    def rasa_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    @property
    def tls_ca(self) -> str:
        return str(self.state_dir / "tls" / "ca.crt")

    def secrets(self) -> Dict[str, str]:
        return dict(
            line.split("=", 1) for line in (self.state_dir / "secrets.env").read_text().split() if "=" in line
        )

    def start(self, timeout: float = 400, command: Optional[List[str]] = None) -> None:
        command = command or [str(REPO_ROOT / "deploy" / "local-cluster.sh")]
        self.process = spawn(command, self.log, env=self.env)
        try:
            wait_until(self.ready, self.process, "deploy/local-cluster.sh", timeout)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"{error}, see {self.log}") from None

    def ready(self) -> bool:
        return all(answers_ok(url) for url in [*self.rasa_urls, f"{self.rest_url}/webhooks/rest/"])

    def kill_rasa_server(self, number: int) -> None:
        pid = int((self.state_dir / "pids" / f"rasa-{number}.pid").read_text())
        os.kill(pid, signal.SIGKILL)

    def stop(self, timeout: float = 90) -> int:
        """Ctrl-C to the whole cluster; local-cluster.sh's exit status."""
        return stop_group(self.process, timeout=timeout) if self.process else 0

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
        import psycopg2

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
        with self.database() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,))
            return [json.loads(data) for (data,) in cursor.fetchall()]


# --- Machine --------------------------------------------------------------------------------------


def machine_description() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    ram_gb = psutil.virtual_memory().total / 1024**3
    import rasa

    return (
        f"{os.cpu_count()} CPU ({model}), {ram_gb:.1f} GB RAM, Python {platform.python_version()} "
        f"({sys.implementation.name}), rasa {rasa.__version__}, "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )
