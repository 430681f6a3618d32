from django.urls import path

from supervision import urls_signals, views_stats, views_warnings

app_name = "supervision"

# One line per page; the parts of the app (statistics, signals, warnings) add their own.
urlpatterns: list = [
    path("bureau/supervision/", views_stats.dashboard, name="dashboard"),
    path("bureau/supervision/export/<slug:key>.<str:fmt>", views_stats.export, name="export"),
    path("statistics/", views_stats.public_stats, name="public_stats"),
    path("statistics/export/<slug:key>.<str:fmt>", views_stats.public_export, name="public_export"),
]
urlpatterns += urls_signals.urlpatterns
urlpatterns += views_warnings.urlpatterns
