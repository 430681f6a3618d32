"""Pre-aggregated facts of each request for the supervision figures (one row per request).

The figures filter 100,000 requests by region, item, method, owner and period and count
working days between step timestamps that partly live only in the request's audit chain
(selection, confirmation). Computing them per page view is too slow, so each request's
facts are derived once — after every status change (`supervision.services_stats`) — into
this table, which the selectors aggregate in SQL. A row is a cache: it is always
recomputable from the request, its sign-ups and its audit chain (`request_stats_rebuild`).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: The steps whose working days are counted, in order: (field suffix, Chinese label).
STEPS = (
    ("select", "发布→选取"),
    ("confirm", "选取→确认"),
    ("contract", "确认→签订合同"),
    ("deliver", "签订合同→交付"),
    ("accept", "交付→验收"),
)


class RequestStat(models.Model):
    """The facts of one published request that the figures read; see the module docstring."""

    request = models.OneToOneField("market.ServiceRequest", primary_key=True, on_delete=models.CASCADE,
                                   related_name="stat")
    region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+")
    service_item = models.ForeignKey("market.ServiceItem", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=10)
    owner = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    # The day of its first publication (Beijing): the period filter.
    published_on = models.DateField()
    status = models.CharField(max_length=30)
    publish_count = models.PositiveSmallIntegerField(default=0)
    failure_count = models.PositiveSmallIntegerField(default=0)
    signups = models.PositiveIntegerField(default=0)
    # 成交: past publicity (contracting or any later state, termination included).
    dealt = models.BooleanField(default=False)
    ceiling = models.DecimalField(max_digits=14, decimal_places=2)
    contract_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    firm = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The selected firm is registered outside Yichun (its credit code's division); null without a firm.
    firm_outside = models.BooleanField(null=True, blank=True)
    # Working days of each step (`STEPS`); null while the step has not ended.
    days_select = models.PositiveIntegerField(null=True, blank=True)
    days_confirm = models.PositiveIntegerField(null=True, blank=True)
    days_contract = models.PositiveIntegerField(null=True, blank=True)
    days_deliver = models.PositiveIntegerField(null=True, blank=True)
    days_accept = models.PositiveIntegerField(null=True, blank=True)
    # The counted ratings (a voided one is none): the owner's of the firm, whether that was
    # the platform's default 满意, and the firm's of the owner. Blank while there is none.
    rating_owner = models.CharField(max_length=12, blank=True, default="")
    rating_owner_default = models.BooleanField(default=False)
    rating_firm = models.CharField(max_length=12, blank=True, default="")
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("项目统计事实")
        verbose_name_plural = _("项目统计事实")
        indexes = [
            models.Index(fields=["published_on"], name="stat_published_on"),
            models.Index(fields=["region", "published_on"], name="stat_region_day"),
            models.Index(fields=["owner", "published_on"], name="stat_owner_day"),
            models.Index(fields=["service_item", "published_on"], name="stat_item_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(contract_amount__isnull=True) | Q(contract_amount__lte=models.F("ceiling")),
                                   name="stat_contract_within_ceiling"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status}"
