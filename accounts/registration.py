"""Self-registration of intermediaries: a new firm account, completed later by the entry
application (入驻). Project owners and bureau staff are set up by the bureau, never here."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

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
    username = (username or "").strip()
    display_name = (display_name or "").strip()
    email = (email or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = ["请填写用户名。"]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["该用户名已被注册。"]
    if not display_name:
        errors["display_name"] = ["请填写姓名。"]
    if not email:
        errors["email"] = ["请填写电子邮箱。"]
    user = User(username=username, display_name=display_name, email=email)
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
