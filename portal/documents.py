"""The printable notices of a request, as signed PDFs: the 中选通知书 (to the selected
firm) and the result notice (结果公告, public once the owner confirmed the result).

Built with fpdf2 and the shipped Noto Sans CJK SC subset (portal/fonts, SIL OFL 1.1; only
the glyphs a document uses are embedded), then signed by `portal.signing.pdf_sign`.
"""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from core.format import date_zh, datetime_zh, money, money_capital
from market.models import ServiceRequest
from market.selectors import request_price

FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular-GB2312.otf"
PLATFORM = "宜春市网上中介服务超市"
BUREAU = "宜春市行政审批局"
S = ServiceRequest.Status
CONFIRMED = (S.PUBLICITY, S.OBJECTION, S.CONTRACTING, S.IN_SERVICE, S.DELIVERED, S.COMPLETED, S.RATED)


def notice_available(req: ServiceRequest) -> bool:
    """Both notices exist once the owner has confirmed a selected firm."""
    return req.selected_firm_id is not None and req.status in CONFIRMED


class _Doc:
    def __init__(self, title: str):
        from fpdf import FPDF

        pdf = FPDF(format="A4", unit="mm")
        pdf.set_title(title)
        pdf.set_author(PLATFORM)
        pdf.set_creator(PLATFORM)
        pdf.set_lang("zh-CN")
        pdf.add_font("noto", fname=str(FONT))
        pdf.set_margins(22, 22, 22)
        pdf.set_auto_page_break(True, margin=22)
        pdf.add_page()
        self.pdf = pdf
        pdf.set_font("noto", size=20)
        pdf.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)

    def line(self, text: str, *, size: float = 12, align: str = "L", gap: float = 2) -> None:
        self.pdf.set_font("noto", size=size)
        self.pdf.multi_cell(0, size * 0.6, text, align=align, new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)

    def table(self, rows: list[tuple[str, str]]) -> None:
        pdf = self.pdf
        pdf.set_font("noto", size=11)
        with pdf.table(col_widths=(34, 132), text_align=("LEFT", "LEFT"), line_height=7,
                       first_row_as_headings=False) as table:
            for label, value in rows:
                row = table.row()
                row.cell(label)
                row.cell(value)
        pdf.ln(4)

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


def _price_rows(req: ServiceRequest) -> list[tuple[str, str]]:
    price = request_price(req)
    if req.method == "auction":  # the price is the firm's own bid
        return [("中选价格", f"{money(price)}（大写：{money_capital(price)}）")]
    return [("合同金额上限", f"{money(price)}（大写：{money_capital(price)}），即最高限价")]


def award_notice_pdf(req: ServiceRequest) -> bytes:
    """中选通知书, signed. Precondition: `notice_available(req)`."""
    firm = req.selected_firm
    doc = _Doc("中选通知书")
    doc.line(f"编号：{req.code}-ZX", size=10, align="R")
    doc.line(f"{firm.name}：", size=13)
    doc.line(
        f"    经{PLATFORM}{req.get_method_display()}，你单位被确定为“{req.title}”（项目编号 {req.code}）"
        f"的中选中介机构，选取结果已经项目业主确认。",
    )
    doc.table([
        ("项目名称", req.title), ("项目编号", req.code), ("项目业主", req.owner.name), ("项目区划", req.region.name),
        ("服务事项", req.service_item.name), ("选取方式", str(req.get_method_display())),
        *_price_rows(req), ("服务期限", f"{req.service_days} 日历天"),
        ("中选机构", f"{firm.name}（统一社会信用代码 {firm.uscc}）"),
        ("结果公示", f"至 {datetime_zh(req.publicity_ends_at)}" if req.publicity_ends_at else "已结束"),
    ])
    doc.line("    请在公示期满后按规定与项目业主签订合同并在平台上传，在服务期限内提交服务成果。"
             "无正当理由放弃中选或拒不签订合同的，按规定记入信用记录。")
    doc.line(f"{PLATFORM}\n{BUREAU}（监制）\n{date_zh(timezone.now())}", align="R", gap=6)
    doc.line("本通知书由平台加盖电子签名，可在 PDF 阅读器的“签名”面板中核验；任何改动都会使签名失效。", size=9)
    return doc.bytes()


def result_notice_pdf(req: ServiceRequest) -> bytes:
    """结果公告, signed. Precondition: `notice_available(req)`."""
    firm = req.selected_firm
    doc = _Doc("中介服务选取结果公告")
    doc.line(f"项目编号：{req.code}", size=10, align="R")
    doc.line(f"    “{req.title}”的中介服务选取结果已经项目业主确认，现予公告：")
    doc.table([
        ("项目名称", req.title), ("项目业主", req.owner.name), ("项目区划", req.region.name),
        ("服务事项", req.service_item.name), ("选取方式", str(req.get_method_display())),
        ("最高限价", f"{money(req.ceiling)}（大写：{money_capital(req.ceiling)}）"),
        ("中选机构", firm.name), ("统一社会信用代码", firm.uscc), *_price_rows(req),
        ("公示期", f"至 {datetime_zh(req.publicity_ends_at)}" if req.publicity_ends_at else "已期满"),
    ])
    doc.line("    本项目报名机构对选取结果有异议的，可在公示期内通过平台提出质疑，由行政审批局书面答复。"
             "监督投诉电话：0795-12345。")
    doc.line(f"{PLATFORM}\n{date_zh(timezone.now())}", align="R", gap=6)
    doc.line("本公告由平台加盖电子签名，可在 PDF 阅读器的“签名”面板中核验。", size=9)
    return doc.bytes()
