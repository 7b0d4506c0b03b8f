"""The offline dependency audit: the project's lock file matched against OSV documents from a zip or a folder."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import osv_audit
import pytest
from packaging.version import Version

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def advisory(ident: str, name: str, events: list[dict[str, str]] | None = None, versions: list[str] | None = None,
             **extra: object) -> dict[str, object]:
    affected: dict[str, object] = {"package": {"ecosystem": "PyPI", "name": name}}
    if events is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        affected["versions"] = versions
    return {"id": ident, "aliases": [f"CVE-{ident}"], "affected": [affected], **extra}


def locked(name: str) -> str:
    return osv_audit.read_lock(LOCK.read_text(encoding="utf-8"))[name]


def test_lock_pins_are_read_with_canonical_names():
    pins = osv_audit.read_lock("Django==5.2.1 \\\n    --hash=sha256:ab\nzope.interface==7.0 ; python_version < '3.12'\n"
                               "# via x\nnumpy==2.4.6 ; python_full_version < '3.12' \\\n")
    assert pins == {"django": "5.2.1", "zope-interface": "7.0", "numpy": "2.4.6"}


@pytest.mark.parametrize(("version", "expected"), [
    ("0.9", False), ("1.0", True), ("1.4.9", True), ("1.5", False), ("1.9", False), ("2.0", True), ("2.3", True),
    ("2.3.1", False),
])
def test_ranges_follow_osv_semantics(version, expected):
    events = [{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"}, {"last_affected": "2.3"}]
    assert osv_audit.in_range(Version(version), events) is expected


def test_introduced_zero_means_every_earlier_version():
    assert osv_audit.in_range(Version("0.0.1"), [{"introduced": "0"}, {"fixed": "3"}])
    assert not osv_audit.in_range(Version("3.0"), [{"introduced": "0"}, {"fixed": "3"}])


def test_the_real_lock_is_flagged_from_a_zip_export(tmp_path, capsys):
    django = locked("django")
    db = tmp_path / "all.zip"
    with zipfile.ZipFile(db, "w") as archive:
        archive.writestr("PYSEC-1.json", json.dumps(advisory("PYSEC-1", "Django", [{"introduced": "0"},
                                                                                   {"fixed": "99.0"}])))
        archive.writestr("PYSEC-2.json", json.dumps(advisory("PYSEC-2", "django", [{"introduced": "0"},
                                                                                   {"fixed": django}])))
        archive.writestr("GHSA-3.json", json.dumps(advisory("GHSA-3", "some-other-package", [{"introduced": "0"}])))
        archive.writestr("PYSEC-4.json", json.dumps(advisory("PYSEC-4", "django", [{"introduced": "0"}],
                                                             withdrawn="2024-01-01T00:00:00Z")))
    assert osv_audit.main(["--db", str(db), str(LOCK)]) == 1
    out = capsys.readouterr().out
    assert f"django=={django}: PYSEC-1 (CVE-PYSEC-1); fixed in 99.0" in out
    assert "PYSEC-2" not in out and "GHSA-3" not in out and "PYSEC-4" not in out
    assert "1 known vulnerability" in out


def test_explicit_versions_list_from_a_folder(tmp_path, capsys):
    (tmp_path / "osv" / "nested").mkdir(parents=True)
    pillow = locked("pillow")
    (tmp_path / "osv" / "nested" / "a.json").write_text(json.dumps(advisory("GHSA-9", "Pillow", versions=[pillow])))
    assert osv_audit.main(["--db", str(tmp_path / "osv"), str(LOCK)]) == 1
    assert f"pillow=={pillow}: GHSA-9" in capsys.readouterr().out


def test_clean_database_passes_and_unreadable_one_is_an_error(tmp_path, capsys):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "old.json").write_text(json.dumps(advisory("OLD", "django", [{"introduced": "0"},
                                                                                    {"fixed": "1.0"}])))
    assert osv_audit.main(["--db", str(tmp_path / "ok"), str(LOCK)]) == 0
    assert "0 known vulnerabilities" in capsys.readouterr().out
    (tmp_path / "broken.zip").write_bytes(b"not a zip")
    assert osv_audit.main(["--db", str(tmp_path / "broken.zip"), str(LOCK)]) == 2
