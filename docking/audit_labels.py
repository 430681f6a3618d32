"""How the docking app's audit records read (registered with `audit.timeline` from
`DockingConfig.ready()`): API keys (chain `api-keys`), owners registered by a county
platform (`county:<code>`) and webhook subscriptions (`webhooks:<organisation>`)."""

from audit.timeline import timeline_register


def _key(rec) -> str:
    data = rec.data or {}
    return f"密钥前缀 {data['key']}" if data.get("key") else ""


def _owner(rec) -> str:
    data = rec.data or {}
    return "，".join(p for p in (data.get("name"), f"统一社会信用代码 {data['uscc']}" if data.get("uscc") else "") if p)


def _subscription(rec) -> str:
    data = rec.data or {}
    return f"订阅地址 {data['url']}" if data.get("url") else _key(rec)


def register() -> None:
    timeline_register(prefix="api-keys", title="接口密钥",
                      kinds={"api_key_created": "创建接口密钥", "api_key_revoked": "吊销接口密钥"},
                      details={"api_key_created": _key, "api_key_revoked": _key})
    timeline_register(prefix="county", title="县区平台对接",
                      kinds={"county_owner_registered": "县区平台登记项目业主"},
                      details={"county_owner_registered": _owner})
    timeline_register(prefix="webhooks", title="事件推送订阅",
                      kinds={"webhook_subscribed": "订阅事件推送", "webhook_unsubscribed": "取消事件推送订阅"},
                      details={"webhook_subscribed": _subscription, "webhook_unsubscribed": _key})
