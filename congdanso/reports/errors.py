"""Domain errors of incident reports: a stable code, a translatable message, an HTTP status."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from congdanso.core.errors import Conflict, DomainError, Forbidden, NotFound


class ReportError(DomainError):
    code = "report_invalid"
    field: str | None = None  # the input field at fault, when one is (the form puts the message beside it)


class ReportInvalid(ReportError):
    """Several problems found at once (every one is shown to the resident, each beside its field): ``code`` and
    ``message`` are the first problem's, ``problems`` all of them; the JSON body lists them under ``errors``."""

    def __init__(self, problems: list[DomainError]):
        first = problems[0]
        super().__init__(first.message, code=first.code, status=first.status)
        self.field = getattr(first, "field", None)
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "errors": [
            {"field": getattr(p, "field", None) or "", "code": p.code, "message": str(p.message)}
            for p in self.problems]}


def raise_all(problems: list[DomainError]) -> None:
    """Raise the one problem, or all of them together; nothing when there is none."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ReportInvalid(problems)


class ReportNotFound(NotFound):
    code = "report_not_found"

    def __init__(self) -> None:
        super().__init__(_("Không tìm thấy phản ánh."))


class NotAllowed(Forbidden):
    code = "report_forbidden"

    def __init__(self, message: str | Promise | None = None) -> None:
        super().__init__(message or _("Bạn không có quyền thực hiện thao tác này với phản ánh."))


class BadMove(Conflict):
    """The report's status does not allow this action (it moved on, or the action makes no sense now)."""

    code = "report_bad_transition"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"

    def __init__(self) -> None:
        super().__init__(_("Mã gửi này đã được dùng cho một phản ánh có nội dung khác."))


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self) -> None:
        super().__init__(_("Bạn gửi quá nhiều phản ánh trong thời gian ngắn. Vui lòng thử lại sau."))


class PhotoRejected(ReportError):
    code = "photo_invalid"


MESSAGES = {
    "outside_city": _("Vị trí nằm ngoài địa bàn thành phố."),
    "location_required": _("Hãy chọn vị trí trên bản đồ hoặc chọn phường/xã."),
    "unknown_category": _("Lĩnh vực không tồn tại hoặc đã ngừng dùng."),
    "category_required": _("Hãy chọn lĩnh vực."),
    "unknown_ward": _("Phường/xã không tồn tại."),
    "ward_required": _("Hãy chọn phường/xã nơi xảy ra sự việc."),
    "address_required": _("Hãy nhập số nhà, tên đường hoặc địa điểm mà người gọi mô tả."),
    "bad_phone": _("Số điện thoại không đúng: nhập số di động 10 chữ số (ví dụ 0912 345 678) hoặc số cố định có "
                   "mã vùng (ví dụ 028 3823 4567)."),
    "sms_phone_required": _("Người gọi đồng ý nhận SMS: hãy nhập số điện thoại di động của người gọi."),
    "sms_needs_mobile": _("Tin nhắn SMS chỉ gửi được tới số di động. Hãy nhập số di động, hoặc bỏ chọn đồng ý nhận "
                          "SMS."),
    "description_required": _("Hãy mô tả sự việc."),
    "description_too_long": _("Nội dung tối đa 4000 ký tự."),
    "too_many_photos": _("Tối đa %(max)s ảnh cho một phản ánh."),
    "attribute_required": _("Thiếu thông tin bắt buộc: %(name)s."),
    "attribute_invalid": _("Thông tin không hợp lệ: %(name)s."),
    "too_large": _("Ảnh “%(name)s” vượt quá %(mb)s MB."),
    "not_an_image": _("Tệp “%(name)s” không phải là ảnh."),
    "unsupported_format": _("Ảnh “%(name)s” không đúng định dạng (chỉ nhận JPEG, PNG, WebP, HEIC)."),
    "too_many_pixels": _("Ảnh “%(name)s” có kích thước điểm ảnh quá lớn."),
    "corrupt": _("Ảnh “%(name)s” bị hỏng, không đọc được."),
    "too_slow": _("Xử lý ảnh “%(name)s” quá lâu. Hãy gửi ảnh nhỏ hơn hoặc ít ảnh hơn."),
    "request_too_many_pixels": _("Các ảnh gửi cùng lúc quá lớn (tổng cộng tối đa %(mp)s triệu điểm ảnh). "
                                 "Hãy gửi ít ảnh hơn hoặc ảnh nhỏ hơn."),
    "reason_required": _("Hãy nêu lý do."),
    "proof_required": _("Cần ảnh chứng minh kết quả xử lý và nội dung trả lời."),
    "progress_photo_required": _("Phản ánh đã quá hạn: cập nhật tiến độ cần kèm ảnh và ngày cam kết hoàn thành."),
    "committed_date_past": _("Ngày cam kết hoàn thành phải từ hôm nay trở đi."),
    "window_closed": _("Đã hết thời hạn xác nhận kết quả."),
    "not_reporter": _("Chỉ người gửi phản ánh mới xác nhận hoặc phản hồi kết quả."),
    "no_agency": _("Phản ánh chưa có cơ quan xử lý."),
    "same_agency": _("Phản ánh đã thuộc cơ quan này."),
    "merge_self": _("Không thể gộp phản ánh vào chính nó."),
    "merge_target_closed": _("Phản ánh được gộp vào phải còn đang xử lý."),
    "merge_target_forbidden": _("Chỉ gộp được vào phản ánh mà bạn có quyền xử lý."),
    "not_officer_of_agency": _("Cán bộ được giao phải thuộc cơ quan xử lý phản ánh."),
    "nothing_changed": _("Nội dung không thay đổi: không có gì để biên tập."),
    "redact_boxes_required": _("Hãy vẽ hoặc nhập ít nhất một vùng cần che."),
    "choose_agency": _("Hãy chọn cơ quan."),
    "choose_officer": _("Hãy chọn cán bộ."),
}


def invalid(code: str, *, field: str | None = None, **params: object) -> ReportError:
    message = MESSAGES[code]
    error = ReportError(message % params if params else message, code=code)
    error.field = field
    return error
