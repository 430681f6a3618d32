"""The warnings page (期限预警): each user's yellow and red steps — an owner's or a firm's
own, a bureau officer's whole scope. A thin adapter of `selectors_warnings`; a GET writes
nothing."""

from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_safe

from core.jurisdiction import is_bureau
from core.web import role_required
from supervision.selectors_warnings import warnings_count, warnings_for

LEVELS = {"red": "红色预警", "yellow": "黄色预警"}


@role_required("owner", "intermediary", "bureau")
@require_safe
def warnings_list(request):
    """Yellow and red warnings the user may see, red first; `?level=red|yellow` keeps one colour
    (any other value is ignored)."""
    warnings = warnings_for(user=request.user, now=timezone.now())
    counts = warnings_count(warnings)
    level = request.GET.get("level", "")
    if level in LEVELS:
        warnings = [w for w in warnings if w.level == level]
    else:
        level = ""
    org = request.user.organisation
    scope = ("全市" if org.region.is_city else org.region.name) if is_bureau(request.user) else org.name
    return render(request, "supervision/warnings.html", {
        "warnings": warnings, "counts": counts, "level": level, "levels": LEVELS, "scope": scope,
        "bureau": is_bureau(request.user),
    })


urlpatterns = [
    path("warnings/", warnings_list, name="warnings"),
]
