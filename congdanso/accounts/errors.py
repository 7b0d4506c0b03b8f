from django.utils.translation import gettext_lazy as _

from congdanso.core.errors import DomainError, Forbidden


class LoginFailed(DomainError):
    code = "login_failed"


class AccountDisabled(LoginFailed):
    status = 403
    code = "account_disabled"

    def __init__(self, user_id: int | None = None) -> None:
        super().__init__(_("Tài khoản này đã bị khoá. Vui lòng liên hệ bộ phận hỗ trợ."))
        self.user_id = user_id


class IdentityLevelTooLow(Forbidden):
    code = "identity_level_too_low"

    def __init__(self, required: int):
        super().__init__(
            _("Chức năng này cần tài khoản định danh điện tử mức %(level)s.") % {"level": required}
        )
        self.required = required
