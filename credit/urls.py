"""Addresses of the credit pages."""

from django.urls import path

from credit.views import (
    bureau_credit,
    bureau_event,
    bureau_sanctions,
    firm_appeal,
    firm_credit,
    public_list,
    score_breakdown,
)

app_name = "credit"

urlpatterns = [
    path("credit/", public_list, name="public_list"),
    path("credit/firms/<int:pk>/", score_breakdown, name="score"),
    path("firm/credit/", firm_credit, name="firm_credit"),
    path("firm/credit/events/<int:pk>/appeal/", firm_appeal, name="firm_appeal"),
    path("bureau/credit/", bureau_credit, name="bureau_credit"),
    path("bureau/credit/events/<int:pk>/", bureau_event, name="bureau_event"),
    path("bureau/credit/sanctions/", bureau_sanctions, name="bureau_sanctions"),
]
