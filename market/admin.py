"""Admin of the market's back-office data.

Editable here: the catalogue (服务事项) and the qualification types. Everything the
workflow writes with an audit trail is read-only: entries, requests, documents'
metadata, and also the rules and the working-day calendar, which city bureau staff change
on their own pages (/bureau/rules/, /bureau/calendar/) so that every change is recorded.
"""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from accounts.models import Document
from audit.admin import ReadOnlyAdmin, ReadOnlyInline
from core.models import CalendarDay, Heartbeat, Rule
from market.models import (
    Entry,
    Qualification,
    QualificationType,
    RequestExclusion,
    ServiceItem,
    ServiceRequest,
)


@admin.register(QualificationType)
class QualificationTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "grades_label", "issuer")
    search_fields = ("code", "name", "issuer")
    ordering = ("code",)

    @admin.display(description="等级（由低到高）")
    def grades_label(self, obj: QualificationType) -> str:
        return " < ".join(obj.grades) if obj.grades else "—"


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "approval", "qualification_type", "min_grade", "active")
    list_filter = ("active", "qualification_type")
    search_fields = ("code", "name", "approval", "legal_basis")
    list_select_related = ("qualification_type",)
    ordering = ("code",)


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdmin):
    list_display = ("key", "label", "value", "unit", "min_value", "updated_at", "updated_by")
    search_fields = ("key", "label", "source")
    list_select_related = ("updated_by",)
    readonly_fields = ("key", "label", "value", "unit", "min_value", "source", "updated_at", "updated_by")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": "规则参数（只读；请在前台“规则参数”页面修改，修改记入审计链）"}
        return super().changelist_view(request, extra_context)


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "is_workday", "note")
    list_filter = ("is_workday",)
    search_fields = ("note",)
    date_hierarchy = "date"
    readonly_fields = ("date", "is_workday", "note")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": "工作日历（只读；请在前台“工作日历”页面修改，修改记入审计链）"}
        return super().changelist_view(request, extra_context)


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """Metadata only: files are served by the permission-checked download view."""

    list_display = ("original_name", "organisation", "content_type", "size", "sha256_short", "uploaded_by",
                    "created_at")
    search_fields = ("original_name", "=sha256", "organisation__name")
    list_select_related = ("organisation", "uploaded_by")
    date_hierarchy = "created_at"
    fields = ("original_name", "content_type", "size", "sha256", "organisation", "uploaded_by", "created_at",
              "download")
    readonly_fields = fields

    @admin.display(description="SHA-256")
    def sha256_short(self, obj: Document) -> str:
        return f"{obj.sha256[:16]}…"

    @admin.display(description="下载")
    def download(self, obj: Document) -> str:
        return format_html('<a href="/documents/{}/">下载（按权限校验）</a>', obj.pk)


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    """Entries are reviewed on the bureau's pages (/bureau/entries/)."""

    list_display = ("organisation", "organisation_uscc", "organisation_region", "status", "legal_rep", "submitted_at",
                    "approved_at")
    list_filter = ("status", "organisation__region")
    search_fields = ("organisation__name", "=organisation__uscc", "legal_rep")
    list_select_related = ("organisation", "organisation__region")
    fields = ("organisation", "status", "legal_rep", "business_scope", "licence", "commitment_accepted_at",
              "submitted_at", "reviewed_at", "reviewed_by", "return_reason", "approved_at", "qualification_list",
              "staff_list")
    readonly_fields = fields

    @admin.display(description="统一社会信用代码", ordering="organisation__uscc")
    def organisation_uscc(self, obj: Entry) -> str:
        return obj.organisation.uscc

    @admin.display(description="所在区划", ordering="organisation__region")
    def organisation_region(self, obj: Entry) -> str:
        return obj.organisation.region.name

    @admin.display(description="资质证书")
    def qualification_list(self, obj: Entry) -> str:
        rows = obj.organisation.qualifications.select_related("qualification_type")
        return format_html_join(
            "", "<div>{} {} {}（有效期至 {}）</div>",
            ((q.qualification_type.name, q.grade, q.cert_no, q.valid_until) for q in rows),
        ) or "—"

    @admin.display(description="执业人员")
    def staff_list(self, obj: Entry) -> str:
        return format_html_join(
            "", "<div>{}（{}）{}</div>", ((s.name, s.title, s.cert_no) for s in obj.organisation.staff.all())
        ) or "—"


@admin.register(Qualification)
class QualificationAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "qualification_type", "grade", "cert_no", "valid_until")
    list_filter = ("qualification_type",)
    search_fields = ("organisation__name", "cert_no")
    list_select_related = ("organisation", "qualification_type")
    fields = ("organisation", "qualification_type", "grade", "cert_no", "valid_until", "scan")
    readonly_fields = fields


class ExclusionInline(ReadOnlyInline):
    model = RequestExclusion
    fields = ("organisation", "reason")
    readonly_fields = fields


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ReadOnlyAdmin):
    """Requests move only through the owner's and the bureau's pages. The draw's secret
    nonce is never shown before the draw publishes it, so it is left out here."""

    list_display = ("code", "title", "owner", "region", "service_item", "method", "status", "ceiling", "published_at",
                    "signup_deadline")
    list_filter = ("status", "method", "funding", "region")
    search_fields = ("=code", "title", "owner__name", "project_code")
    list_select_related = ("owner", "region", "service_item")
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = (
        "code", "status", "owner", "created_by", "service_item", "region", "title", "scope", "funding",
        "project_code", "ceiling", "floor", "method", "signup_deadline", "selection_at", "service_days",
        "auction_minutes", "min_step", "allow_abnormally_low", "contact_name", "contact_phone", "draw_commitment",
        "publish_count", "failure_count", "published_at", "status_changed_at", "closing_reason", "created_at",
    )
    readonly_fields = fields
    inlines = [ExclusionInline]


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("name", "at")
    readonly_fields = ("name", "at")
