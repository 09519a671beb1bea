"""A throwaway PostgreSQL server for tests, importable without pytest.

    server = PostgresServer.start()          # initdb + pg_ctl start, on 127.0.0.1 and a free port
    try:
        server.host, server.port, server.db, server.user, server.password, server.url
        server.create_database("other")      # owned by server.user
    finally:
        server.stop()                        # pg_ctl stop -m fast, then the directory is removed

It is also a context manager (`with PostgresServer.start() as server: ...`).

Everything lives in one temporary directory: the cluster (`data/`), the unix socket (`socket/`)
and the server log (`server.log`). The server listens on 127.0.0.1 only. Local-socket connections
are trusted (administration through `psql`); TCP connections need a password (scram-sha-256), so a
test that connects with the user and password really exercises them.

PostgreSQL refuses to run as root: when the tests run as root, the server and its tools run as the
`postgres` user (created by the Debian package) or, failing that, as `nobody`.

The binaries come from the highest /usr/lib/postgresql/<version>/bin, else `pg_config --bindir`,
else the PATH. None found is an error (`PostgresNotFound`), not a reason to skip: on Debian/Ubuntu
install the server with `apt-get install postgresql` (binaries in the package postgresql-<version>).
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import secrets
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, List, Optional

from deploy.scram_verifier import verifier
from harness.servers import free_port

SUPERUSER = "postgres"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# A throwaway cluster: durability is not needed, speed is.
_SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off".split()
# Local-socket connections trusted (administration), TCP ones need the password.
_INITDB_OPTIONS = [
    *f"-U {SUPERUSER} --auth-local=trust --auth-host=scram-sha-256".split(),
    *"-E UTF8 --locale=C --no-sync --no-instructions".split(),
]


class PostgresNotFound(RuntimeError):
    """The PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed."""


class PostgresError(RuntimeError):
    """The throwaway server could not be set up."""


def find_bindir() -> Path:
    """Directory holding initdb, pg_ctl and postgres: the highest installed version first."""

    def has_server(directory: Path) -> bool:
        return all((directory / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres"))

    def version(path: str) -> List[int]:
        match = re.search(r"/postgresql/([\d.]+)/bin$", path)
        return [int(part) for part in match.group(1).split(".") if part] if match else [0]

    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if has_server(Path(candidate)):
            return Path(candidate)
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0 and has_server(Path(result.stdout.strip())):
            return Path(result.stdout.strip())
    initdb = shutil.which("initdb")
    if initdb and has_server(Path(initdb).parent):
        return Path(initdb).parent
    raise PostgresNotFound(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in /usr/lib/postgresql/*/bin, "
        "`pg_config --bindir` or the PATH: install them, e.g. `apt-get install postgresql` on Debian/Ubuntu "
        "(package postgresql-15 for /usr/lib/postgresql/15/bin)"
    )


def _unprivileged_user() -> Optional[pwd.struct_passwd]:
    """The account to run PostgreSQL as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresError("running as root and neither a 'postgres' nor a 'nobody' user exists")


def _check_identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a simple lower-case SQL identifier: {name!r}")
    return name


class PostgresServer:
    """A running throwaway server; create it with `PostgresServer.start()`."""

    host = "127.0.0.1"

    def __init__(self, base_dir: Path, bindir: Path, run_as: Optional[pwd.struct_passwd]) -> None:
        self.base_dir = base_dir
        self.bindir = bindir
        self.data_dir = base_dir / "data"
        self.socket_dir = base_dir / "socket"
        self.log_file = base_dir / "server.log"
        self.port = 0
        self.db = ""
        self.user = ""
        self.password = ""
        self._run_as = run_as
        self._running = False

    @classmethod
    def start(
        cls,
        db: str = "test",
        user: str = "test",
        password: Optional[str] = None,
        base_dir: Optional[str] = None,
        start_timeout: int = 60,
    ) -> PostgresServer:
        """initdb into a new temporary directory, start the server, create `user` and `db`.

        base_dir: where the temporary directory is created (default: the system's temp dir); when
        running as root it must be traversable by the `postgres`/`nobody` user.
        """
        bindir = find_bindir()
        run_as = _unprivileged_user()
        server = cls(Path(tempfile.mkdtemp(prefix="pg-test-", dir=base_dir)), bindir, run_as)
        try:
            server._init_cluster()
            server._start_server(start_timeout)
            server.user = _check_identifier(user)
            server.password = password or secrets.token_urlsafe(18)
            # A SCRAM verifier, not the password: psql's command line is visible to every user.
            hashed = verifier(server.password, os.urandom(16))
            server.admin_sql(f"CREATE ROLE {server.user} LOGIN PASSWORD '{hashed}'")
            server.db = server.create_database(db)
        except BaseException:
            server.stop()
            raise
        atexit.register(server.stop)
        return server

    @property
    def url(self) -> str:
        """SQLAlchemy URL (the generated password is URL-safe; a chosen one may need quoting)."""
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.db}"

    def create_database(self, name: str, owner: Optional[str] = None) -> str:
        """Create database `name` owned by `owner` (default: the server's user); returns the name."""
        owner = _check_identifier(owner or self.user)
        self.admin_sql(f"CREATE DATABASE {_check_identifier(name)} OWNER {owner}")
        return name

    def admin_sql(self, sql: str, database: str = "postgres") -> str:
        """Run `sql` as the superuser through the unix socket; returns psql's output."""
        psql = self.bindir / "psql"
        if not psql.is_file():
            psql = Path(shutil.which("psql") or "psql")
        connection = ["-h", str(self.socket_dir), "-p", str(self.port), "-U", SUPERUSER, "-d", database]
        return self._run(
            [str(psql), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", *connection, "-c", sql]
        ).stdout

    def stop(self) -> None:
        """Stop the server (fast shutdown: clients are disconnected) and remove its directory."""
        try:
            # Also after a failed start: the server may be up even though pg_ctl gave up waiting.
            if self._running or (self.data_dir / "postmaster.pid").exists():
                self._running = False
                self._run(
                    [str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-s"],
                    check=False,
                )
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _init_cluster(self) -> None:
        self.socket_dir.mkdir()
        if self._run_as:
            for path in (self.base_dir, self.socket_dir):
                os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
        self._run([str(self.bindir / "initdb"), "-D", str(self.data_dir), *_INITDB_OPTIONS])

    def _start_server(self, timeout: int) -> None:
        # The free port can be taken between the check and the bind: retry with another one.
        for _attempt in range(5):
            self.port = free_port()
            options = ["-h", self.host, "-p", str(self.port), "-k", str(self.socket_dir), *_SERVER_OPTIONS]
            pg_ctl = [
                str(self.bindir / "pg_ctl"),
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
            ]
            result = self._run(
                [*pg_ctl, "-w", "-t", str(timeout), "-s", "-o", shlex.join(options)], check=False
            )
            if result.returncode == 0:
                self._running = True
                return
            log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
            if "already in use" not in log:
                raise PostgresError(f"pg_ctl start failed: {result.stderr.strip()}\n{log[-2000:]}")
            self.log_file.unlink()
        raise PostgresError("pg_ctl start failed: no free port found")

    def _run(self, command: List[str], check: bool = True) -> subprocess.CompletedProcess:
        kwargs: dict = {}
        if self._run_as:
            kwargs = {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid, "extra_groups": []}
        # No PGHOST/PGPASSWORD/... from the caller's environment; HOME readable by the server's user.
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", HOME=str(self.base_dir))
        result = subprocess.run(
            command, cwd=self.base_dir, env=env, capture_output=True, text=True, timeout=120, **kwargs
        )
        if check and result.returncode != 0:
            tool = Path(command[0]).name
            raise PostgresError(f"{tool} failed ({result.returncode}): {result.stderr.strip()}")
        return result


if __name__ == "__main__":
    # Manual check: start, show the connection settings, stop.
    with PostgresServer.start() as running:
        print(running.host, running.port, running.db, running.user)
        print(running.admin_sql("SELECT version()").strip())
