"""Every figures table downloads as Excel (typed cells, Chinese headers, frozen header row)
and as CSV (UTF-8 with a byte-order mark)."""

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.factories import bureau_user
from tests.supervision.stats_history import history  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
EXPORT = "/bureau/supervision/export/"


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_summary_excel_has_chinese_headers_typed_cells_and_a_frozen_header(client, history):
    client.force_login(bureau_user())
    ws = workbook(client.get(EXPORT + "summary.xlsx")).active
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["指标", "数值", "单位", "口径"]
    rows = {row[0].value: row[1] for row in ws.iter_rows(min_row=2)}
    assert rows["发布项目数"].value == 5 and rows["发布项目数"].number_format == "#,##0"
    assert rows["成交率"].value == pytest.approx(0.4) and rows["成交率"].number_format == "0.00%"
    assert rows["节约资金"].value == pytest.approx(30000) and rows["节约资金"].number_format == "#,##0.00"


def test_request_list_excel_has_one_typed_row_per_request_in_scope(client, history):
    client.force_login(bureau_user())
    ws = workbook(client.get(EXPORT + "requests.xlsx")).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("项目编号", "项目名称", "项目所在区划") and "发布→选取（工作日）" in rows[0]
    assert len(rows) == 6
    a = next(r for r in rows if r[0] == history["a"].code)
    assert a[6] == datetime(2026, 3, 2) and a[8] == 100000 and a[9] == 90000 and a[10] == 10000
    assert a[-5:] == (6, 4, 6, 3, 1)
    client.force_login(bureau_user(region_code="360982"))
    rows = list(workbook(client.get(EXPORT + "requests.xlsx")).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [history["d"].code]


def test_csv_is_utf8_with_a_bom_and_plain_numbers(client, history):
    client.force_login(bureau_user())
    response = client.get(EXPORT + "regions.csv")
    body = b"".join(response.streaming_content)
    assert response["Content-Type"].startswith("text/csv")
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["区划", "发布项目数", "成交项目数", "成交率"]
    assert rows[1][:4] == ["宜春市", "4", "2", "50.00%"]
    detail = b"".join(client.get(EXPORT + "requests.csv").streaming_content).decode("utf-8-sig")
    assert "2026-03-02" in detail and "100000.00" in detail


def test_unknown_tables_and_formats_are_404(client, history):
    client.force_login(bureau_user())
    assert client.get(EXPORT + "nothing.xlsx").status_code == 404
    assert client.get(EXPORT + "summary.pdf").status_code == 404
    assert client.get("/statistics/export/requests.xlsx").status_code == 404
    assert client.get("/statistics/export/overdue.csv").status_code == 404


def test_public_tables_download_without_login(client, history):
    ws = workbook(client.get("/statistics/export/steps.xlsx")).active
    assert [c.value for c in ws[1]] == ["环节", "已完成项目数", "中位数（工作日）", "90%分位数（工作日）"]
    body = b"".join(client.get("/statistics/export/summary.csv").streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")


def test_excel_text_stays_text_escaped_and_without_control_characters():
    from datetime import date
    from decimal import Decimal

    from supervision.exports import table_xlsx
    from supervision.selectors_stats import Column, Table

    table = Table(key="t", title="明细<&>", columns=[Column("名称"), Column("金额", "money"), Column("日期", "date")],
                  rows=iter([("=1+1 <b>&amp;\x07", Decimal("1234.50"), date(2026, 1, 5)), ("", None, None)]))
    out = io.BytesIO()
    table_xlsx(table, out)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    assert ws.title == "明细<&>" and ws.freeze_panes == "A2"
    assert ws["A2"].value == "=1+1 <b>&amp;" and ws["A2"].data_type == "s"
    assert ws["B2"].value == 1234.5 and ws["B2"].number_format == "#,##0.00"
    assert ws["C2"].value == datetime(2026, 1, 5) and ws["C2"].number_format == 'yyyy"年"m"月"d"日"'
    assert ws["A3"].value is None and ws["B3"].value is None and ws.max_row == 3
