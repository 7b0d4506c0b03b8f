"""The install-time check that every requirement of the project, dev extra included, is installed."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError

import check_installed


def fake_environment(monkeypatch, declared: list[str], installed: dict[str, str]) -> None:
    def version(name: str) -> str:
        if name.lower() not in installed:
            raise PackageNotFoundError(name)
        return installed[name.lower()]

    monkeypatch.setattr(check_installed, "requires", lambda project: declared)
    monkeypatch.setattr(check_installed, "version", version)


def test_this_environment_has_everything_the_project_declares():
    assert check_installed.missing() == []


def test_missing_and_out_of_range_packages_are_named_dev_extra_included(monkeypatch):
    fake_environment(monkeypatch, [
        "django<5.3,>=5.2", "orjson>=3.10", 'schemathesis>=4; extra == "dev"', 'docs-tool; extra == "docs"',
        'pytest<9,>=8; extra == "dev"',
    ], {"django": "5.1.4", "orjson": "3.11.0", "pytest": "8.4.0"})
    assert check_installed.missing() == ["django<5.3,>=5.2 (5.1.4 installed)", "schemathesis>=4 (not installed)"]
