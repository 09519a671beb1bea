"""Servers for the benchmarks: ours through scripts/run.sh, the stock `rasa init` bot, cleanup, RSS.

Shared by bench/benchmark.py, bench/load_test.py and bench/profile_message.py. Every server runs
in its own process group on free loopback ports, so stopping it stops all its children and
nothing else; `ProcessRegistry.stop_all()` runs on exit, on Ctrl-C and on SIGTERM.
"""

from __future__ import annotations

import atexit
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
RASA = VENV_BIN / "rasa"


def base_env(**extra: str) -> Dict[str, str]:
    """The environment every Rasa command gets (no telemetry, the project importable)."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(REPO_ROOT)}
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Process groups, stopped even on Ctrl-C ---------------------------------------------


class ProcessRegistry:
    """Every process group started here, stopped at exit whatever happens."""

    processes: List[subprocess.Popen] = []
    _installed = False

    @classmethod
    def install(cls) -> None:
        if cls._installed:
            return
        cls._installed = True
        atexit.register(cls.stop_all)

        def on_term(signum, _frame):  # SIGTERM/SIGHUP: unwind through the `finally` blocks
            raise SystemExit(128 + signum)

        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGHUP, on_term)

    @classmethod
    def spawn(cls, args: List[str], log: Path, cwd: Path, env: Dict[str, str]) -> subprocess.Popen:
        cls.install()
        log.parent.mkdir(parents=True, exist_ok=True)
        output = log.open("ab")
        try:
            process = subprocess.Popen(
                args, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            output.close()
        cls.processes.append(process)
        return process

    @classmethod
    def stop(cls, process: subprocess.Popen, timeout: float = 30) -> None:
        """SIGINT to the whole group (like Ctrl-C), then SIGKILL if it is still there."""
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGINT)
                process.wait(timeout)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                pass
        # Children may outlive the group leader (run.sh exits first): kill what is left.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        if process in cls.processes:
            cls.processes.remove(process)

    @classmethod
    def stop_all(cls) -> None:
        for process in list(cls.processes):
            cls.stop(process)


# --- Process tree and memory -----------------------------------------------------------


def _children_map() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: split after it.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> List[int]:
    children = _children_map()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def memory_kb(pid: int, field: str = "VmRSS") -> int:
    """VmRSS (resident now) or VmHWM (peak resident) of one process, in kB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def find_process(root: int, *words: str) -> Optional[int]:
    """The first process of the tree under `root` whose command line has all these words."""
    for pid in process_tree(root):
        line = cmdline(pid)
        if all(word in line for word in words):
            return pid
    return None


def tree_memory_mb(pid: Optional[int], field: str = "VmRSS") -> float:
    if pid is None:
        return float("nan")
    return sum(memory_kb(p, field) for p in process_tree(pid)) / 1024


# --- Servers -----------------------------------------------------------------------------


def _get_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def wait_for_reply(
    url: str, message: str, started: float, timeout: float, process: subprocess.Popen
) -> float:
    """Seconds from `started` until the REST webhook gives a non-empty reply to `message`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early (status {process.returncode})")
        try:
            response = requests.post(
                f"{url}/webhooks/rest/webhook",
                json={"sender": f"bench-ready-{os.getpid()}", "message": message},
                timeout=30,
            )
            if response.ok and response.json():
                return time.monotonic() - started
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"no reply from {url} after {timeout:.0f} s")


def shipped_endpoints(action_port: int, tracker_db: Path) -> str:
    """endpoints.yml as shipped (its tracker store and settings), on this run's action server port
    and a private database file."""
    endpoints = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{action_port}/webhook"
    endpoints["tracker_store"]["db"] = str(tracker_db)
    return yaml.safe_dump(endpoints, sort_keys=False)


class OurServers:
    """`scripts/run.sh` on free ports with the shipped endpoints on a private tracker store file."""

    def __init__(self, workdir: Path, host: str = "127.0.0.1"):
        self.workdir = workdir
        self.host = host
        self.rasa_port, self.action_port = free_port(), free_port()
        self.tracker_db = workdir / "tracker.db"
        self.endpoints = workdir / "endpoints.yml"
        self.endpoints.write_text(shipped_endpoints(self.action_port, self.tracker_db), encoding="utf-8")
        self.log = workdir / "servers.log"
        self.process: Optional[subprocess.Popen] = None
        self.started = 0.0
        self.load_seconds = float("nan")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start(self, timeout: float = 300) -> None:
        env = base_env(
            RASA_PORT=str(self.rasa_port),
            ACTION_PORT=str(self.action_port),
            ENDPOINTS=str(self.endpoints),
            HOST=self.host,
        )
        self.started = time.monotonic()
        self.process = ProcessRegistry.spawn(
            [str(REPO_ROOT / "scripts" / "run.sh")], self.log, REPO_ROOT, env
        )
        try:
            # "merci" needs no action server: this is the Rasa server's own start-up time.
            self.load_seconds = wait_for_reply(self.url, "merci", self.started, timeout, self.process)
            deadline = time.monotonic() + timeout
            while not _get_ok(f"http://127.0.0.1:{self.action_port}/health"):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("action server not ready")
                time.sleep(0.2)
        except Exception as error:
            self.stop()
            raise RuntimeError(f"{error}; see {self.log}") from None

    def rasa_pid(self) -> Optional[int]:
        return find_process(self.process.pid, "rasa", " run ", "--model") if self.process else None

    def action_pid(self) -> Optional[int]:
        return find_process(self.process.pid, "rasa", "run actions") if self.process else None

    def stop(self) -> None:
        if self.process is not None:
            ProcessRegistry.stop(self.process)


class StockServer:
    """`rasa run` in a `rasa init` project: default credentials (REST), in-memory tracker store."""

    def __init__(self, project: Path):
        self.project = project
        self.port = free_port()
        self.log = project / "server.log"
        self.process: Optional[subprocess.Popen] = None
        self.load_seconds = float("nan")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 300) -> None:
        started = time.monotonic()
        self.process = ProcessRegistry.spawn(
            [str(RASA), "run", "--model", "models", "--interface", "127.0.0.1", "--port", str(self.port)],
            self.log,
            self.project,
            base_env(),
        )
        try:
            self.load_seconds = wait_for_reply(self.url, "hello", started, timeout, self.process)
        except Exception as error:
            self.stop()
            raise RuntimeError(f"{error}; see {self.log}") from None

    def rasa_pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    def stop(self) -> None:
        if self.process is not None:
            ProcessRegistry.stop(self.process)


# --- Machine ------------------------------------------------------------------------------


def machine_description() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = float("nan")
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    rasa_version = subprocess.run(
        [str(VENV_BIN / "python"), "-c", "import rasa; print(rasa.__version__)"],
        capture_output=True,
        text=True,
        env=base_env(),
    ).stdout.strip()
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} CPU ({model}), {ram_gb:.1f} GB RAM, Python {platform.python_version()} "
        f"({sys.implementation.name}), rasa {rasa_version or '?'}, load average at start {load:.2f}"
    )
