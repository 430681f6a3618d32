from market.templatetags.market_format import duration_zh


def test_duration_reads_in_days_hours_and_minutes():
    assert duration_zh(279456) == "3天5小时"
    assert duration_zh(3 * 3600 + 120) == "3小时2分钟"
    assert duration_zh(30) == "不足1分钟"
    assert duration_zh(None) == "不足1分钟"
    assert duration_zh("x") == ""
