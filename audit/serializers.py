"""Public serialisation of the published daily roots and chain heads."""

from rest_framework import serializers

from audit.models import ChainHead, DailyRoot


class DailyRootSerializer(serializers.ModelSerializer):
    day = serializers.DateField(help_text="日期（北京时间）")
    prev_root = serializers.CharField(help_text="前一日根哈希（首日为64个0）")
    root = serializers.CharField(
        help_text='sha256("YCZJCS-AUDIT-ROOT-v1\\n" + day + "\\n" + prev_root + "\\n" + 当日各链“链|记录数|链头哈希\\n”按链名排序连接)'
    )
    chains = serializers.IntegerField(help_text="当日有新增记录的链数（即当日公布的链头数）")
    records = serializers.IntegerField(help_text="当日新增记录数")
    total = serializers.IntegerField(help_text="截至当日的累计记录数")
    published_at = serializers.DateTimeField(help_text="公布时间，ISO 8601，带时区")

    class Meta:
        model = DailyRoot
        fields = ["day", "prev_root", "root", "chains", "records", "total", "published_at"]


class ChainHeadSerializer(serializers.ModelSerializer):
    day = serializers.DateField(help_text="日期（北京时间）")
    chain = serializers.CharField(help_text="链名，如 request:<项目编号>、entry:<机构id>、credit:<机构id>")
    count = serializers.IntegerField(help_text="当日结束时该链的记录数（即链头记录的序号）")
    head_hash = serializers.CharField(help_text="当日结束时该链最后一条记录的哈希")

    class Meta:
        model = ChainHead
        fields = ["day", "chain", "count", "head_hash"]
