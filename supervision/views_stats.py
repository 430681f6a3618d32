"""The supervision figures' pages: the bureau's (运行效能监察, its jurisdiction, every filter)
and the public statistics page (city-wide aggregates, no names), with each table's
download as Excel and CSV. Thin adapters over `supervision.selectors_stats` and
`supervision.exports`."""

from __future__ import annotations

import hashlib
import tempfile
from decimal import Decimal
from urllib.parse import quote

from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from core.format import date_zh, money_number
from core.jurisdiction import is_city_bureau
from core.web import role_required
from supervision.exports import CSV_TYPE, XLSX_TYPE, iter_bytes, table_csv_lines, table_xlsx
from supervision.forms_stats import StatFilterForm
from supervision.selectors_stats import Table, detail_table, figures_tables, row_kind, stats_base

PUBLIC_CACHE_SECONDS = 600
BUREAU_CACHE_SECONDS = 120
BUREAU_KEYS = ("summary", "monthly", "steps", "regions", "methods", "overdue", "ratings", "requests")
FORMATS = ("xlsx", "csv")
PUBLIC_KEYS = ("summary", "monthly", "steps", "regions", "methods", "ratings")


def _cell(value, kind: str) -> str:
    """A value as the page shows it: 1,234 · 80,000.00 · 12.34% · 2026年1月5日 · — for none."""
    if value is None or value == "":
        return "—"
    if kind == "int":
        return f"{value:,}"
    if kind in ("money", "number"):
        return money_number(value)
    if kind == "percent":
        return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.01'))}%"
    if kind == "date":
        return date_zh(value)
    return str(value)


def _display(table: Table) -> dict:
    numeric = {"int", "money", "number", "percent", "days", "mixed"}
    rows = []
    for row in table.rows:
        cells = []
        for index, (value, column) in enumerate(zip(row, table.columns)):
            kind = row_kind(value, row[index + 1]) if column.kind == "mixed" else column.kind
            cells.append({"text": _cell(value, kind), "num": column.kind in numeric})
        rows.append(cells)
    return {"key": table.key, "title": table.title, "definition": table.definition,
            "headers": [{"text": c.header, "num": c.kind in numeric} for c in table.columns], "rows": rows,
            "chart": table.chart_data()}


def _form(request, *, public: bool) -> StatFilterForm:
    data = request.GET if any(request.GET.get(k) for k in ("region", "service_item", "method", "owner", "date_from",
                                                           "date_to")) else None
    return StatFilterForm(data, user=request.user, public=public)


def _scope_label(user) -> str:
    org = user.organisation
    return "全市范围" if org.region.is_city else f"{org.region.name}范围"


def _context(form, tables: list[Table], *, export_base: str, query: str) -> dict:
    shown = [_display(t) for t in tables]
    summary = shown[0] if shown else None
    return {"form": form, "summary": summary, "tables": shown[1:], "charts": [t["chart"] for t in shown[1:]],
            "export_base": export_base, "query": query, "today": timezone.localdate()}


@require_safe
@role_required("bureau")
def dashboard(request):
    """运行效能监察: the figures of the officer's jurisdiction, filtered (400 on a bad filter)."""
    form = _form(request, public=False)
    query = request.GET.urlencode()
    if form.is_bound and not form.is_valid():
        ctx = _context(form, [], export_base="/bureau/supervision/export/", query=query)
        ctx.update(scope=_scope_label(request.user), invalid=True)
        return render(request, "supervision/stats_dashboard.html", ctx, status=400)
    filters = form.filters() if form.is_bound else None
    tables = _bureau_tables(request.user, filters)
    ctx = _context(form, tables, export_base="/bureau/supervision/export/", query=query)
    ctx["scope"] = _scope_label(request.user)
    ctx["cache_minutes"] = BUREAU_CACHE_SECONDS // 60
    return render(request, "supervision/stats_dashboard.html", ctx)


def _bureau_tables(user, filters) -> list[Table]:
    """The officer's figures, cached per jurisdiction and filters for `BUREAU_CACHE_SECONDS`:
    at 100,000 requests the aggregates take seconds on a loaded machine, and officers of
    one jurisdiction ask the same questions. The page says how fresh the figures are."""
    scope = "city" if is_city_bureau(user) else user.organisation.region_id
    key = "supervision:bureau:" + hashlib.sha256(repr((scope, filters)).encode()).hexdigest()
    tables = cache.get(key)
    if tables is None:
        tables = figures_tables(user=user, filters=filters)
        cache.set(key, tables, BUREAU_CACHE_SECONDS)
    return tables


def _public_tables(filters) -> list[Table]:
    """The public figures for `filters`, cached: the page is open to anyone."""
    key = "supervision:public:" + hashlib.sha256(repr(filters).encode()).hexdigest()
    tables = cache.get(key)
    if tables is None:
        tables = figures_tables(public=True, filters=filters)
        cache.set(key, tables, PUBLIC_CACHE_SECONDS)
    return tables


@require_safe
def public_stats(request):
    """统计数据: the city-wide figures anyone may read (cached for ten minutes)."""
    form = _form(request, public=True)
    query = request.GET.urlencode()
    if form.is_bound and not form.is_valid():
        ctx = _context(form, [], export_base="/statistics/export/", query=query)
        ctx["invalid"] = True
        return render(request, "supervision/stats_public.html", ctx, status=400)
    ctx = _context(form, _public_tables(form.filters() if form.is_bound else None), export_base="/statistics/export/", query=query)
    ctx["cache_minutes"] = PUBLIC_CACHE_SECONDS // 60
    return render(request, "supervision/stats_public.html", ctx)


def _download_name(title: str, ext: str) -> str:
    name = f"{title}-{timezone.localdate():%Y%m%d}.{ext}"
    return f"attachment; filename=\"statistics.{ext}\"; filename*=UTF-8''{quote(name)}"


def _export(table: Table, fmt: str):
    if fmt == "csv":
        response = StreamingHttpResponse(iter_bytes(table_csv_lines(table)), content_type=CSV_TYPE)
    else:
        # Written to a spooled file (kept in memory up to 8 MB, then on disk): the zip is
        # finished (its central directory written) before the first byte is sent.
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        table_xlsx(table, out)
        out.seek(0)
        response = FileResponse(out, content_type=XLSX_TYPE)
    response["Content-Disposition"] = _download_name(table.title, fmt)
    return response


def _table(key: str, *, user=None, public: bool, filters) -> Table:
    if key == "requests":
        return detail_table(stats_base(user=user, public=public, filters=filters))
    tables = _public_tables(filters) if public else figures_tables(user=user, filters=filters)
    for table in tables:
        if table.key == key:
            return table
    raise Http404("没有这张统计表。")


def _bad_filters(request, form) -> HttpResponse:
    errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
    return render(request, "error.html", {"message": f"筛选条件有误：{errors}"}, status=400)


@require_safe
@role_required("bureau")
def export(request, key: str, fmt: str):
    """One table of the officer's figures as .xlsx or .csv (the filters of the page)."""
    if key not in BUREAU_KEYS or fmt not in FORMATS:
        raise Http404("没有这张统计表。")
    form = _form(request, public=False)
    if form.is_bound and not form.is_valid():
        return _bad_filters(request, form)
    return _export(_table(key, user=request.user, public=False, filters=form.filters() if form.is_bound else None),
                   fmt)


@require_safe
def public_export(request, key: str, fmt: str):
    """One table of the public figures as .xlsx or .csv."""
    if key not in PUBLIC_KEYS or fmt not in FORMATS:
        raise Http404("没有这张统计表。")
    form = _form(request, public=True)
    if form.is_bound and not form.is_valid():
        return _bad_filters(request, form)
    return _export(_table(key, public=True, filters=form.filters() if form.is_bound else None), fmt)

