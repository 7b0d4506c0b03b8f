"""Back-office forms for category questions and reply templates (agency and city admins)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from congdanso.agencies.models import Category
from congdanso.reports.models import AttributeType, CategoryAttribute, ResponseTemplate

LIST_TYPES = frozenset({AttributeType.SINGLE.value, AttributeType.MULTI.value})

DATATYPE_LABELS: dict[str, Any] = {
    AttributeType.STRING: _("Chữ (một dòng)"),
    AttributeType.TEXT: _("Đoạn văn"),
    AttributeType.NUMBER: _("Số"),
    AttributeType.DATETIME: _("Ngày giờ"),
    AttributeType.SINGLE: _("Chọn một trong danh sách"),
    AttributeType.MULTI: _("Chọn nhiều trong danh sách"),
}


def _options_text(values: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v.get('key', '')} | {v.get('name', '')}" for v in values or [])


class CategoryQuestionForm(forms.ModelForm):
    options = forms.CharField(
        label=_("Các lựa chọn"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Với kiểu danh sách: mỗi dòng một lựa chọn, dạng “mã | tên hiển thị”, ví dụ “tat | Đèn tắt”."),
    )

    class Meta:
        model = CategoryAttribute
        fields = ["category", "code", "description", "datatype", "required", "order"]
        labels = {"category": _("Lĩnh vực"), "code": _("Mã"), "description": _("Câu hỏi"),
                  "datatype": _("Kiểu trả lời"), "required": _("Bắt buộc trả lời"), "order": _("Thứ tự")}
        help_texts = {"code": _("Chữ thường không dấu, số, gạch ngang, ví dụ “so-tru-den”. Dùng trong API.")}
        widgets = {"order": forms.TextInput(attrs={"inputmode": "numeric"})}

    def __init__(self, *args: Any, categories: QuerySet[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories
        cast(forms.ChoiceField, self.fields["datatype"]).choices = [
            (value, DATATYPE_LABELS[value]) for value in AttributeType.values]
        if self.instance.pk is not None and not self.is_bound:
            self.initial["options"] = _options_text(self.instance.values)

    def clean_options(self) -> list[dict[str, str]]:
        values, keys = [], set()
        for number, line in enumerate(self.cleaned_data.get("options", "").splitlines(), start=1):
            if not line.strip():
                continue
            key, _sep, name = line.partition("|")
            key, name = key.strip(), name.strip() or key.strip()
            if not key:
                raise forms.ValidationError(_("Dòng %(n)s: thiếu mã lựa chọn."), params={"n": number})
            if key in keys:
                raise forms.ValidationError(_("Mã lựa chọn “%(key)s” bị lặp."), params={"key": key})
            keys.add(key)
            values.append({"key": key[:60], "name": name[:200]})
        return values

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("datatype") in LIST_TYPES and not data.get("options") and "options" not in self.errors:
            self.add_error("options", _("Kiểu danh sách cần ít nhất một lựa chọn."))
        return data

    def save(self, commit: bool = True) -> CategoryAttribute:
        question = super().save(commit=False)
        question.values = self.cleaned_data["options"] if question.datatype in LIST_TYPES else []
        if commit:
            question.save()
        return question


class ReplyTemplateForm(forms.ModelForm):
    class Meta:
        model = ResponseTemplate
        fields = ["category", "title", "body", "is_active"]
        labels = {"category": _("Lĩnh vực"), "title": _("Tiêu đề"), "body": _("Nội dung trả lời"),
                  "is_active": _("Đang dùng")}
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, categories: QuerySet[Category], all_categories: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["category"])
        field.queryset = categories
        field.required = not all_categories  # "every category" is a city admin's choice
        field.empty_label = _("Mọi lĩnh vực") if all_categories else None
