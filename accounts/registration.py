"""Self-registration: intermediaries (a firm account, completed later by the entry
application, 入驻) and project owners (项目业主注册: a unit with its unified social credit
code and a signed authorisation letter, or a natural person with a resident ID number,
reviewed by the bureau of its region). Bureau staff are set up by the city bureau
(`accounts.services_people`), never here. Every registrant is its organisation's
administrator, so the administrators' password rule (12 characters) applies.
"""

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.bounds import clean_text, raise_if
from accounts.models import Organisation, OwnerApplication, Region, User
from audit.services import record_append
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from core.idnumber import id_number_normalize, id_number_problem
from core.jurisdiction import bureau_covers
from core.locking import lock_rows
from core.uscc import normalize_uscc, uscc_problem

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


# ---------------------------------------------------------------------------------------
# Project owners (项目业主注册)

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,40}$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{7,20}$")
RETURN_REASON_MAX = 500


def owner_chain(organisation_id: int) -> str:
    return f"owner:{organisation_id}"


def _owner_facts(errors, *, is_person: bool, name, uscc, id_number, region_code, contact_name, phone, email,
                 address, exclude_org: int | None = None, exclude_user: int | None = None) -> dict:
    """The bounded, checked facts of an owner registration; problems go into `errors`."""
    facts = {
        "name": clean_text(errors, "name", name, label="姓名" if is_person else "单位名称", max_length=40 if is_person else 120),
        "contact_name": clean_text(errors, "contact_name", contact_name, label="联系人", max_length=40),
        "phone": clean_text(errors, "phone", phone, label="联系电话", max_length=30),
        "email": clean_text(errors, "email", email, label="电子邮箱", max_length=254),
        "address": clean_text(errors, "address", address, label="地址", max_length=200, required=False),
        "uscc": "",
        "id_number": "",
    }
    if facts["phone"] and not PHONE_RE.match(facts["phone"]):
        errors.setdefault("phone", []).append("联系电话格式不正确。")
    if facts["email"]:
        from django.core.validators import validate_email

        try:
            validate_email(facts["email"])
        except ValidationError:
            errors.setdefault("email", []).append("电子邮箱格式不正确。")
    region = Region.objects.filter(pk=str(region_code or "")[:6]).first()
    if region is None:
        errors.setdefault("region", []).append("请选择所在区划。")
    facts["region"] = region
    raw_id = clean_text(errors, "id_number", id_number, label="居民身份证号码", max_length=30, required=is_person)
    if raw_id:
        number = id_number_normalize(raw_id)
        problem = id_number_problem(number)
        if problem:
            errors.setdefault("id_number", []).append(problem[1])
        elif User.objects.filter(id_number=number).exclude(pk=exclude_user).exists():
            errors.setdefault("id_number", []).append("该居民身份证号码已注册，请直接登录或找回密码。")
        else:
            facts["id_number"] = number
    if not is_person:
        raw = clean_text(errors, "uscc", uscc, label="统一社会信用代码", max_length=30)
        if raw:
            code = normalize_uscc(raw)
            problem = uscc_problem(code)
            if problem:
                errors.setdefault("uscc", []).append(problem[1])
            elif Organisation.objects.filter(uscc=code).exclude(pk=exclude_org).exists():
                errors.setdefault("uscc", []).append("该统一社会信用代码已注册，请由本单位管理员添加您的账号。")
            else:
                facts["uscc"] = code
    return facts


def _bureaus_of(region: Region) -> list[Organisation]:
    """The bureau organisations that review a registration of `region`: its own and the city's."""
    from django.db.models import Q

    return list(Organisation.objects.filter(Q(region=region) | Q(region__level=Region.Level.CITY),
                                            kind=Organisation.Kind.BUREAU))


def _notify_bureaus(application: OwnerApplication) -> None:
    from accounts.services import notification_push

    org = application.organisation
    for bureau in _bureaus_of(org.region):
        notification_push(
            organisation=bureau, kind="owner_application", title=f"项目业主注册待审核：{org.name}",
            url=f"/accounts/owner-applications/{application.pk}/",
            dedupe_key=f"owner-application:{application.pk}:{application.submitted_at.isoformat()}",
        )


@transaction.atomic
def owner_register(*, is_person: bool, name: str, uscc: str = "", id_number: str = "", region_code: str,
                   contact_name: str, phone: str, email: str, address: str = "", username: str, password: str,
                   letter=None) -> User:
    """Register a project owner: its organisation, its first user (the administrator) and
    its application, submitted to the bureau of its region, which is notified.

    A unit (`is_person` false) needs a valid unified social credit code not yet registered
    and the signed authorisation letter (`letter`, an uploaded file, stored through
    `accounts.services.document_store`); a natural person a valid resident ID number not
    yet registered. Raises ValidationFailed with a message per field; nothing is written
    then. The owner cannot publish before the application is approved.
    """
    from accounts.services import document_store

    is_person = bool(is_person)
    errors: dict[str, list[str]] = {}
    facts = _owner_facts(errors, is_person=is_person, name=name, uscc=uscc, id_number=id_number,
                         region_code=region_code, contact_name=contact_name, phone=phone, email=email,
                         address=address)
    username = clean_text(errors, "username", username, label="用户名", max_length=40)
    if username and not USERNAME_RE.match(username):
        errors.setdefault("username", []).append("用户名为3至40位英文字母、数字或 _ . @ + -。")
    elif username and User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append("该用户名已被注册。")
    if not is_person and letter is None:
        errors.setdefault("letter", []).append("请上传加盖单位公章的授权委托书。")
    user = User(username=username, display_name=facts["contact_name"] if not is_person else facts["name"],
                email=facts["email"], id_number=facts["id_number"], is_org_admin=True)
    if not isinstance(password, str) or len(password) > 128:
        errors.setdefault("password", []).append("密码不能超过128个字符。")
    else:
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            errors.setdefault("password", []).extend(exc.messages)
    raise_if(errors, "注册信息有误，请按提示修改。")
    try:
        with transaction.atomic():
            org = Organisation.objects.create(
                kind=Organisation.Kind.OWNER, is_person=is_person, name=facts["name"], uscc=facts["uscc"],
                region=facts["region"], contact_name=facts["contact_name"], phone=facts["phone"],
                email=facts["email"], address=facts["address"],
            )
            user.organisation = org
            user.set_password(password)
            user.save()
    except IntegrityError:
        # A concurrent registration took the username, the code or the ID number.
        raise ValidationFailed("该用户名、统一社会信用代码或身份证号码刚被注册，请核对后重试。") from None
    document = None
    if letter is not None:
        try:
            document = document_store(upload=letter, organisation=org, user=user)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, errors={"letter": exc.errors.get("file") or [exc.message]}) from None
    application = OwnerApplication.objects.create(organisation=org, applicant=user, authorisation_letter=document,
                                                  submitted_at=timezone.now())
    record_append(chain=owner_chain(org.pk), kind="owner_registered", actor=user, to_state=application.status,
                  data={"person": is_person, "uscc": org.uscc, "region": org.region_id,
                        "letter_sha256": document.sha256 if document else ""})
    _notify_bureaus(application)
    return user


def _lock_application(application_id) -> OwnerApplication:
    try:
        number = int(str(application_id))
    except (TypeError, ValueError):
        raise NotAllowed("注册申请不存在。") from None
    application = lock_rows(OwnerApplication.objects.select_related("organisation", "organisation__region")
                            .filter(pk=number)).first()
    if application is None:
        raise NotAllowed("注册申请不存在。")
    return application


@transaction.atomic
def owner_application_review(*, user, application_id, approve: bool, reason: str = "") -> OwnerApplication:
    """The bureau of the owner's region (or the city bureau) approves the registration, or
    returns it with a reason (at most 500 characters) the owner sees. Audited; the owner
    is notified."""
    from accounts.services import notification_push

    application = _lock_application(application_id)
    if not bureau_covers(user=user, region_id=application.organisation.region_id):
        raise NotAllowed("无权审核该注册申请。")
    if application.status != OwnerApplication.Status.SUBMITTED:
        raise InvalidState("该申请不在待审核状态。")
    errors: dict[str, list[str]] = {}
    reason = clean_text(errors, "reason", reason, label="退回理由", max_length=RETURN_REASON_MAX,
                        required=not approve, multiline=True)
    raise_if(errors, "退回须说明理由。" if not approve else "审核意见有误。")
    before, now = application.status, timezone.now()
    if approve:
        application.approve(by=user, at=now)
    else:
        application.return_for_fix(by=user, at=now, reason=reason)
    application.save()
    record_append(chain=owner_chain(application.organisation_id), kind="transition", actor=user,
                  from_state=before, to_state=application.status, reason=reason)
    notification_push(
        organisation=application.organisation, kind="owner_application_reviewed",
        title="项目业主注册已通过审核，现在可以发布采购需求" if approve else "项目业主注册被退回，请按理由修改后重新提交",
        body=reason, url="/accounts/owner/",
        dedupe_key=f"owner-review:{application.pk}:{now.isoformat()}",
    )
    return application


@transaction.atomic
def owner_application_resubmit(*, user, name: str, uscc: str = "", id_number: str = "", region_code: str,
                               contact_name: str, phone: str, email: str, address: str = "",
                               letter=None) -> OwnerApplication:
    """The owner's administrator corrects a returned registration and submits it again
    (a new authorisation letter replaces the old one when given)."""
    from accounts.services import document_store

    org = user.organisation if user.organisation_id else None
    if org is None or not user.is_org_admin:
        raise NotAllowed("只有本单位管理员可以修改注册信息。")
    application = lock_rows(OwnerApplication.objects.filter(organisation=org)).first()
    if application is None:
        raise NotAllowed("本单位没有注册申请。")
    if application.status != OwnerApplication.Status.RETURNED:
        raise InvalidState("只有被退回的申请可以修改后重新提交。")
    errors: dict[str, list[str]] = {}
    facts = _owner_facts(errors, is_person=org.is_person, name=name, uscc=uscc,
                         id_number=id_number if org.is_person else (id_number or user.id_number),
                         region_code=region_code, contact_name=contact_name, phone=phone, email=email,
                         address=address, exclude_org=org.pk, exclude_user=user.pk)
    raise_if(errors, "注册信息有误，请按提示修改。")
    for key in ("name", "uscc", "contact_name", "phone", "email", "address"):
        setattr(org, key, facts[key])
    org.region = facts["region"]
    org.save()
    if facts["id_number"] and facts["id_number"] != user.id_number:
        user.id_number = facts["id_number"]
        user.save(update_fields=["id_number"])
    if letter is not None:
        try:
            application.authorisation_letter = document_store(upload=letter, organisation=org, user=user)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, errors={"letter": exc.errors.get("file") or [exc.message]}) from None
    before = application.status
    application.resubmit(at=timezone.now())
    application.save()
    record_append(chain=owner_chain(org.pk), kind="transition", actor=user, from_state=before,
                  to_state=application.status, data={"uscc": org.uscc, "region": org.region_id})
    _notify_bureaus(application)
    return application
