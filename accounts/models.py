"""Regions, organisations (project owners, intermediaries, the bureau), users, their inboxes
and the documents they upload."""

import django_fsm as fsm
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import SerialRefreshMixin


class Region(models.Model):
    """A division (区划) of Yichun: the city, its counties and the three zones."""

    class Level(models.TextChoices):
        CITY = "city", _("市级")
        COUNTY = "county", _("县（市、区）")
        ZONE = "zone", _("功能区")

    code = models.CharField(_("区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("区划")
        verbose_name_plural = _("区划")

    def __str__(self) -> str:
        return self.name

    @property
    def is_city(self) -> bool:
        return self.level == self.Level.CITY


class Organisation(models.Model):
    """Any party that acts on the platform; a user always acts for one organisation."""

    class Kind(models.TextChoices):
        OWNER = "owner", _("项目业主")
        INTERMEDIARY = "intermediary", _("中介机构")
        BUREAU = "bureau", _("行政审批局")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=120)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, default="")
    # A natural person registered as a project owner (no credit code: the person's resident
    # ID number is on their user).
    is_person = models.BooleanField(_("自然人"), default=False)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="organisation_uscc_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["owner", "intermediary", "bureau"]), name="organisation_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_owner(self) -> bool:
        return self.kind == self.Kind.OWNER

    @property
    def is_intermediary(self) -> bool:
        return self.kind == self.Kind.INTERMEDIARY

    @property
    def is_bureau(self) -> bool:
        return self.kind == self.Kind.BUREAU


class User(AbstractUser):
    """A person acting for one organisation; the organisation's kind is the user's role."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    display_name = models.CharField(_("姓名"), max_length=40, blank=True)
    # The organisation's administrator adds, disables and re-assigns its other users.
    is_org_admin = models.BooleanField(_("机构管理员"), default=False)
    # Resident ID number (GB 11643): a natural-person owner's identity, and how the province's
    # unified identity system (OIDC) finds the user.
    id_number = models.CharField(_("居民身份证号码"), max_length=18, blank=True, default="")
    phone = models.CharField(_("手机号码"), max_length=20, blank=True, default="")

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(fields=["id_number"], condition=~Q(id_number=""), name="user_id_number_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role(self) -> str | None:
        return self.organisation.kind if self.organisation_id else None


class Notification(models.Model):
    """An inbox entry of an organisation. `dedupe_key` makes every push idempotent."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=30)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "dedupe_key"], name="notification_once_per_cause"),
        ]

    def __str__(self) -> str:
        return self.title


class LoginAttempt(models.Model):
    """Failed logins, counted per (username, client address) pair: past a few, that pair must
    solve a CAPTCHA (`accounts.services.login_needs_captcha`)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [models.Index(fields=["username", "ip", "at"], name="loginattempt_pair_at")]


class Document(models.Model):
    """An uploaded file with its SHA-256, owned by the organisation that uploaded it.
    Stored only through `accounts.services.document_store`; served only through
    permission-checked views."""

    file = models.FileField(_("文件"), upload_to="documents/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64, db_index=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="documents")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "market_document"
        verbose_name = _("文件")
        verbose_name_plural = _("文件")
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="document_not_empty")]

    def __str__(self) -> str:
        return self.original_name


class OwnerApplication(SerialRefreshMixin, fsm.ConcurrentTransitionMixin, models.Model):
    """A project owner's registration (项目业主注册), reviewed by the bureau of its region.

    A unit registers with its unified social credit code and a signed authorisation letter;
    a natural person with a resident ID number (on the applicant user). The bureau of the
    owner's region (or the city bureau) approves it or returns it with a reason; a returned
    application is corrected and submitted again. Until it is approved the owner cannot
    publish. An owner organisation without an application was set up by the bureau itself
    and may publish (`accounts.selectors.owner_may_publish`).
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已通过")

    organisation = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="owner_application")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                  related_name="+")
    status = fsm.FSMField(_("状态"), default=Status.SUBMITTED, choices=Status.choices, protected=True)
    authorisation_letter = models.ForeignKey(Document, verbose_name=_("授权委托书"), null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)
    approved_at = models.DateTimeField(_("通过时间"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("项目业主注册")
        verbose_name_plural = _("项目业主注册")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["submitted", "returned", "approved"]),
                                   name="owner_application_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_status_display()})"

    @fsm.transition(field=status, source=Status.SUBMITTED, target=Status.APPROVED)
    def approve(self, *, by, at) -> None:
        self.reviewed_by, self.reviewed_at, self.approved_at = by, at, at
        self.return_reason = ""

    @fsm.transition(field=status, source=Status.SUBMITTED, target=Status.RETURNED)
    def return_for_fix(self, *, by, at, reason: str) -> None:
        self.reviewed_by, self.reviewed_at, self.return_reason = by, at, reason

    @fsm.transition(field=status, source=Status.RETURNED, target=Status.SUBMITTED)
    def resubmit(self, *, at) -> None:
        self.submitted_at = at
