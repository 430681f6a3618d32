"""`manage.py audit_verify [--chain NAME] [--heads]`: prove the audit trail.

Walks every chain (or one) in order, recomputing every link, and prints how many records
and chains it checked. With `--heads` it also recomputes every published day's chain
heads and root from the records. Exits 1 naming the first broken record or the first
published value that no longer holds; 0 when everything holds.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from audit.selectors import chains_verify, heads_verify


class Command(BaseCommand):
    help = "Verify the audit chains (and, with --heads, the published daily heads); exit 1 at the first break."

    def add_arguments(self, parser):
        parser.add_argument("--chain", help="verify this chain only (e.g. request:YC20261203ABCDE)")
        parser.add_argument("--heads", action="store_true",
                            help="also recompute the published daily chain heads and roots from the records")

    def handle(self, *args, chain: str | None = None, heads: bool = False, **options):
        if chain is not None and not chain.strip():
            raise CommandError("--chain 不能为空。")
        started = time.perf_counter()
        check = chains_verify(chain=chain)
        seconds = time.perf_counter() - started
        scope = f"链 {chain}" if chain else f"{check.chains} 条链"
        if not check.ok:
            self.stderr.write(f"已校验 {check.records} 条记录（{scope}），发现断裂：")
            raise CommandError(f"第一条断裂的记录：{check.broken.describe()}", returncode=1)
        self.stdout.write(f"已校验 {check.records} 条记录（{scope}），全部完好，用时 {seconds:.2f} 秒。")
        if heads:
            started = time.perf_counter()
            published = heads_verify(chain=chain)
            seconds = time.perf_counter() - started
            if not published.ok:
                raise CommandError(f"公布的链头与记录不符：{published.problem}", returncode=1)
            self.stdout.write(f"已重算 {published.days} 天公布的 {published.heads} 个链头及每日根哈希，"
                              f"与公布值一致，用时 {seconds:.2f} 秒。")
