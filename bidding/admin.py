"""Admin of invitations and sign-ups: read-only, both are written by the workflow."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from market.models import Invitation, SignUp


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("request", "organisation", "round", "mail_status", "created_at")
    list_filter = ("mail_status", "round")
    search_fields = ("=request__code", "request__title", "organisation__name", "=organisation__uscc")
    list_select_related = ("request", "organisation")
    date_hierarchy = "created_at"
    fields = ("request", "organisation", "round", "mail_status", "mail_error", "created_at")
    readonly_fields = fields


@admin.register(SignUp)
class SignUpAdmin(ReadOnlyAdmin):
    list_display = ("request", "organisation", "round", "user", "created_at")
    list_filter = ("round",)
    search_fields = ("=request__code", "request__title", "organisation__name", "=organisation__uscc")
    list_select_related = ("request", "organisation", "user")
    date_hierarchy = "created_at"
    fields = ("request", "organisation", "round", "user", "created_at")
    readonly_fields = fields
