"""`make audit` (scripts/audit.sh): finds a known vulnerability, says plainly what it could not check."""

from __future__ import annotations

import subprocess

from harness.servers import REPO_ROOT


def audit(*lock_files: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(REPO_ROOT / "scripts" / "audit.sh"), *lock_files],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_known_vulnerable_pin_is_reported(tmp_path):
    lock = tmp_path / "old.lock"
    lock.write_text("jinja2==2.10\nurllib3==1.24.1\nrequests==2.31.0\n", encoding="utf-8")
    result = audit(str(lock))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "jinja2==2.10: CVE-2020-28493" in result.stdout
    assert "urllib3==1.24.1" in result.stdout
    assert "requests==2.31.0" not in result.stdout.split("=== Python, offline")[1].split("===")[0]
    assert "3 pinned packages checked" in result.stdout


def test_the_project_lock_is_checked_and_unreachable_services_are_named():
    result = audit()
    assert result.returncode in (0, 1), result.stderr
    pins = sum(1 for line in (REPO_ROOT / "requirements.lock").read_text().splitlines() if "==" in line)
    assert f"{pins} pinned packages checked" in result.stdout
    for section in ("=== Python, online", "=== JavaScript, online"):
        part = result.stdout.split(section)[1].split("===")[0]
        assert "NOT CHECKED" in part or "vulnerabilit" in part or "audited" in part or "found 0" in part, part
