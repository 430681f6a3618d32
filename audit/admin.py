"""Admin of the audit trail: read-only, since records are append-only and hash-chained.

`ReadOnlyAdmin` is shared by the other apps' admins for data only the workflow writes.
"""

from django.contrib import admin

from audit.models import AuditRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows records but never adds, changes or deletes them: the workflow
    (services with their audit trail) is the only writer."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("chain", "seq", "kind", "actor_label", "from_state", "to_state", "at")
    list_filter = ("kind",)
    search_fields = ("=chain", "actor_label", "=hash")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    show_full_result_count = False
    list_select_related = False
    fields = ("chain", "seq", "kind", "actor", "actor_label", "from_state", "to_state", "reason", "data", "at",
              "prev_hash", "hash")
    readonly_fields = fields
