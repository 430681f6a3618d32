"""Jurisdiction, written once: which bureau officer may see and act on what.

City bureau staff (行政审批局, region of level "city") act everywhere; county staff only
in their own region. Intermediaries and credit are city-wide, so reading credit is open to
every bureau officer; acting on a credit event is limited to the region that issued it
(city staff: all). Every check in the project goes through these functions.
"""

from django.db.models import Q


def _bureau_org(user):
    org = getattr(user, "organisation", None) if getattr(user, "is_authenticated", False) else None
    return org if org is not None and org.is_bureau else None


def is_bureau(user) -> bool:
    """Whether `user` is bureau staff (city or county)."""
    return _bureau_org(user) is not None


def is_city_bureau(user) -> bool:
    """Whether `user` is city bureau staff, who act everywhere and alone edit city-wide rules."""
    org = _bureau_org(user)
    return bool(org and org.region.is_city)


def bureau_covers(*, user, region_id: str | None) -> bool:
    """Whether bureau officer `user` may see and act on something of region `region_id`."""
    org = _bureau_org(user)
    return bool(org and (org.region.is_city or (region_id is not None and org.region_id == region_id)))


def bureau_scope(*, user, field: str = "region_id") -> Q | None:
    """A filter on `field` (a region code path) limiting a queryset to the officer's scope:
    `Q()` (everything) for city staff, `Q(field=region)` for county staff, and None for
    anyone who is not bureau staff (the caller returns nothing)."""
    org = _bureau_org(user)
    if org is None:
        return None
    return Q() if org.region.is_city else Q(**{field: org.region_id})


def bureau_filter(qs, *, user, field: str = "region_id"):
    """`qs` limited to what bureau officer `user` may see (empty for anyone else)."""
    scope = bureau_scope(user=user, field=field)
    return qs.none() if scope is None else qs.filter(scope)
