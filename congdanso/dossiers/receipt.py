"""The receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả) as a PDF: the same facts as the printable page, with the
QR code that opens the public lookup. Drawn with fpdf2 in DejaVu Sans (bundled in ``fonts/``: it covers
Vietnamese)."""

from __future__ import annotations

from pathlib import Path

import qrcode
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from congdanso.dossiers.models import Dossier

FONTS = Path(__file__).resolve().parent / "fonts"


def _when(value: object) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y") if value else ""  # type: ignore[arg-type]


def receipt_pdf(dossier: Dossier, lookup_url: str, documents: list[str]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"{_('Giấy tiếp nhận hồ sơ và hẹn trả kết quả')} {dossier.code}")
    pdf.set_creator("Công Dân Số")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw / 2
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(width, 5, dossier.agency.name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin + width, top)
    pdf.multi_cell(width, 5, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.l_margin + width)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(width, 5, _("Độc lập - Tự do - Hạnh phúc"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả").upper(), align="C", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 7, f"{_('Mã hồ sơ')}: {dossier.code}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = [
        (_("Người nộp"), dossier.applicant_name or "—"),
        (_("Thủ tục"), f"{dossier.procedure.name} ({dossier.procedure.code})"),
        (_("Hình thức nộp"), str(dossier.get_channel_display())),
        (_("Ngày nộp"), _when(dossier.submitted_at)),
        (_("Ngày tiếp nhận"), _when(dossier.accepted_at) or _("Chờ cơ quan tiếp nhận")),
        (_("Ngày hẹn trả kết quả"), _when(dossier.due_at) or _("Sẽ báo khi hồ sơ được tiếp nhận")),
    ]
    if dossier.fee_amount:
        rows.append((_("Phí, lệ phí"), f"{dossier.fee_amount:,} đ".replace(",", ".")))
    for label, value in rows:
        pdf.set_font("DejaVu", "", 11)
        pdf.cell(55, 7, label)
        pdf.set_font("DejaVu", "B" if label == _("Ngày hẹn trả kết quả") else "", 11)
        pdf.multi_cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
    if documents:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 7, _("Giấy tờ đã nộp"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11)
        for number, name in enumerate(documents, start=1):
            pdf.multi_cell(0, 6, f"{number}. {name}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    image = qrcode.make(lookup_url, box_size=6, border=2).get_image()
    y = pdf.get_y()
    pdf.image(image, x=pdf.l_margin, y=y, w=35, h=35)
    pdf.set_xy(pdf.l_margin + 40, y + 8)
    pdf.multi_cell(0, 6, _("Quét mã QR hoặc vào trang Tra cứu hồ sơ với mã trên để theo dõi hồ sơ.") + "\n"
                   + lookup_url)
    return bytes(pdf.output())
