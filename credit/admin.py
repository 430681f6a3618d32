"""Admin of credit events: read-only. Sanctions are issued, appealed and lifted on the
bureau's pages, where each step is recorded in the firm's audit chain."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from credit.models import CreditAppeal, CreditEvent, CreditScore, SanctionRule


@admin.register(CreditEvent)
class CreditEventAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "kind", "sanction", "points", "status", "region", "starts_at", "ends_at")
    list_filter = ("sanction", "status", "region")
    search_fields = ("organisation__name", "=organisation__uscc", "kind", "description")
    list_select_related = ("organisation", "region")
    date_hierarchy = "starts_at"
    fields = ("organisation", "kind", "kind_code", "severity", "sanction", "points", "rule_source", "description",
              "region", "officer", "evidence", "request", "cause_key", "starts_at", "ends_at", "ban_until", "status",
              "status_reason", "status_changed_at", "status_changed_by", "created_at")
    readonly_fields = fields


@admin.register(SanctionRule)
class SanctionRuleAdmin(ReadOnlyAdmin):
    """Edited on the bureau's 失信惩戒标准 page, where each change is recorded."""

    list_display = ("kind", "severity", "sanction", "months", "ban_years", "points", "updated_at")


@admin.register(CreditAppeal)
class CreditAppealAdmin(ReadOnlyAdmin):
    list_display = ("event", "status", "filed_at", "answer_due", "answered_at")
    list_select_related = ("event", "event__organisation")


@admin.register(CreditScore)
class CreditScoreAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "score", "stars", "owner_part", "sector_part", "credit_part", "computed_at")
    list_select_related = ("organisation",)
