from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from congdanso.core.textinput import CleanCharField


class PreferenceForm(forms.Form):
    quiet_start = forms.TimeField(label=_("Từ"), required=False,
                                  widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_end = forms.TimeField(label=_("Đến"), required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            raise forms.ValidationError(_("Hãy nhập cả giờ bắt đầu và giờ kết thúc khoảng yên lặng."))
        return data


class ContactForm(forms.Form):
    """An e-mail address or phone number to send a one-time code to (its format is the service's to check).
    Without the field (the "send again" button) the address on file is used."""

    address = CleanCharField(label=_("Địa chỉ"), max_length=300, required=False)


class CodeForm(forms.Form):
    code = CleanCharField(label=_("Mã xác nhận"), max_length=20, required=False)


class AnnouncementForm(forms.Form):
    resident = forms.CharField(label=_("Số định danh cá nhân hoặc tên đăng nhập của người dân"), max_length=150)
    reason = CleanCharField(label=_("Lý do gửi (được ghi vào nhật ký kiểm toán)"), max_length=300,
                            help_text=_("Ví dụ: trả lời đơn số 123/UBND về hồ sơ đất đai"))
    title = CleanCharField(label=_("Tiêu đề"), max_length=150)
    message = CleanCharField(label=_("Nội dung"), max_length=1000, multiline=True,
                             widget=forms.Textarea(attrs={"rows": 4}))
    link = forms.CharField(label=_("Liên kết (không bắt buộc)"), max_length=300, required=False,
                           help_text=_("Đường dẫn trong hệ thống, ví dụ /phan-anh/PA-2026-000123"))

    def clean_link(self) -> str:
        """Only a path of this site that leads to a page: not another site, not a page that does not exist."""
        from django.urls import Resolver404, resolve

        link = self.cleaned_data.get("link", "").strip()
        if not link:
            return link
        if not link.startswith("/") or link.startswith("//") or "\\" in link:
            raise forms.ValidationError(_("Liên kết phải là một đường dẫn trong hệ thống, bắt đầu bằng /, ví dụ "
                                          "/phan-anh/PA-2026-000123."))
        path = link.split("?", 1)[0].split("#", 1)[0]
        try:
            match = resolve(path)
        except Resolver404:
            raise forms.ValidationError(_("Không có trang nào ở đường dẫn này.")) from None
        from congdanso.notifications import subjects

        if not subjects.link_exists(match.view_name, match.kwargs):
            raise forms.ValidationError(_("Không có trang nào ở đường dẫn này (mã không tồn tại)."))
        return link
