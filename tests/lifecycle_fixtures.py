"""FIXTURE ONLY: reach states whose transitions another issue builds (the lifecycle after
selection: publicity, contract, in service, delivered, owner accepts → completed).

Until those services exist, tests put a request straight into `completed` with a queryset
update (which bypasses the FSM's protection on purpose). Replace with the lifecycle
services once they are merged.
"""

from datetime import datetime

from django.utils import timezone

from market.models import ServiceRequest
from tests.factories import firm_user, owner_user, published_request, service_item


def completed_request(*, owner=None, firm=None, region_code: str = "360900", completed_at: datetime | None = None):
    """A request of `owner` whose selected firm is `firm`, put into `completed` directly."""
    item = service_item()
    owner = owner or owner_user(region_code=region_code)
    firm = firm or firm_user(item=item)
    req = published_request(owner=owner, item=item)
    ServiceRequest.objects.filter(pk=req.pk).update(  # fixture only, see module docstring
        status=ServiceRequest.Status.COMPLETED, selected_firm=firm.organisation,
        status_changed_at=completed_at or timezone.now(),
    )
    req.refresh_from_db()
    return req, owner, firm
