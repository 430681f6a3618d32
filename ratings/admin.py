"""Admin of ratings: read-only. Ratings, disputes and sector ratings are written on the
rating pages, where each step is recorded in the request's audit chain."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from ratings.models import Rating, RatingDispute, SectorRating


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("request", "side", "rater", "rated", "overall", "is_default", "status", "created_at")
    list_filter = ("side", "overall", "is_default", "status")
    list_select_related = ("request", "rater", "rated")


@admin.register(RatingDispute)
class RatingDisputeAdmin(ReadOnlyAdmin):
    list_display = ("rating", "status", "filed_at", "answer_due", "answered_at")


@admin.register(SectorRating)
class SectorRatingAdmin(ReadOnlyAdmin):
    list_display = ("request", "firm", "bureau", "quality", "created_at")
    list_select_related = ("request", "firm", "bureau")
