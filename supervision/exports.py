"""Every figures table as a download: Excel (.xlsx, written here) and CSV.

Excel: one sheet, Chinese headers in bold on a frozen first row, numbers and dates as
typed cells with Chinese-readable formats (金额 #,##0.00; 比率 0.00%; 日期 2026年1月5日).
The workbook's few XML parts are written directly (see `table_xlsx`): the sheet row by
row into the zip, so the list of 100,000 requests is streamed from the database and never
held as a workbook in memory.

CSV: UTF-8 with a byte-order mark (Excel opens it as UTF-8 only then), plain numbers without
thousands separators (so they stay numbers), rates as "12.34%", dates as 2026-01-05.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

import zipfile
from xml.sax.saxutils import escape

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


# The workbook's fixed parts. The sheet itself is written row by row (`_sheet_rows`): one
# string per row, formatted here, because a library's per-cell objects and calls cost more
# than the 10 s the 100,000-row list may take (openpyxl ~1 ms a row, XlsxWriter ~0.7 ms).
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
#: Cell style index (in styles.xml's cellXfs) of each kind; 0 is plain, 1 the header.
_STYLE = {kind: index for index, kind in enumerate(FORMATS, start=2)}


def _styles() -> str:
    fmts = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
                   for i, code in enumerate(FORMATS.values()))
    xfs = "".join(f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'
                  for i in range(len(FORMATS)))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<numFmts count="{len(FORMATS)}">{fmts}</numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="宋体"/></font>'
        '<font><b/><sz val="11"/><name val="宋体"/></font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
        '<fill><patternFill patternType="solid"><fgColor rgb="FFF2F2F2"/><bgColor indexed="64"/></patternFill></fill>'
        "</fills>"
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{2 + len(FORMATS)}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
        'applyAlignment="1"><alignment horizontal="center"/></xf>'
        f"{xfs}</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    )


# Text escaped for XML in one pass: &, <, > as entities; the control characters XML 1.0
# forbids (all but tab, line feed, carriage return) dropped.
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\ufffe": None, "\uffff": None,
                           **{chr(c): None for c in range(32) if c not in (9, 10, 13)}})
_EPOCH = date(1899, 12, 30)


def _text_cell(ref: str, value) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{str(value).translate(_XML_TEXT)}</t></is></c>'


def _formatter(kind: str, letter: str):
    """(row number, value) → the cell's XML for a column of `kind`: numbers as numbers, dates as
    Excel serial days, both formatted; text inline; "" for an empty cell."""
    style = _STYLE.get(kind)

    def text(r, value):
        if value is None or value == "":
            return ""
        return _text_cell(f"{letter}{r}", value)

    def day(r, value):
        if value is None or isinstance(value, str):
            return text(r, value)
        day = value.date() if isinstance(value, datetime) else value
        return f'<c r="{letter}{r}" s="{style}"><v>{(day - _EPOCH).days}</v></c>'

    def number(r, value):
        if value is None or isinstance(value, str):
            return text(r, value)
        return f'<c r="{letter}{r}" s="{style}"><v>{value if isinstance(value, int) else repr(float(value))}</v></c>'

    return text if style is None else day if kind == "date" else number


def _sheet_rows(table: Table) -> Iterator[str]:
    letters = [get_column_letter(i) for i in range(1, len(table.columns) + 1)]
    header = "".join(f'<c r="{letter}1" s="1" t="inlineStr"><is><t>{escape(column.header)}</t></is></c>'
                     for letter, column in zip(letters, table.columns))
    yield f'<row r="1">{header}</row>'
    if any(column.kind == "mixed" for column in table.columns):
        for r, row in enumerate(table.rows, start=2):
            cells = "".join(_formatter(kind, letter)(r, value)
                            for letter, value, kind in zip(letters, row, _kinds(table, row)))
            yield f'<row r="{r}">{cells}</row>'
        return
    formatters = [_formatter(column.kind, letter) for letter, column in zip(letters, table.columns)]
    for r, row in enumerate(table.rows, start=2):
        yield f'<row r="{r}">{"".join([fmt(r, value) for fmt, value in zip(formatters, row)])}</row>'


def table_xlsx(table: Table, out) -> None:
    """Write `table` as an .xlsx workbook to the binary file `out` (seekable).

    The sheet is deflated into the zip as its rows come (`ZipFile.open(..., "w")`), so the
    100,000-row list is never held in memory. Strings are inline text, never formulas."""
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{40 if c.header in ("口径", "项目名称") else WIDTHS.get(c.kind, 14)}" '
        f'customWidth="1"/>' for i, c in enumerate(table.columns, start=1))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(table.title[:31], {'"': "&quot;"})))
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr("xl/styles.xml", _styles())
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as raw:
            sheet = io.TextIOWrapper(raw, encoding="utf-8", newline="", write_through=False)
            sheet.write(
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                'state="frozen"/></sheetView></sheetViews>'
                f"<cols>{widths}</cols><sheetData>"
            )
            for line in _sheet_rows(table):
                sheet.write(line)
            sheet.write("</sheetData></worksheet>")
            sheet.flush()
            sheet.detach()


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
    mixed = any(column.kind == "mixed" for column in table.columns)
    fixed = [column.kind for column in table.columns]
    for row in table.rows:
        kinds = _kinds(table, row) if mixed else fixed
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
