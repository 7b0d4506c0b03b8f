from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENCY_OFFICER = "agency_officer", _("Cán bộ cơ quan")
    AGENCY_ADMIN = "agency_admin", _("Quản trị cơ quan")
    CITY_ADMIN = "city_admin", _("Quản trị thành phố")
    EDITOR = "editor", _("Biên tập viên")
    ALERT_OPERATOR = "alert_operator", _("Người soạn cảnh báo")
    ALERT_APPROVER = "alert_approver", _("Người duyệt cảnh báo")
    DATA_PROTECTION_OFFICER = "dpo", _("Cán bộ bảo vệ dữ liệu cá nhân")


# Roles whose holder works for one agency and sees only that agency's work.
AGENCY_SCOPED = {Role.AGENCY_OFFICER, Role.AGENCY_ADMIN}
