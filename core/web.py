"""What every app's views share: role guards, turning service errors into 4xx answers,
reading ids from requests. Adapters only: domain code never imports this module."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render

from core.exceptions import DomainError

ERROR_TEMPLATE = "error.html"


def role_required(*kinds: str):
    """Allow only logged-in users whose organisation is of one of `kinds` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.organisation_id is None or user.organisation.kind not in kinds:
                return render(request, ERROR_TEMPLATE, {"message": "您的账号无权访问此页面。"}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def error_response(request, exc: DomainError, *, template: str = ERROR_TEMPLATE, context: dict | None = None):
    """Render a service error with its status code (400/403/404/409), never a 500."""
    ctx = {"message": exc.message, "errors": exc.errors, **(context or {})}
    return render(request, template, ctx, status=exc.status_code)


def apply_errors(form, exc: DomainError) -> None:
    """Copy a service's field errors onto a bound form (unknown fields go to the form)."""
    for field, messages in (exc.errors or {"": [exc.message]}).items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def id_or_404(raw) -> int:
    """A positive integer id from a URL or a form, else 404 (never a 500)."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise Http404 from None
    if value < 1 or value > 2**63 - 1:
        raise Http404
    return value
