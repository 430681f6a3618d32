from django.contrib import admin

from portal.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "source", "published_at")
    list_filter = ("kind",)
    search_fields = ("title", "body")
