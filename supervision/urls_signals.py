"""URLs of the anti-avoidance pages; included by `supervision.urls` (app_name "supervision")."""

from django.urls import path

from supervision.views_signals import signal_case, signal_cases

urlpatterns = [
    path("bureau/signals/", signal_cases, name="signal_cases"),
    path("bureau/signals/<str:pk>/", signal_case, name="signal_case"),
]
