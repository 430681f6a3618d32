from django.urls import path  # noqa: F401

from supervision import views_warnings

app_name = "supervision"

urlpatterns: list = [
    *views_warnings.urlpatterns,
]
