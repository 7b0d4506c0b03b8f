"""Moderation: the edited text and the internal note keeping the text it replaced commit or roll back together."""

from __future__ import annotations

import pytest

from congdanso.core.models import AuditEntry
from congdanso.reports import services
from congdanso.reports.models import Report, ReportEvent


def test_old_text_note_is_written_with_the_edit(report, officer):
    original = report.description
    services.moderate_report(report, actor=officer, description="Ổ gà lớn giữa đường.", reason="Bỏ số điện thoại")
    note = ReportEvent.objects.get(report=report, kind="note")
    assert original in note.message and not note.is_public
    event = ReportEvent.objects.get(report=report, kind="moderate")
    # public: the timeline says "đã biên tập" with the reason, not the text it replaced
    assert event.data["changed"] == ["description"] and event.is_public and event.message == "Bỏ số điện thoại"
    entry = AuditEntry.objects.filter(action="report.moderate").latest("pk")
    assert entry.data["changed"] == ["description"]


def test_edit_rolls_back_when_the_old_text_cannot_be_kept(report, officer, monkeypatch):
    """If the note cannot be written, the edit is not kept either: the replaced text is never lost."""
    original = report.description
    save = ReportEvent.save

    def failing_save(self, *args, **kwargs):
        if self.kind == "note":
            raise RuntimeError("disk full")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(ReportEvent, "save", failing_save)
    with pytest.raises(RuntimeError):
        services.moderate_report(report, actor=officer, description="Đã biên tập", reason="Bỏ số điện thoại")
    assert Report.objects.get(pk=report.pk).description == original
    assert not ReportEvent.objects.filter(report=report, kind="moderate").exists()
