"""Docking: API keys and their use, county requests by external id, webhook subscriptions
and their deliveries. Nothing below this app knows these tables exist."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Region


class Scope(models.TextChoices):
    READ = "read", _("读取")
    REQUESTS_WRITE = "requests:write", _("采购需求写入（业主操作、县级推送）")
    BIDS_WRITE = "bids:write", _("报名竞价写入（中介机构操作）")
    WEBHOOKS = "webhooks", _("事件推送订阅")


class ApiKey(models.Model):
    """A key of `Authorization: Bearer <prefix>.<secret>`. Only the SHA-256 of the whole
    key is stored; the key itself is shown once, at creation.

    Bound to an organisation (its rights are that organisation's), or, with `county`, to a
    county platform run by that organisation: it acts for the county's owners and reads
    the county's data.
    """

    prefix = models.CharField(_("密钥编号"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    name = models.CharField(_("名称"), max_length=80)
    organisation = models.ForeignKey(Organisation, verbose_name=_("所属机构"), on_delete=models.PROTECT,
                                     related_name="api_keys")
    county = models.ForeignKey(Region, verbose_name=_("县级平台区划"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    scopes = models.JSONField(_("权限范围"), default=list)
    rate_per_minute = models.PositiveIntegerField(_("每分钟请求上限"), default=0,
                                                  help_text=_("0 表示使用平台默认值。"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}）"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_county(self) -> bool:
        return self.county_id is not None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ApiKeyActor(models.Model):
    """The platform user a key acts as for one organisation: the key's own organisation,
    or, for a county key, each owner of the county it pushes for. The services record
    this user as the actor, so the audit chain names the key."""

    key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="actors")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_actor")

    class Meta:
        verbose_name = _("接口操作身份")
        verbose_name_plural = _("接口操作身份")
        constraints = [models.UniqueConstraint(fields=["key", "organisation"], name="apikeyactor_once_per_org")]


class ApiKeyUse(models.Model):
    """One use of a key: which key, when, which operation, with which answer."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(_("时间"), db_index=True)
    method = models.CharField(max_length=8)
    operation = models.CharField(_("操作"), max_length=120)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField(_("应答状态"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("接口调用记录")
        verbose_name_plural = _("接口调用记录")
        indexes = [models.Index(fields=["key", "-at"], name="apikeyuse_key_at")]


class ExternalRequest(models.Model):
    """A county system's own id of a request it pushed: the county push is idempotent by
    (county, external_id)."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(_("县级系统编号"), max_length=64)
    request = models.OneToOneField("market.ServiceRequest", on_delete=models.PROTECT, related_name="external")
    key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("县级推送项目")
        verbose_name_plural = _("县级推送项目")
        constraints = [
            models.UniqueConstraint(fields=["county", "external_id"], name="externalrequest_once_per_county"),
        ]


class WebhookSubscription(models.Model):
    """Where to POST which events, for an organisation or a county platform."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        PAUSED = "paused", _("已暂停（连续失败）")
        DELETED = "deleted", _("已删除")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="webhooks")
    county = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="webhooks")
    url = models.URLField(_("接收地址"), max_length=500)
    events = models.JSONField(_("事件"), default=list)
    secret = models.CharField(max_length=64)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    failing_since = models.DateTimeField(_("持续失败起始"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["active", "paused", "deleted"]),
                                   name="webhooksubscription_status_valid"),
        ]


class WebhookEvent(models.Model):
    """A domain event as subscribers receive it; its id is the `id` of every delivery's
    body, so one id is never two different events."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40)
    created = models.DateTimeField(db_index=True)
    data = models.JSONField()
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organisation_ids = models.JSONField(default=list)
    dedupe_key = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["created"]
        verbose_name = _("推送事件")
        verbose_name_plural = _("推送事件")


class WebhookDelivery(models.Model):
    """One event to one subscription, attempted until a 2xx or for the retry window."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待投递")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("已放弃")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Retries stop WEBHOOK_RETRY_WINDOW_SECONDS after this; a manual redelivery restarts it.
    window_starts_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("最近应答状态码"), null=True, blank=True)
    last_answer = models.CharField(_("最近应答"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("事件投递")
        verbose_name_plural = _("事件投递")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhookdelivery_once_per_event"),
            models.CheckConstraint(condition=Q(status__in=["pending", "delivered", "failed"]),
                                   name="webhookdelivery_status_valid"),
        ]
