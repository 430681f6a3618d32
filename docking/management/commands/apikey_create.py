"""`manage.py apikey_create --org <USCC> --scopes read,requests:write [--county <region code>]`:
issue a key; the key alone is printed on the last line (shown this once)."""

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import DomainError
from docking.keys import apikey_create


class Command(BaseCommand):
    help = "签发接口密钥：最后一行只打印密钥本身（只显示这一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="机构的统一社会信用代码")
        parser.add_argument("--scopes", required=True, help="逗号分隔：read,requests:write,bids:write,webhooks")
        parser.add_argument("--county", default="", help="县级平台的区划代码（县级平台密钥）")
        parser.add_argument("--name", default="", help="名称")

    def handle(self, *args, org, scopes, county, name, **options):
        try:
            row, key = apikey_create(user=None, uscc=org, scopes=scopes, county_code=county, name=name)
        except DomainError as exc:
            detail = "；".join(m for messages in exc.errors.values() for m in messages)
            raise CommandError(f"{exc.message}{('（' + detail + '）') if detail and detail != exc.message else ''}") from None
        where = f"，县级平台：{row.county.name}" if row.county else ""
        self.stdout.write(f"已签发密钥 {row.prefix}：{row.organisation.name}{where}，权限 {','.join(row.scopes)}。")
        self.stdout.write(key)
