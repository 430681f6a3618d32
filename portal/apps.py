from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The public portal on top of every app: the home page (通知公告, 采购公告, 中选/成交公告,
    结果公示, 信用公示, 办事指南, 政策法规), the registry with each firm's restriction and
    track record, and the printable, signed notices (中选通知书, 结果公告)."""

    name = "portal"
    verbose_name = "门户"
