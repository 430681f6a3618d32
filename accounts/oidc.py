"""Login through the province's unified identity system (全省统一身份认证), a standard
OpenID Connect relying party on mozilla-django-oidc (code flow, PKCE, nonce, RS256 ID
tokens checked against the provider's keys).

Off unless OIDC_RP_CLIENT_ID is set (see config/settings/base.py, "OIDC"). The identity's
unified social credit code and resident ID number, read from the claims named by
OIDC_CLAIM_USCC and OIDC_CLAIM_ID_NUMBER, find the organisation and the user
(`accounts.selectors.oidc_user_for_claims`); nobody is created here: an identity the
platform does not know is told to register first.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts.models import User
from accounts.selectors import oidc_user_for_claims


class ProvinceOIDCBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims) -> bool:
        # Any identity may try; the mapping below decides (an unknown one logs nobody in).
        return isinstance(claims, dict)

    def filter_users_by_claims(self, claims):
        user = oidc_user_for_claims(claims=claims)
        return User.objects.filter(pk=user.pk) if user is not None else User.objects.none()

    def create_user(self, claims):  # never: owners and firms register, bureau staff are created
        return None

    def update_user(self, user, claims):
        return user

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


def _enabled() -> None:
    if not getattr(settings, "OIDC_ENABLED", False):
        raise Http404


def oidc_login(request):
    """Start the code flow: redirect to the provider's authorisation endpoint."""
    _enabled()
    return OIDCAuthenticationRequestView.as_view()(request)


class _Callback(OIDCAuthenticationCallbackView):
    def login_failure(self):
        messages.error(self.request, "统一身份认证登录未成功：该身份尚未在本平台注册或账号已停用。"
                                     "请先注册（项目业主注册、中介机构注册），或联系本单位管理员添加您的账号。")
        return super().login_failure()


def oidc_callback(request):
    """The provider sends the browser back here with a code; the user is logged in."""
    _enabled()
    return _Callback.as_view()(request)
