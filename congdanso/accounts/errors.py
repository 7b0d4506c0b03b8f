from django.utils.translation import gettext_lazy as _

from congdanso.core.errors import DomainError, Forbidden


class LoginFailed(DomainError):
    code = "login_failed"


class IdentityLevelTooLow(Forbidden):
    code = "identity_level_too_low"

    def __init__(self, required: int):
        super().__init__(
            _("Chức năng này cần tài khoản định danh điện tử mức %(level)s.") % {"level": required}
        )
        self.required = required
