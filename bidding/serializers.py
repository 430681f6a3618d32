"""Public serialisation of draws: each one exactly its YCZJCS-DRAW-v1 record, plus `url`."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from bidding.models import Draw


class ExcludedSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="统一社会信用代码")
    reason = serializers.CharField(help_text="排除原因（信用限制、资质过期、回避等）")


class RankingEntrySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="统一社会信用代码")
    score = serializers.CharField(help_text="sha256(bytes.fromhex(seed) + code)，十六进制")


@extend_schema_serializer(component_name="DrawRecord")
class DrawRecordSerializer(serializers.Serializer):
    """The public record of a random draw, as `bidding.draw.build_record` produced and stored
    it, byte for byte the same fields, plus `url`. Re-check it with `tools/verify_draw.py`."""

    algorithm = serializers.CharField(help_text="YCZJCS-DRAW-v1")
    request_code = serializers.CharField(help_text="项目编号")
    commitment = serializers.CharField(help_text="发布时公布的承诺值 sha256(nonce)")
    nonce = serializers.CharField(help_text="选取时公开的32字节随机数（十六进制）")
    pool = serializers.ListField(child=serializers.CharField(), help_text="有效报名机构代码，升序")
    pool_hash = serializers.CharField(help_text="sha256(pool 以换行连接)")
    excluded = ExcludedSerializer(many=True)
    seed = serializers.CharField(help_text='sha256("YCZJCS-DRAW-v1|" + request_code + "|" + pool_hash + "|" + nonce)')
    ranking = RankingEntrySerializer(many=True, help_text="按 (score, code) 升序；第一位为选中机构，其余依次递补")
    drawn_at = serializers.CharField(help_text="选取时间，ISO 8601，带时区")
    url = serializers.URLField(read_only=True, help_text="本记录的 API 地址")

    def to_representation(self, instance: Draw) -> dict:
        # The stored record itself, never re-rendered field by field: what was hashed and
        # published is what is served.
        path = reverse("draws-api:detail", kwargs={"request_code": instance.record["request_code"]})
        request = self.context.get("request")
        return {**instance.record, "url": request.build_absolute_uri(path) if request else path}
