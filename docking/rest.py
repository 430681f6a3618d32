"""DRF plumbing of `/api/v1/`: Bearer key authentication, scopes, per-key rate limits, the
fixed error shape, cursor pagination and the record of every key's use."""

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from core.exceptions import DomainError
from docking.models import ApiKey

# ---------------------------------------------------------------------------------------
# Authentication


class BearerKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>`. No header: anonymous (public data only). A header
    with an unknown, malformed or revoked key: 401, never anonymous, so a client with a
    dead key finds out at once."""

    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != self.keyword or len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization 头格式应为：Bearer <密钥>。", code="invalid_key")
        from docking.keys import actor_for, apikey_find

        try:
            key = apikey_find(header[1].decode("ascii"))
        except UnicodeDecodeError:
            key = None
        if key is None:
            raise exceptions.AuthenticationFailed("接口密钥无效或已吊销。", code="invalid_key")
        return actor_for(key=key, organisation=key.organisation), key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def key_of(request) -> ApiKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiKey) else None


# ---------------------------------------------------------------------------------------
# Scopes


class KeyScope(BasePermission):
    """The view's `required_scopes` maps HTTP methods to the scope a key needs; a method
    with a scope needs a key, one without is open to everyone."""

    def has_permission(self, request, view):
        needed = getattr(view, "required_scopes", {}).get(request.method)
        if needed is None:
            return True
        key = key_of(request)
        if key is None:
            raise exceptions.NotAuthenticated("此操作需要接口密钥（Authorization: Bearer <密钥>）。")
        if not key.has_scope(needed):
            raise exceptions.PermissionDenied(f"该密钥没有“{needed}”权限。", code="scope_missing")
        return True


# ---------------------------------------------------------------------------------------
# Rate limits: a fixed one-minute window per key (per address without a key)


class KeyRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        key = key_of(request)
        if key is not None:
            ident, limit = f"k:{key.prefix}", key.rate_per_minute or settings.API_RATE_PER_MINUTE
        else:
            ident, limit = f"a:{self.get_ident(request)}", settings.API_ANON_RATE_PER_MINUTE
        window = int(time.time() // 60)
        slot = f"api-rate:{ident}:{window}"
        cache.add(slot, 0, timeout=120)
        try:
            count = cache.incr(slot)
        except ValueError:  # evicted between add and incr
            cache.set(slot, 1, timeout=120)
            count = 1
        self._wait = 60 - (time.time() % 60)
        return count <= limit

    def wait(self):
        return self._wait


# ---------------------------------------------------------------------------------------
# Errors: {"error": {"code", "message", "fields"}}

DRF_MESSAGES = {
    "not_authenticated": "此操作需要接口密钥（Authorization: Bearer <密钥>）。",
    "authentication_failed": "接口密钥无效或已吊销。",
    "permission_denied": "无权执行此操作。",
    "not_found": "未找到。",
    "method_not_allowed": "不支持该请求方法。",
    "not_acceptable": "无法按所请求的格式应答。",
    "unsupported_media_type": "不支持该请求体格式，请使用 application/json 或 multipart/form-data。",
    "throttled": "请求过于频繁，请稍后再试。",
    "parse_error": "请求体不是有效的 JSON。",
    "invalid": "请求有误。",
}


def _fields(detail) -> dict[str, list[str]]:
    """DRF validation details flattened to {field: [messages]} ("" for the whole body)."""
    out: dict[str, list[str]] = {}

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                name = "" if name in ("non_field_errors", "__all__") else str(name)
                walk(inner, f"{path}.{name}" if path and name else (path or name))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                if isinstance(inner, (dict, list)):
                    walk(inner, f"{path}.{index}" if path else str(index))
                else:
                    out.setdefault(path, []).append(str(inner))
        else:
            out.setdefault(path, []).append(str(value))

    walk(detail, "")
    return out


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_exception_handler(exc, context):
    """Every 4xx/5xx of the API in the fixed shape, with a stable snake_case code and a
    Chinese message; DomainError keeps its own code, message and field errors."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.errors), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a 500: `api_errors` middleware answers in the same shape
    detail = exc.detail if isinstance(exc, exceptions.APIException) else None
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(detail)
        first = next((m for messages in fields.values() for m in messages), "请求有误。")
        response.data = error_body("validation_failed", f"请按提示修改：{first}", fields)
        return response
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = code if isinstance(code, str) else getattr(exc, "default_code", "error")
    message = str(detail) if isinstance(detail, str) and _is_chinese(str(detail)) else DRF_MESSAGES.get(code, "请求有误。")
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait or 1)
        response["Retry-After"] = str(wait)
        message = f"请求过于频繁，请在{wait}秒后重试。"
        code = "rate_limited"
    response.data = error_body(code, message)
    return response


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


class ApiErrorMiddleware:
    """Under `/api/`: a 404 of the URL resolver and any unhandled error (500) answered in
    the fixed JSON shape rather than an HTML page; every use of a key recorded."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            response = _json_error(response.status_code)
        key = getattr(request, "_docking_key", None)
        if key is not None:
            from docking.services import key_use_record

            key_use_record(key=key, method=request.method, operation=getattr(request, "_docking_operation", ""),
                           path=request.path[:300], status=response.status_code)
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        import logging

        logging.getLogger("docking.api").exception("API error on %s", request.path)
        return _json_error(500)


def _json_error(status_code: int):
    from django.http import JsonResponse

    codes = {404: ("not_found", "未找到该接口地址。"), 405: ("method_not_allowed", "不支持该请求方法。"),
             413: ("too_large", "请求体过大。"), 400: ("bad_request", "请求有误。"),
             403: ("forbidden", "无权访问。"), 500: ("server_error", "服务器内部错误，请稍后重试。")}
    code, message = codes.get(status_code, ("error", "请求未能完成。"))
    return JsonResponse(error_body(code, message), status=status_code, json_dumps_params={"ensure_ascii": False})


# ---------------------------------------------------------------------------------------
# Pagination


class Cursor(CursorPagination):
    """Opaque cursors: stable under inserts, a client keeps `next` to carry on."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def decode_cursor(self, request):
        # DRF answers a bad cursor with 404; it is bad input (400), the page exists.
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            from core.exceptions import ValidationFailed

            raise ValidationFailed("分页游标无效，请使用上一页应答中的 next 或 previous。",
                                   errors={"cursor": ["分页游标无效。"]}) from None


def record_key_use(request, view) -> None:
    """Note the key and the operation on the Django request; the middleware writes the
    use after the response (outside the view's transaction)."""
    key = key_of(request)
    if key is not None:
        django_request = request._request
        django_request._docking_key = key
        django_request._docking_operation = f"{request.method} {getattr(view, 'operation_name', type(view).__name__)}"


STATUS = status
