from django.urls import path  # noqa: F401

app_name = "supervision"

urlpatterns: list = []

from supervision import urls_signals  # noqa: E402

urlpatterns += urls_signals.urlpatterns
