"""Self-registration of intermediaries: a new firm account, completed later by the entry
application (入驻). Project owners and bureau staff are set up by the bureau, never here."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.bounds import clean_text
from accounts.models import Organisation, User
from core.exceptions import ValidationFailed

# The city itself: a firm's region until its entry application says where it is.
DEFAULT_REGION_CODE = "360900"
PLACEHOLDER_SUFFIX = "（待完善）"


@transaction.atomic
def intermediary_register(*, username: str, password: str, display_name: str, email: str) -> User:
    """Create an intermediary organisation and its first user, and return the user.

    The organisation is named after the person until the entry form gives the firm's
    real name. Raises ValidationFailed with field errors ("username", "display_name",
    "email", "password") for a taken username or a password Django's validators refuse;
    nothing is written then.
    """
    errors: dict[str, list[str]] = {}
    username = clean_text(errors, "username", username, label="用户名", max_length=150)
    display_name = clean_text(errors, "display_name", display_name, label="姓名", max_length=40)
    email = clean_text(errors, "email", email, label="电子邮箱", max_length=254)
    if username and "username" not in errors and User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["该用户名已被注册。"]
    if password is None or len(password) > 128:
        errors["password"] = ["密码不能超过128个字符。"]
        password = ""
    # The firm's first user is its administrator (adds and disables its other users), so the
    # administrators' password rule applies.
    user = User(username=username, display_name=display_name, email=email, is_org_admin=True)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed("注册信息有误，请按提示修改。", errors=errors)
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                kind=Organisation.Kind.INTERMEDIARY,
                name=f"{display_name}{PLACEHOLDER_SUFFIX}",
                region_id=DEFAULT_REGION_CODE,
                contact_name=display_name,
                email=email,
            )
            user.organisation = organisation
            user.set_password(password)
            user.save()
    except IntegrityError:
        # Two registrations raced for the same username: the loser is told, nothing kept.
        raise ValidationFailed("该用户名已被注册。", errors={"username": ["该用户名已被注册。"]}) from None
    return user
