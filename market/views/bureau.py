"""The bureau's (行政审批局) pages: entry review, the requests in scope, the rules and
the working-day calendar.

County staff see and act on their own county only (the `*_for_bureau` selectors);
city staff on everything. Rules and the calendar apply city-wide: every officer reads
them, only city staff change them (`market.services_rules` enforces it).
"""

from decimal import Decimal, InvalidOperation

import chinese_calendar
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import Region
from audit.selectors import chain_records
from audit.timeline import timeline_rows
from core.exceptions import DomainError
from core.format import date_zh
from core.jurisdiction import bureau_filter, is_city_bureau
from core.models import CalendarDay, Rule
from core.rules import RULES, rule_value
from core.web import apply_errors, role_required
from market.forms_bureau import (
    CalendarClearForm,
    CalendarDayForm,
    EntryFilterForm,
    EntryReviewForm,
    RequestFilterForm,
    RuleForm,
)
from market.models import Entry
from market.selectors import entries_for_bureau, requests_for_bureau
from market.services import entry_review
from market.services_rules import (
    CALENDAR_CHAIN,
    RULES_CHAIN,
    calendar_day_clear,
    calendar_day_set,
    rule_set,
)

PAGE_SIZE = 50
HISTORY_SIZE = 20
# The last year whose holidays and 调休 the chinese-calendar library knows.
LIBRARY_LAST_YEAR = max(day.year for day in chinese_calendar.holidays)




# ---------------------------------------------------------------------------------------
# Entries (入驻审核)


@role_required("bureau")
@require_safe
def bureau_entries(request):
    """Entry applications in the officer's scope, pending ones (待审核) by default."""
    form = EntryFilterForm(request.GET or None, initial={"status": Entry.Status.SUBMITTED})
    status = form.status_value()
    entries = entries_for_bureau(user=request.user).order_by("submitted_at", "id")
    if status:
        entries = entries.filter(status=status)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "market/bureau/entry_list.html", {"form": form, "page": page, "status": status})


def _missing_scans(entry: Entry) -> list[str]:
    """The documents an approval should rest on that the application lacks: the business
    licence and each qualification certificate's scan."""
    missing = [] if entry.licence_id else ["营业执照扫描件"]
    missing += [f"“{q.qualification_type.name}”资质证书扫描件"
                for q in entry.organisation.qualifications.select_related("qualification_type") if not q.scan_id]
    return missing


@role_required("bureau")
@require_http_methods(["GET", "POST"])
def bureau_entry(request, pk: int):
    """One application with its documents, staff and audit chain, and the review forms."""
    entry = get_object_or_404(entries_for_bureau(user=request.user).select_related("licence", "reviewed_by"), pk=pk)
    form = EntryReviewForm()
    status, error_message = 200, ""
    if request.method == "POST":
        form = EntryReviewForm(request.POST)
        status, error_message = 400, "请按提示修改后再提交。"
        missing = _missing_scans(entry)
        if form.is_valid() and form.approve and missing and request.POST.get("confirm_missing") != "1":
            form.add_error(None, f"该申请缺少{'、'.join(missing)}，请核实后勾选“仍予通过”再提交。")
        elif form.is_valid():
            try:
                entry_review(
                    user=request.user, entry_id=entry.pk, approve=form.approve, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                apply_errors(form, exc)
                status, error_message = exc.status_code, exc.message
                entry.refresh_from_db()
            else:
                messages.success(
                    request, f"已{'通过' if form.approve else '退回'}“{entry.organisation.name}”的入驻申请。"
                )
                return redirect("market:bureau_entries")
    organisation = entry.organisation
    context = {
        "entry": entry,
        "organisation": organisation,
        "qualifications": organisation.qualifications.select_related("qualification_type", "scan"),
        "staff": organisation.staff.all(),
        "records": timeline_rows(chain=f"entry:{organisation.pk}"),
        "form": form,
        "error_message": error_message,
        "reviewable": entry.status == Entry.Status.SUBMITTED,
        "missing": _missing_scans(entry),
        "today": timezone.localdate(),
    }
    return render(request, "market/bureau/entry_detail.html", context, status=status)


# ---------------------------------------------------------------------------------------
# Requests


@role_required("bureau")
@require_safe
def bureau_requests(request):
    """Every request in the officer's scope: searched by title, code or owner, filtered by
    status, region, method and service item, 50 a page."""
    regions = bureau_filter(Region.objects.order_by("sort_order", "code"), user=request.user, field="pk")
    form = RequestFilterForm(request.GET or None, regions=regions)
    queryset = requests_for_bureau(user=request.user).filter(**form.filters()).order_by("-created_at", "-id")
    if q := form.search():
        queryset = queryset.filter(Q(title__icontains=q) | Q(code__iexact=q) | Q(owner__name__icontains=q))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "market/bureau/request_list.html", {"form": form, "page": page, "query": query.urlencode()})


# ---------------------------------------------------------------------------------------
# Rules


def plain_number(value) -> str:
    """A rule value as people write it: 10 rather than 10.0000 or 1E+1."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return format(number.normalize(), "f") if number.is_finite() else str(value)


def _rules_rows(*, failed: RuleForm | None = None) -> list[dict]:
    """Every rule with its value in force, its default and its last change; `failed` is a
    bound form with errors, shown in its rule's row instead of a blank one."""
    stored = {rule.key: rule for rule in Rule.objects.select_related("updated_by")}
    rows = []
    for key, default in RULES.items():
        value = rule_value(key)
        form = failed if failed is not None and failed.data.get("key") == key else None
        rows.append({
            "key": key,
            "default": default,
            "value": plain_number(value),
            "default_value": plain_number(default.value),
            "min_value": plain_number(default.min_value) if default.min_value is not None else "",
            "stored": stored.get(key),
            "form": form or RuleForm(initial={"key": key, "value": plain_number(value)}, auto_id=f"id_{key}_%s"),
        })
    return rows


def _rules_history() -> list[dict]:
    """The latest changes of the "rules" audit chain, newest first."""
    return [
        {"at": r.at, "actor": r.actor_label, "label": r.data.get("label") or "规则参数", "reason": r.reason,
         "unit": r.data.get("unit", ""), "old": plain_number(r.data.get("old")), "new": plain_number(r.data.get("new"))}
        for r in chain_records(chain=RULES_CHAIN).order_by("-seq")[:HISTORY_SIZE]
    ]


@role_required("bureau")
@require_http_methods(["GET", "POST"])
def bureau_rules(request):
    """The rules table; city staff change a value with the form of its row."""
    status = 200
    failed = None
    if request.method == "POST":
        form = RuleForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                rule = rule_set(user=request.user, key=form.cleaned_data["key"], value=form.cleaned_data["value"],
                                reason=form.cleaned_data["reason"])
            except DomainError as exc:
                apply_errors(form, exc)
                status = exc.status_code
            else:
                messages.success(request, f"已将“{rule.label}”改为 {plain_number(rule.value)} {rule.unit}。")
                return redirect("market:bureau_rules")
        failed = form
    context = {
        "rows": _rules_rows(failed=failed),
        "failed": failed,
        "can_edit": is_city_bureau(request.user),
        "history": _rules_history(),
    }
    return render(request, "market/bureau/rules.html", context, status=status)


# ---------------------------------------------------------------------------------------
# Working-day calendar


def _year_of(raw: str | None) -> int:
    try:
        year = int(raw or "")
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _calendar_url(year: int) -> str:
    return f"{reverse('market:bureau_calendar')}?year={year}"


@role_required("bureau")
@require_http_methods(["GET", "POST"])
def bureau_calendar(request):
    """The bureau's overrides of the working-day calendar, by year, with add/change/clear."""
    year = _year_of(request.GET.get("year"))
    status, error_message = 200, ""
    form = CalendarDayForm()
    if request.method == "POST" and request.POST.get("action") == "clear":
        clear = CalendarClearForm(request.POST)
        status, error_message = 400, "日期无效。"
        if clear.is_valid():
            day = clear.cleaned_data["date"]
            try:
                removed = calendar_day_clear(user=request.user, day=day)
            except DomainError as exc:
                status, error_message = exc.status_code, exc.message
            else:
                if removed:
                    messages.success(request, f"已删除 {date_zh(day)} 的人工设置，该日恢复按日历库计算。")
                return redirect(_calendar_url(day.year))
    elif request.method == "POST":
        form = CalendarDayForm(request.POST)
        status, error_message = 400, "请按提示修改后再提交。"
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = calendar_day_set(
                    user=request.user, day=data["date"], is_workday=data["is_workday"], note=data["note"]
                )
            except DomainError as exc:
                apply_errors(form, exc)
                status, error_message = exc.status_code, exc.message
            else:
                kind = "工作日" if entry.is_workday else "休息日"
                messages.success(request, f"已将 {date_zh(entry.date)} 设为{kind}。")
                return redirect(_calendar_url(entry.date.year))
    context = {
        "year": year,
        "days": CalendarDay.objects.filter(date__year=year).order_by("date"),
        "form": form,
        "error_message": error_message,
        "can_edit": is_city_bureau(request.user),
        "library_last_year": LIBRARY_LAST_YEAR,
        "library_knows_year": year <= LIBRARY_LAST_YEAR,
        "history": timeline_rows(chain=CALENDAR_CHAIN,
                                 records=chain_records(chain=CALENDAR_CHAIN).order_by("-seq")[:HISTORY_SIZE]),
    }
    return render(request, "market/bureau/calendar.html", context, status=status)


urlpatterns = [
    path("bureau/entries/", bureau_entries, name="bureau_entries"),
    path("bureau/entries/<int:pk>/", bureau_entry, name="bureau_entry"),
    path("bureau/requests/", bureau_requests, name="bureau_requests"),
    path("bureau/rules/", bureau_rules, name="bureau_rules"),
    path("bureau/calendar/", bureau_calendar, name="bureau_calendar"),
]
