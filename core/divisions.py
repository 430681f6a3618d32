"""Where a firm is registered, read from its unified social credit code (positions 3–8:
the administrative division of the registering authority, GB/T 2260): "北京市", "湖南省",
"江西省南昌市", "宜春市樟树市". Pages show this, so a firm from Beijing is never shown as
being in 宜春市 (the platform records every outside firm under the city)."""

PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省", "22": "吉林省",
    "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区", "61": "陕西省",
    "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
}
JIANGXI_CITIES = {
    "3601": "南昌市", "3602": "景德镇市", "3603": "萍乡市", "3604": "九江市", "3605": "新余市", "3606": "鹰潭市",
    "3607": "赣州市", "3608": "吉安市", "3609": "宜春市", "3610": "抚州市", "3611": "上饶市",
}
YICHUN = {
    "360902": "袁州区", "360921": "奉新县", "360922": "万载县", "360923": "上高县", "360924": "宜丰县",
    "360925": "靖安县", "360926": "铜鼓县", "360981": "丰城市", "360982": "樟树市", "360983": "高安市",
}


def registered_place(uscc: str) -> str:
    """The registering authority's place of an 18-character code; "" when it cannot tell."""
    code = (uscc or "").strip().upper()
    if len(code) != 18 or not code[2:8].isdigit():
        return ""
    division = code[2:8]
    province = PROVINCES.get(division[:2], "")
    if division[:2] != "36":
        return province
    city = JIANGXI_CITIES.get(division[:4], "")
    if division[:4] == "3609":
        county = YICHUN.get(division, "")
        return f"宜春市{county}" if county else "宜春市"
    return f"江西省{city}" if city else "江西省"
