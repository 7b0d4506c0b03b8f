from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    quiet_start = forms.TimeField(label=_("Từ"), required=False,
                                  widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_end = forms.TimeField(label=_("Đến"), required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    email = forms.EmailField(label=_("Thư điện tử nhận thông báo"), required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.RegexField(label=_("Số điện thoại nhận SMS"), required=False, regex=r"^\+?[0-9 .-]{9,15}$",
                             error_messages={"invalid": _("Số điện thoại không hợp lệ.")},
                             widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            raise forms.ValidationError(_("Hãy nhập cả giờ bắt đầu và giờ kết thúc khoảng yên lặng."))
        return data


class AnnouncementForm(forms.Form):
    resident = forms.CharField(label=_("Số định danh cá nhân hoặc tên đăng nhập của người dân"), max_length=150)
    title = forms.CharField(label=_("Tiêu đề"), max_length=150)
    message = forms.CharField(label=_("Nội dung"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4}))
    link = forms.CharField(label=_("Liên kết (không bắt buộc)"), max_length=300, required=False,
                           help_text=_("Đường dẫn trong hệ thống, ví dụ /reports/PA-0001"))

    def clean_link(self) -> str:
        link = self.cleaned_data.get("link", "").strip()
        if link and not link.startswith("/"):
            raise forms.ValidationError(_("Liên kết phải là một đường dẫn trong hệ thống, bắt đầu bằng /."))
        return link
