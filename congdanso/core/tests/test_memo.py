"""core.memo: one process-local memo, emptied by the one signal receiver when reference rows change."""

from __future__ import annotations

from congdanso.core import memo


def test_value_is_kept_until_forgotten():
    calls: list[int] = []
    m: memo.Memo[int] = memo.Memo("test.kept", ttl=60)
    assert m.get("k", lambda: calls.append(1) or len(calls)) == 1
    assert m.get("k", lambda: calls.append(1) or len(calls)) == 1
    memo.forget_all()
    assert m.get("k", lambda: calls.append(1) or len(calls)) == 2
    assert m.get("k", lambda: 99, fresh=True) == 99


def test_expired_value_is_loaded_again():
    m: memo.Memo[str] = memo.Memo("test.ttl", ttl=0)
    m.get("k", lambda: "old")
    assert m.get("k", lambda: "new") == "new"
