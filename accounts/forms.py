"""Forms of accounts: login (with a CAPTCHA once a username fails from one address), the
admin's login under the same rule, password change and reset, the second factor."""

from captcha.fields import CaptchaField
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError

from accounts.net import client_ip
from accounts.services import (
    address_attempt_count,
    address_needs_captcha,
    login_needs_captcha,
)

CAPTCHA_MESSAGE = "请输入图中的验证码。"


def _captcha_solved(form) -> bool:
    """Whether the bound form carries a CAPTCHA answer that its field accepted (the field is
    optional: an empty answer passes the field but is no answer)."""
    answered = bool(str(form.data.get(form.add_prefix("captcha") + "_1") or "").strip())
    return answered and "captcha" in form.fields and not form.has_error("captcha")


def _captcha_field() -> CaptchaField:
    return CaptchaField(label="验证码", required=False, error_messages={"invalid": "验证码错误，请重新输入。"})


class CaptchaLoginMixin:
    """For an AuthenticationForm: a CAPTCHA is required once `login_needs_captcha` says so
    for the submitted username and the client address (never a lock: with the CAPTCHA the
    right password still logs in)."""

    captcha_required = False

    def _add_captcha(self) -> None:
        self.fields["captcha"] = _captcha_field()

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and login_needs_captcha(username=username, ip=client_ip(self.request)):
            self.captcha_required = True
            if not _captcha_solved(self):
                raise ValidationError(CAPTCHA_MESSAGE, code="captcha_required")
        return super().clean()

    def refresh_captcha_need(self) -> None:
        """After a failed attempt (now counted): show the CAPTCHA if the pair now needs it."""
        username = (self.data.get("username") or "").strip()
        self.captcha_required = bool(username) and login_needs_captcha(username=username, ip=client_ip(self.request))


class LoginForm(CaptchaLoginMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "该账号已停用，请联系本单位管理员。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["username"].error_messages["required"] = "请输入用户名。"
        self.fields["password"].label = "密码"
        self.fields["password"].error_messages["required"] = "请输入密码。"
        self._add_captcha()


class AdminLoginForm(CaptchaLoginMixin, AdminAuthenticationForm):
    """The Django admin's login under the same rule as the site's."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self._add_captcha()

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if not valid:
            self.refresh_captcha_need()
        return valid


class AddressCaptchaMixin:
    """A CAPTCHA once an address has submitted a form more than `limit` times in an hour
    (`accounts.services.address_needs_captcha`); each valid submission counts one."""

    throttle_scope = ""
    captcha_required = False

    def setup_captcha(self, *, request, limit: int) -> None:
        self._request, self._limit = request, limit
        self.captcha_required = address_needs_captcha(scope=self.throttle_scope, ip=client_ip(request), limit=limit)
        if self.captcha_required:  # shown (and checked) only when needed
            self.fields["captcha"] = _captcha_field()

    def clean(self):
        cleaned = super().clean()
        if self.captcha_required and not self.has_error("captcha") and not _captcha_solved(self):
            raise ValidationError(CAPTCHA_MESSAGE, code="captcha_required")
        return cleaned

    def count_attempt(self) -> None:
        """Count a submission that passed (call once the form is valid)."""
        address_attempt_count(scope=self.throttle_scope, ip=client_ip(self._request))


class ResetRequestForm(AddressCaptchaMixin, PasswordResetForm):
    throttle_scope = "password-reset"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "注册时填写的电子邮箱"
        self.fields["email"].max_length = 254
        self.fields["email"].error_messages.update({"required": "请填写电子邮箱。", "invalid": "电子邮箱格式不正确。"})


class TokenForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    token = forms.CharField(
        label="动态验证码", min_length=6, max_length=8,
        error_messages={"required": "请输入动态验证码。", "min_length": "动态验证码为6位数字。",
                        "max_length": "动态验证码为6位数字。"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not token.isdigit():
            raise ValidationError("动态验证码为6位数字。")
        return token
