"""The public page of the published audit heads (审计链公布): every day's root, one day's
chain heads, and the heads of one chain. Thin: reads from `audit.selectors`."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.api import parse_day
from audit.models import AuditRecord, DailyRoot
from audit.selectors import chain_heads_published, day_heads_published, roots_published
from audit.services import GENESIS, ROOT_ALGORITHM
from audit.timeline import chain_title

DAYS_PER_PAGE = 30
HEADS_PER_PAGE = 100


@require_GET
def heads(request):
    """Every published day with its root, newest first; with `?chain=`, that chain's heads."""
    chain = (request.GET.get("chain") or "").strip()[:60]
    context = {"chain": chain, "algorithm": ROOT_ALGORITHM, "genesis": GENESIS}
    if chain:
        page = Paginator(chain_heads_published(chain=chain), HEADS_PER_PAGE).get_page(request.GET.get("page"))
        last = AuditRecord.objects.filter(chain=chain).order_by("-seq").values_list("seq", flat=True).first()
        context.update(page=page, rows=list(page.object_list), chain_title=chain_title(chain), current_count=last or 0)
    else:
        page = Paginator(roots_published(), DAYS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(page=page, rows=list(page.object_list))
    return render(request, "audit/heads.html", context)


@require_GET
def heads_day(request, day: str):
    """One published day: its root, the previous root and the heads it was computed from."""
    parsed = parse_day(day)
    root = DailyRoot.objects.filter(day=parsed).first() if parsed else None
    if root is None:
        raise Http404
    page = Paginator(day_heads_published(day=parsed), HEADS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(head, chain_title(head.chain)) for head in page.object_list]
    return render(request, "audit/heads_day.html", {
        "root": root, "page": page, "rows": rows, "algorithm": ROOT_ALGORITHM,
    })
