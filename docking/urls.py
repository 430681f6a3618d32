from django.urls import path

from docking import open_data, views

app_name = "docking"

urlpatterns = [
    path("feeds/announcements/", open_data.AnnouncementFeed(), name="announcement_feed"),
    path("bureau/api-keys/", views.key_list, name="key_list"),
    path("bureau/api-keys/new/", views.key_new, name="key_new"),
    path("bureau/api-keys/<int:key_id>/", views.key_detail, name="key_detail"),
    path("bureau/api-keys/<int:key_id>/revoke/", views.key_revoke, name="key_revoke"),
]
