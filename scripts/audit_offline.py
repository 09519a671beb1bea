"""Known vulnerabilities of pinned Python packages, from an advisory database shipped as a
package (safety-db, PyUp's free database), without network access.

    python scripts/audit_offline.py requirements.lock [more.lock ...]

Prints each advisory that matches a `name==version` line and exits 1 if any does;
prints the database's date, since a shipped database knows nothing newer.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
import sysconfig
from pathlib import Path
from typing import Dict, List, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")


def database() -> Tuple[Dict[str, List[dict]], str]:
    path = Path(sysconfig.get_paths()["purelib"]) / "safety_db" / "insecure_full.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = data.pop("$meta", {})
    date = datetime.datetime.fromtimestamp(meta.get("timestamp", 0), datetime.timezone.utc).date()
    return {canonicalize_name(name): advisories for name, advisories in data.items()}, date.isoformat()


def pins(lock_file: Path) -> List[Tuple[str, str]]:
    found = []
    for line in lock_file.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def matches(version: str, specs: List[str]) -> bool:
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    for spec in specs:
        try:
            if parsed in SpecifierSet(spec):
                return True
        except InvalidSpecifier:
            continue
    return False


def main(lock_files: List[str]) -> int:
    advisories, date = database()
    checked, found = 0, 0
    for lock_file in lock_files:
        for name, version in pins(Path(lock_file)):
            checked += 1
            for advisory in advisories.get(canonicalize_name(name), []):
                if matches(version, advisory.get("specs", [])):
                    found += 1
                    label = advisory.get("cve") or advisory.get("id")
                    print(f"  {name}=={version}: {label} (affected {advisory.get('v')})")
    print(f"Offline (safety-db of {date}): {checked} pinned packages checked, {found} known vulnerabilities.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["requirements.lock"]))
