"""drf-spectacular: the Bearer key in the OpenAPI document (imported by DockingConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "docking.rest.BearerKeyAuthentication"
    name = "bearerKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "接口密钥：行政审批局签发，形如 yczj_<编号>.<密钥>，仅在创建时显示一次。"}
