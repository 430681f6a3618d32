"""Admin of invitations, sign-ups and comparison quotes and openings: read-only, all are
written by the workflow."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from bidding.models import ComparisonOpening, ComparisonQuote
from core.format import money
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


@admin.register(ComparisonQuote)
class ComparisonQuoteAdmin(ReadOnlyAdmin):
    """Sealed quotes: before the opening only digests and times, never the ciphertext, the
    amount or the document (the amount column is filled at the opening)."""

    list_display = ("request", "organisation", "round", "submitted_at", "submissions", "amount_shown", "quote_sha256")
    list_filter = ("round",)
    search_fields = ("=request__code", "organisation__name", "=organisation__uscc")
    list_select_related = ("request", "organisation")
    fields = ("request", "organisation", "round", "submitted_by", "submitted_at", "submissions", "quote_sha256",
              "document_sha256", "document_size", "amount_shown", "document_name", "opened_at")
    readonly_fields = fields

    @admin.display(description="报价")
    def amount_shown(self, obj: ComparisonQuote) -> str:
        return money(obj.amount) if obj.opened_at is not None and obj.amount is not None else "密封中（开标后显示）"


@admin.register(ComparisonOpening)
class ComparisonOpeningAdmin(ReadOnlyAdmin):
    list_display = ("request", "round", "status", "opened_at", "scoring_due", "closed_at")
    list_filter = ("status",)
    search_fields = ("=request__code",)
    list_select_related = ("request",)
    fields = ("request", "round", "status", "opened_at", "scoring_due", "closed_at", "record", "result")
    readonly_fields = fields
