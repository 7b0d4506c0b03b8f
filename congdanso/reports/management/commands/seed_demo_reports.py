"""``manage.py seed_demo_reports``: a few dozen demo reports in various states, so that a new installation's list
and map are not empty. Demo mode only (``DEBUG=1`` or ``DEVIDP_ENABLED=1``, as ``make run``); run after
``load_reference --demo`` (the reports are typed in by the demo city administrator as hotline calls, then moved on
by the same services the back office uses). Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import io
import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from PIL import Image

from congdanso.accounts.models import User
from congdanso.agencies.models import Category, Unit
from congdanso.core.errors import DomainError
from congdanso.reports import services
from congdanso.reports.models import Channel
from congdanso.reports.photos import Upload

ACTOR = "demo.thanhpho"
# (category code, description, address, where: a point near the centre or None for a report placed by ward only)
REPORTS: tuple[tuple[str, str, str, bool], ...] = (
    ("gt-mat-duong", "Ổ gà lớn giữa làn xe máy, trời mưa đọng nước rất nguy hiểm.", "Trước số 45 Lê Lợi", True),
    ("gt-mat-duong", "Mặt đường lún sâu sau khi thi công cáp ngầm.", "Đường Nguyễn Thị Minh Khai", True),
    ("tn-cong-tac", "Cống thoát nước bị nghẹt rác, mưa là ngập tới mắt cá.", "Hẻm 12 Cô Giang", True),
    ("tn-cong-tac", "Nắp cống bị bể, mùi hôi bốc lên cả ngày.", "Góc Pasteur – Lý Tự Trọng", True),
    ("ht-ho-ga", "Mất nắp hố ga ngay vạch qua đường, đã có người té.", "Trước chợ Bến Thành", True),
    ("ng-ngap-duong", "Đường ngập sâu khoảng 30 cm mỗi khi triều cường.", "Đường Huỳnh Tấn Phát", True),
    ("ng-ngap-duong", "Mưa chiều là ngập, xe chết máy hàng loạt.", "Đường Nguyễn Hữu Cảnh", True),
    ("cx-cay-do", "Cây đổ chắn nửa đường sau cơn giông.", "Công viên Tao Đàn, cổng Trương Định", True),
    ("cx-cay-nguy-hiem", "Cây dầu nghiêng hẳn ra đường, rễ bật lên vỉa hè.", "Đường Tôn Đức Thắng", True),
    ("cs-den-khong-sang", "Cả dãy đèn đường tắt ba đêm liền.", "Đường Hai Bà Trưng đoạn gần cầu Kiệu", True),
    ("cs-den-khong-sang", "Đèn đường chập chờn, lúc sáng lúc tắt.", "Hẻm 80 Đinh Tiên Hoàng", True),
    ("cs-tru-den", "Tủ điện chiếu sáng mở cửa, dây điện lòi ra ngoài.", "Góc Nam Kỳ Khởi Nghĩa – Điện Biên Phủ", True),
    ("mt-rac-sinh-hoat", "Điểm tập kết rác tự phát trên vỉa hè, bốc mùi.", "Đầu hẻm 155 Trần Hưng Đạo", True),
    ("mt-rac-sinh-hoat", "Rác để qua đêm không ai thu gom.", "Chung cư Nguyễn Thiện Thuật", False),
    ("tt-lan-chiem", "Quán ăn bày bàn ghế chiếm hết vỉa hè, người đi bộ phải xuống lòng đường.", "Đường Bùi Viện",
     True),
    ("tt-lan-chiem", "Xe máy đậu kín vỉa hè trước trường học.", "Trường tiểu học Nguyễn Bỉnh Khiêm", True),
    ("to-karaoke", "Hát karaoke loa kéo tới 23 giờ đêm.", "Hẻm 42 Nguyễn Trãi", False),
    ("to-thi-cong", "Công trình khoan cọc lúc 1 giờ sáng.", "Đường Lý Thường Kiệt", True),
    ("gt-den-tin-hieu", "Đèn tín hiệu giao thông tắt, xe cộ lộn xộn giờ cao điểm.",
     "Ngã tư Điện Biên Phủ – Cách Mạng Tháng Tám", True),
    ("gt-bien-bao", "Biển báo cấm rẽ trái bị cây che khuất.", "Đường Võ Văn Tần", True),
    ("cn-mat-nuoc", "Mất nước từ sáng, chưa có thông báo.", "Khu phố 3", False),
    ("cn-be-ong", "Ống nước bể, nước chảy tràn ra đường.", "Đường Trần Quang Khải", True),
    ("dl-day-dien", "Dây điện võng thấp sát đầu người đi đường.", "Hẻm 27 Phạm Ngũ Lão", True),
    ("vt-cap-treo", "Cáp viễn thông rơi xuống lòng đường.", "Đường Lê Thánh Tôn", True),
    ("xb-nha-cho", "Nhà chờ xe buýt bị vỡ mái che.", "Trạm Bến Thành, đường Hàm Nghi", True),
    ("mt-o-nhiem", "Đốt rác gây khói mù cả khu dân cư mỗi tối.", "Khu dân cư Bình Khánh", False),
    ("mt-nuoc-thai", "Rác và nước thải đen trên kênh, cá chết nổi.", "Kênh Nhiêu Lộc, đoạn cầu Lê Văn Sỹ", True),
    ("tt-quang-cao", "Quảng cáo rao vặt dán kín trụ điện.", "Đường Cống Quỳnh", True),
    ("ht-via-he", "Gạch vỉa hè bong tróc, người già dễ vấp ngã.", "Đường Đồng Khởi", True),
    ("hc-thu-tuc", "Hồ sơ cấp đổi giấy tờ trễ hẹn hai tuần.", "", False),
    ("gt-un-tac", "Kẹt xe kéo dài mỗi sáng do xe đậu sai chỗ.", "Vòng xoay Dân Chủ", True),
    ("yt-thuc-pham", "Quán bán đồ ăn không che đậy, nhiều ruồi.", "Chợ Thái Bình", True),
)
# What becomes of each report, in turn: most open, some with a result, a few refused.
FATES = ("submitted", "received", "in_progress", "resolved", "submitted", "in_progress", "rejected", "received",
         "resolved", "in_progress")


def _photo(seed: int) -> Upload:
    out = io.BytesIO()
    Image.new("RGB", (480, 360), (90 + seed * 7 % 120, 120, 90)).save(out, format="JPEG")
    return Upload(f"demo-{seed}.jpg", out.getvalue())


class Command(BaseCommand):
    help = "Create a few dozen demo reports in various states (demo mode only, idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.DEVIDP_ENABLED):
            raise CommandError("seed_demo_reports works only in demo mode (DEBUG=1 or DEVIDP_ENABLED=1).")
        actor = User.objects.filter(username=ACTOR).first()
        if actor is None:
            raise CommandError("run `manage.py load_reference --demo` first (it creates the demo staff).")
        wards = list(Unit.objects.filter(code__in=["26740", "26734", "26737", "26743", "26758"]).order_by("code"))
        known = set(Category.objects.filter(is_active=True).values_list("code", flat=True))
        rng = random.Random(2026)
        created = 0
        for n, (code, description, address, pinned) in enumerate(REPORTS):
            if code not in known:
                continue
            lat = round(10.7769 + rng.uniform(-0.012, 0.012), 6) if pinned else None
            lon = round(106.7009 + rng.uniform(-0.012, 0.012), 6) if pinned else None
            ward = wards[n % len(wards)].code if wards else None
            data = services.ReportInput(category=code, description=description, address=address, lat=lat, lon=lon,
                                        ward=ward, channel=Channel.HOTLINE, source_label="demo")
            try:
                result = services.submit_report(data, actor=actor, on_behalf=True, idempotency_key=f"demo-{n}",
                                                key_scope="demo")
                if not result.created:
                    continue
                created += 1
                self._move(result.report, FATES[n % len(FATES)], actor, n)
            except DomainError as error:
                self.stderr.write(f"demo report {n} ({code}): {error.message}")
        self.stdout.write(f"Phản ánh mẫu (demo reports): {created} mới")

    def _move(self, report: Any, fate: str, actor: User, n: int) -> None:
        if fate == "submitted" or report.agency_id is None:
            return
        if fate == "rejected":
            services.reject_report(report, actor=actor, reason="Không thuộc thẩm quyền; đã hướng dẫn người dân.")
            return
        services.receive_report(report, actor=actor)
        if fate == "received":
            return
        services.post_progress(report, actor=actor, message="Đã cử tổ kỹ thuật đến kiểm tra hiện trường.")
        if fate == "resolved":
            services.resolve_report(report, actor=actor, note="Đã xử lý xong, mời người dân kiểm tra.",
                                    photos=[_photo(n)])
