"""drf-spectacular: the Bearer key in the OpenAPI document (imported by DockingConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "docking.rest.BearerKeyAuthentication"
    name = "bearerKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "接口密钥：行政审批局签发，形如 yczj_<编号>.<密钥>，仅在创建时显示一次。"}


from drf_spectacular.openapi import AutoSchema  # noqa: E402

# Every operation of /api/v1/ can answer these, in the fixed error shape: a bad key (401),
# a missing scope (403), an unknown object (404), bad input (400), the rate limit (429).
ERROR_CODES = ("400", "401", "403", "404", "429")


class ApiAutoSchema(AutoSchema):
    """Documents the error answers of every operation, including those of other apps'
    views under /api/v1/ (the error shape and the limits apply to all of them)."""

    def _get_response_bodies(self, direction="response"):
        from docking.serializers import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        for code in ERROR_CODES:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return responses
