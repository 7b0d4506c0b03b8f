from django import forms
from django.utils.translation import gettext_lazy as _


class StaffLoginForm(forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Mật khẩu"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class OtpForm(forms.Form):
    code = forms.RegexField(
        label=_("Mã xác thực 6 số"), regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Mã gồm 6 chữ số.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True,
                                      "pattern": "[0-9]{6}", "maxlength": "6"}),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()
