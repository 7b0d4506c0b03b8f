"""The areas of the citizen app, as the home page lists them. ``url_name`` is None until the area is built."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    slug: str
    title: str | Promise
    summary: str | Promise
    url_name: str | None = None

    @property
    def icon_template(self) -> str:
        return f"web/icons/{self.slug}.svg"


AREAS = [
    Area("phan-anh", _("Phản ánh hiện trường"), _("Báo sự cố đường sá, chiếu sáng, ngập nước, trật tự đô thị… "
         "kèm ảnh và vị trí, theo dõi đến khi xử lý xong."), url_name="reports:list"),
    Area("gop-y", _("Góp ý, hiến kế"), _("Gửi góp ý cho chính quyền, tham gia lấy ý kiến và ủng hộ sáng kiến.")),
    Area("thu-tuc", _("Thủ tục hành chính"), _("Tra cứu thủ tục, hồ sơ cần nộp, thời hạn và lệ phí."),
         url_name="procedures:list"),
    Area("ho-so", _("Hồ sơ của tôi"), _("Tra cứu tình trạng hồ sơ theo mã và đánh giá chất lượng phục vụ."),
         url_name="dossiers:lookup"),
    Area("thong-bao", _("Thông báo"), _("Tin báo khi phản ánh có kết quả, hồ sơ đổi trạng thái."),
         "notifications:inbox"),
    Area("canh-bao", _("Cảnh báo khẩn cấp"), _("Cảnh báo thiên tai, ngập lụt, sự cố theo khu vực của bạn.")),
    Area("tin-tuc", _("Tin tức, chính sách"), _("Tin thành phố, giải thích chính sách mới, thông báo.")),
    Area("du-lieu-mo", _("Dữ liệu mở"), _("Số liệu công khai: số phản ánh, tỷ lệ đúng hạn, mức hài lòng.")),
    Area("quyen-rieng-tu", _("Dữ liệu cá nhân của tôi"), _("Xem, tải về, xoá dữ liệu và quản lý sự đồng ý.")),
]
AREAS_BY_SLUG = {area.slug: area for area in AREAS}
