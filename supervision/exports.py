"""Every figures table as a download: Excel (.xlsx, through openpyxl) and CSV.

Excel: one sheet, Chinese headers in bold on a frozen first row, numbers and dates as
typed cells with Chinese-readable formats (金额 #,##0.00; 比率 0.00%; 日期 2026年1月5日).
The sheet is written in openpyxl's write-only mode, row by row, so the list of 100,000
requests is streamed from the database and never held as a workbook in memory.

CSV: UTF-8 with a byte-order mark (Excel opens it as UTF-8 only then), plain numbers without
thousands separators (so they stay numbers), rates as "12.34%", dates as 2026-01-05.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from supervision.selectors_stats import Table, row_kind

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"

FORMATS = {
    "int": "#,##0",
    "money": "#,##0.00",
    "number": "#,##0.00",
    "percent": "0.00%",
    "days": "0.0",
    "date": 'yyyy"年"m"月"d"日"',
}
WIDTHS = {"text": 18, "int": 12, "money": 18, "number": 14, "percent": 12, "days": 14, "date": 16, "mixed": 18}


def _kinds(table: Table, row: tuple) -> list[str]:
    """Each cell's kind: its column's, or for a "mixed" column the kind its row's unit (the
    next column) says."""
    kinds = []
    for index, column in enumerate(table.columns):
        if column.kind == "mixed":
            unit = row[index + 1] if index + 1 < len(row) else ""
            kinds.append(row_kind(row[index], unit))
        else:
            kinds.append(column.kind)
    return kinds


def _plain(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def table_xlsx(table: Table, out) -> None:
    """Write `table` as an .xlsx workbook to the binary file `out`."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=table.title[:31])
    ws.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        width = 40 if column.header in ("口径", "项目名称") else WIDTHS.get(column.kind, 14)
        ws.column_dimensions[get_column_letter(index)].width = width
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F2F2F2")
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(horizontal="center")
        header.append(cell)
    ws.append(header)
    mixed = any(column.kind == "mixed" for column in table.columns)
    fixed = [column.kind for column in table.columns]
    styled = [i for i, kind in enumerate(fixed) if kind in FORMATS and kind != "int"]
    for row in table.rows:
        kinds = _kinds(table, row) if mixed else fixed
        cells = list(row)
        for index in (range(len(cells)) if mixed else styled):
            value = cells[index]
            fmt = FORMATS.get(kinds[index])
            if value is None or fmt is None:
                continue
            cell = WriteOnlyCell(ws, value=_plain(value))
            cell.number_format = fmt
            cells[index] = cell
        ws.append(cells)
    wb.save(out)


def _csv_value(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "percent":
        return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.01'))}%"
    if kind in ("money", "number"):
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def table_csv_lines(table: Table) -> Iterator[str]:
    """`table` as CSV lines, the first starting with the UTF-8 byte-order mark (streamed)."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([column.header for column in table.columns])
    for row in table.rows:
        kinds = _kinds(table, row)
        yield writer.writerow([_csv_value(value, kind) for value, kind in zip(row, kinds)])


def table_csv(table: Table) -> bytes:
    """`table` as one CSV document in UTF-8 with a BOM."""
    return "".join(table_csv_lines(table)).encode("utf-8")


def table_xlsx_bytes(table: Table) -> bytes:
    buffer = io.BytesIO()
    table_xlsx(table, buffer)
    return buffer.getvalue()


def iter_bytes(lines: Iterable[str]) -> Iterator[bytes]:
    for line in lines:
        yield line.encode("utf-8")
