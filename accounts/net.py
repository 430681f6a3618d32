"""The client's address, as far as it can be trusted.

Behind a reverse proxy every request comes from the proxy's address, so throttles keyed on
REMOTE_ADDR would lump every user of the city together. The proxy appends the address it
saw to `X-Forwarded-For`; a client can put anything in front of that. So the header is read
only when `TRUSTED_PROXY_COUNT` (proxies we run, in front of Django) is set, and then the
address is the one the outermost trusted proxy appended: the `TRUSTED_PROXY_COUNT`-th from
the right. Without the setting the header is ignored entirely.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from django.conf import settings


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip_from(*, remote_addr: str | None, forwarded_for: str | None) -> str | None:
    """The client address given the peer address and the `X-Forwarded-For` header value.

    Returns None when nothing usable is known (then callers key on "unknown").
    """
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count > 0 and forwarded_for:
        parts = [p.strip() for p in forwarded_for.split(",") if p.strip()]
        if parts:
            candidate = parts[-count] if len(parts) >= count else parts[0]
            ip = _valid_ip(candidate)
            if ip is not None:
                return ip
    return _valid_ip(remote_addr) if remote_addr else None


def client_ip(request) -> str | None:
    """The client address of a Django request (see the module docstring)."""
    meta: Mapping[str, str] = request.META
    return client_ip_from(remote_addr=meta.get("REMOTE_ADDR"), forwarded_for=meta.get("HTTP_X_FORWARDED_FOR"))
