"""Template context every page needs: the user's role and unread inbox count."""

from accounts.models import Notification


def platform(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.organisation_id:
        return {"role": None, "unread_count": 0}
    return {
        "role": user.organisation.kind,
        "unread_count": Notification.objects.filter(organisation_id=user.organisation_id, read_at__isnull=True).count(),
    }
