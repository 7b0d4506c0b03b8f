"""OpenAPI names its components after the schema classes: two routers with a class of the same name would share one
component, and one of them would be described wrongly (seen: the dossiers' EventOut replaced the reports' one)."""

from __future__ import annotations

import inspect
import sys
from collections import defaultdict

from ninja import Schema

import congdanso.api.api  # noqa: F401 - imports every router


def test_every_schema_class_name_is_used_once() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for name, module in list(sys.modules.items()):
        if not name.startswith("congdanso.") or module is None:
            continue
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and cls is not Schema and cls.__module__ == name:
                owners[cls_name].add(name)
    clashes = {n: sorted(m) for n, m in owners.items() if len(m) > 1}
    assert not clashes, f"schema classes with the same name in several modules: {clashes}"
