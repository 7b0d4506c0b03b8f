"""Audit a hash-pinned requirements lock against an OSV vulnerability export, with no network.

`make audit` uses pip-audit, which asks PyPI's advisory data over the network and has no way to read a local
database. Where the network has none, download the PyPI ecosystem's OSV export (`all.zip`, one OSV JSON document
per advisory) on a connected machine, copy it over, and run:

    make audit AUDIT_DB=/path/to/all.zip          # or a folder of *.json OSV documents

A locked version is reported when an advisory lists it in `versions` or it falls in an `ECOSYSTEM`/`SEMVER` range
(introduced ≤ version < fixed, or ≤ last_affected). Withdrawn advisories are skipped. The exit status is 1 when
something is found, 2 on an unreadable database, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    fixed: tuple[str, ...]


def read_lock(text: str) -> dict[str, str]:
    """`name==version` pins of a requirements file (hash and comment lines ignored), keyed by canonical name."""
    pins: dict[str, str] = {}
    for line in text.splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def iter_advisories(db: Path) -> Iterator[dict[str, Any]]:
    """Every OSV document in a zip export or a folder (searched recursively)."""
    if db.is_dir():
        for path in sorted(db.rglob("*.json")):
            yield json.loads(path.read_text(encoding="utf-8"))
        return
    with zipfile.ZipFile(db) as archive:
        for name in archive.namelist():
            if name.endswith(".json"):
                yield json.loads(archive.read(name))


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def in_range(version: Version, events: list[dict[str, str]]) -> bool:
    """OSV range semantics: events sorted by version, "introduced" opens, "fixed" / "last_affected" closes."""
    points: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, raw in event.items():
            at = Version("0") if kind == "introduced" and raw == "0" else _version(raw)
            if at is None or kind not in ("introduced", "fixed", "last_affected"):
                continue
            # At equal versions "fixed" closes before "introduced" opens; "last_affected" includes its version.
            points.append((at, {"fixed": 0, "introduced": 1, "last_affected": 2}[kind], kind))
    affected = False
    for at, _, kind in sorted(points):
        if kind == "introduced" and version >= at:
            affected = True
        elif (kind == "fixed" and version >= at) or (kind == "last_affected" and version > at):
            affected = False
    return affected


def fixed_versions(affected: dict[str, Any]) -> tuple[str, ...]:
    return tuple(event["fixed"] for rng in affected.get("ranges", []) for event in rng.get("events", [])
                 if "fixed" in event)


def audit(pins: dict[str, str], advisories: Iterable[dict[str, Any]]) -> list[Finding]:
    findings: list[Finding] = []
    for advisory in advisories:
        if advisory.get("withdrawn"):
            continue
        for affected in advisory.get("affected", []):
            package = affected.get("package", {})
            if package.get("ecosystem") != "PyPI":
                continue
            name = canonicalize_name(package.get("name", ""))
            if name not in pins:
                continue
            pinned = pins[name]
            version = _version(pinned)
            hit = pinned in affected.get("versions", []) or (
                version is not None and any(
                    in_range(version, rng.get("events", []))
                    for rng in affected.get("ranges", []) if rng.get("type") in ("ECOSYSTEM", "SEMVER")
                )
            )
            if hit:
                findings.append(Finding(name, pinned, advisory.get("id", "?"), tuple(advisory.get("aliases", [])),
                                        fixed_versions(affected)))
                break
    return sorted(findings, key=lambda f: (f.package, f.advisory))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path, help="OSV export: all.zip or a folder of OSV JSON files")
    parser.add_argument("lock", type=Path, help="requirements lock (name==version lines)")
    args = parser.parse_args(argv)
    pins = read_lock(args.lock.read_text(encoding="utf-8"))
    try:
        findings = audit(pins, iter_advisories(args.db))
    except (OSError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        print(f"cannot read the vulnerability database {args.db}: {exc}", file=sys.stderr)
        return 2
    for f in findings:
        aliases = f" ({', '.join(f.aliases)})" if f.aliases else ""
        fixed = f"; fixed in {', '.join(f.fixed)}" if f.fixed else "; no fixed version"
        print(f"{f.package}=={f.version}: {f.advisory}{aliases}{fixed}")
    noun = "vulnerability" if len(findings) == 1 else "vulnerabilities"
    print(f"{len(pins)} locked packages checked, {len(findings)} known {noun}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
