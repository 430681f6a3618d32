"""The identities this test provider vouches for: a scope `yczjcs` with the unified social
credit code and the resident ID number, as the province's system would release them.
Each provider user's identity is kept in its `first_name` (credit code) and `last_name`
(ID number) fields, set by `tests.oidc_op.setup`."""

from django.utils.translation import gettext_lazy as _
from oidc_provider.lib.claims import ScopeClaims


def userinfo(claims, user):
    claims["name"] = user.username
    return claims


class IdentityClaims(ScopeClaims):
    info_yczjcs = (_("身份信息"), _("统一社会信用代码与居民身份证号码"))

    def scope_yczjcs(self):
        return {"uscc": self.user.first_name or None, "id_number": self.user.last_name or None}
