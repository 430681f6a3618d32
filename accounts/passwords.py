"""A password length rule that knows the user's role."""

from django.core.exceptions import ValidationError


class RoleAwareMinimumLengthValidator:
    """At least `min_length` characters; at least `privileged_min_length` for bureau staff,
    organisation administrators and back-office staff (`accounts.selectors.is_privileged`);
    at most `max_length` for everybody.

    Django calls validators with the user the password is for (None when unknown: then the
    ordinary minimum applies, and the stricter one is checked again once the user is known).
    """

    def __init__(self, min_length: int = 8, privileged_min_length: int = 12, max_length: int = 128):
        self.min_length = min_length
        self.privileged_min_length = privileged_min_length
        self.max_length = max_length

    def _required(self, user) -> int:
        from accounts.selectors import is_privileged

        if user is not None and is_privileged(user):
            return self.privileged_min_length
        return self.min_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:  # hashing is deliberately slow: bound the input
            raise ValidationError(f"密码不能超过{self.max_length}个字符。", code="password_too_long")
        required = self._required(user)
        if len(password) < required:
            if required == self.privileged_min_length and required != self.min_length:
                message = f"行政审批局工作人员和机构管理员的密码至少需要{required}个字符。"
            else:
                message = f"密码至少需要{required}个字符。"
            raise ValidationError(message, code="password_too_short", params={"min_length": required})

    def get_help_text(self) -> str:
        return (f"密码至少{self.min_length}个字符；行政审批局工作人员和机构管理员至少"
                f"{self.privileged_min_length}个字符。")
