"""Admin of credit events: read-only. Sanctions are issued, appealed and lifted on the
bureau's pages, where each step is recorded in the firm's audit chain."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from credit.models import CreditEvent


@admin.register(CreditEvent)
class CreditEventAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "kind", "sanction", "points", "status", "region", "starts_at", "ends_at")
    list_filter = ("sanction", "status", "region")
    search_fields = ("organisation__name", "=organisation__uscc", "kind", "description")
    list_select_related = ("organisation", "region")
    date_hierarchy = "starts_at"
    fields = ("organisation", "kind", "sanction", "points", "rule_source", "description", "region", "officer",
              "request", "cause_key", "starts_at", "ends_at", "status", "created_at")
    readonly_fields = fields
