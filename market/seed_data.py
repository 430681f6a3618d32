"""Seed and demo data for the marketplace: regions, qualification types, the service catalogue,
demo owners, demo intermediaries and demo bureau staff.

Pure Python (no Django imports): data migrations and the demo-data loader both read it.
Identifiers are English, content is Chinese.

Factual care. Legal bases name real laws, regulations and rules. Where the article number
was not certain, the law is cited without one rather than with a guessed article. Where a
qualification was abolished or turned into a filing (备案) or a commitment (承诺), its
``note`` says so. Single-grade types ("备案", "承诺", "公示", "不分级" …) exist so that
every catalogue item can say which registration a firm must declare at entry (入驻) to sign
up for it. Check every item against the current Jiangxi / Yichun catalogue
(江西省网上中介服务超市 事项清单) before production use; the bureau can edit the
catalogue in the admin.

All organisations, people, certificate numbers and phone numbers in the DEMO_* lists are
fictional. The unified social credit codes are well formed (valid GB 32100-2015 check
character, and a valid GB 11714 check character in the organisation-code part) but were
made up for the demo.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- regions

# level: "city" | "county" | "zone". parent_code is None for the city.
# Counties use their GB/T 2260 administrative division codes. The three functional zones
# (功能区) have no GB/T 2260 code: 360971-360973 are platform-assigned internal codes
# (any statistical codes the NBS may use for them are not used here).
# The regions (区划) are seeded by accounts' migration 0002 (`REGIONS` there).

CITY_CODE = "360900"

# --------------------------------------------------------------------------- qualification types

# grades: ascending strictness (the last one is the highest). A catalogue item's min_grade
# is satisfied by that grade or any grade after it in the list.
QUALIFICATION_TYPES: list[dict] = [
    {
        "code": "engineering_consulting",
        "name": "工程咨询单位备案及资信评价",
        "issuer": "全国投资项目在线审批监管平台（备案）；中国工程咨询协会（甲级资信）、省级工程咨询行业组织（乙级资信）",
        "grades": ["备案", "乙级", "甲级"],
        "note": (
            "工程咨询单位资格认定已由国务院取消，改为在全国投资项目在线审批监管平台告知性备案"
            "（《工程咨询行业管理办法》，国家发展改革委令2017年第9号）。资信评价由行业组织开展，"
            "分专业资信、专项资信和综合资信，供委托方参考，不是市场准入条件。"
            "“备案”表示已备案但未取得资信评价等级。"
        ),
    },
    {
        "code": "surveying_mapping",
        "name": "测绘资质",
        "issuer": "自然资源部（甲级）；省级自然资源主管部门（乙级）",
        "grades": ["乙级", "甲级"],
        "note": (
            "2021年测绘资质改革后只设甲、乙两级（《测绘资质管理办法》《测绘资质分类分级标准》），"
            "证书载明专业类别（工程测量、界线与不动产测绘、地理信息系统工程等），本平台不细分专业类别。"
        ),
    },
    {
        "code": "safety_assessment",
        "name": "安全评价机构资质",
        "issuer": "应急管理部门（按《安全评价检测检验机构管理办法》分级认可）",
        "grades": ["不分级"],
        "note": (
            "《安全评价检测检验机构管理办法》（应急管理部令第1号，2019年）施行后不再划分甲、乙级，"
            "资质全国通用，按业务范围认可。"
        ),
    },
    {
        "code": "radiation_health",
        "name": "放射卫生技术服务机构资质",
        "issuer": "国家卫生健康委（放射防护评价甲级）；省级卫生健康主管部门（放射防护评价乙级）",
        "grades": ["乙级", "甲级"],
        "note": (
            "放射诊疗建设项目职业病危害放射防护评价分甲、乙级"
            "（《放射卫生技术服务机构管理办法》，卫监督发〔2012〕25号）。"
        ),
    },
    {
        "code": "engineering_survey",
        "name": "工程勘察资质",
        "issuer": "住房和城乡建设部（综合资质、甲级）；省级住房城乡建设主管部门（乙级）",
        "grades": ["乙级", "甲级", "综合资质"],
        "note": (
            "《建设工程勘察设计资质管理规定》。2020年建设工程企业资质管理制度改革方案（建市〔2020〕94号）"
            "保留综合资质（不分等级），专业资质等级压减为甲、乙两级；过渡期以住房城乡建设主管部门公布的现行标准为准。"
        ),
    },
    {
        "code": "engineering_design",
        "name": "工程设计资质",
        "issuer": "住房和城乡建设部（综合资质、甲级）；省级住房城乡建设主管部门（乙级）",
        "grades": ["乙级", "甲级", "综合资质"],
        "note": (
            "《建设工程勘察设计资质管理规定》。2020年资质改革方案（建市〔2020〕94号）保留综合资质，"
            "行业、专业资质等级原则上压减为甲、乙两级（部分只设甲级）；以现行资质标准为准。"
        ),
    },
    {
        "code": "drawing_review",
        "name": "施工图审查机构认定",
        "issuer": "省级住房城乡建设主管部门",
        "grades": ["二类", "一类"],
        "note": (
            "审查机构分一类、二类（《房屋建筑和市政基础设施工程施工图设计文件审查管理办法》，"
            "住房和城乡建设部令第13号）。多地推行政府购买审图服务、数字化联合审图，部分小型项目免于审查。"
        ),
    },
    {
        "code": "soil_water_conservation",
        "name": "生产建设项目水土保持方案编制单位水平评价",
        "issuer": "中国水土保持学会（行业自律评价）",
        "grades": ["一星级", "二星级", "三星级", "四星级", "五星级"],
        "note": (
            "原水土保持方案编制资格证书已取消，编制单位不再需要资质；中国水土保持学会按自愿原则开展"
            "星级水平评价（一星级至五星级），结果仅供委托方参考，不得作为准入门槛。"
        ),
    },
    {
        "code": "eia",
        "name": "环境影响评价（信用平台登记）",
        "issuer": "生态环境部环境影响评价信用平台",
        "grades": ["备案"],
        "note": (
            "2018年12月《环境影响评价法》修正取消了建设项目环评机构资质许可；编制单位和编制人员"
            "在环境影响评价信用平台登记信息并接受信用管理（《建设项目环境影响报告书（表）编制监督管理办法》，"
            "生态环境部令第9号，2019年11月1日施行）。编制主持人须为环境影响评价工程师。"
        ),
    },
    {
        "code": "real_estate_appraisal",
        "name": "房地产估价机构备案",
        "issuer": "住房和城乡建设部（一级）；省级住房城乡建设主管部门（二级、三级）",
        "grades": ["三级", "二级", "一级"],
        "note": (
            "《房地产估价机构管理办法》（建设部令第142号）设一、二、三级；《资产评估法》2016年12月1日施行后"
            "由资质核准改为备案管理，仍按等级备案。"
        ),
    },
    {
        "code": "land_appraisal",
        "name": "土地估价机构备案",
        "issuer": "自然资源主管部门（经中国土地估价师与土地登记代理人协会备案）",
        "grades": ["备案"],
        "note": "土地估价机构资质审批已取消，《资产评估法》施行后实行备案管理，不再分级。",
    },
    {
        "code": "asset_appraisal",
        "name": "资产评估机构备案",
        "issuer": "省级财政部门",
        "grades": ["备案"],
        "note": (
            "《资产评估法》施行后资产评估机构由资格审批改为备案"
            "（《资产评估行业财政监督管理办法》，财政部令第86号）。"
        ),
    },
    {
        "code": "cost_consulting",
        "name": "工程造价咨询企业（信息登记）",
        "issuer": "住房城乡建设主管部门（信息登记，非行政许可）",
        "grades": ["备案"],
        "note": (
            "工程造价咨询企业资质审批已于2021年取消（《国务院关于深化“证照分离”改革进一步激发市场主体发展活力的通知》，"
            "国发〔2021〕7号），不得再以资质等级设门槛；平台以信息登记和信用承诺代替，承接业务应配备注册造价工程师。"
        ),
    },
    {
        "code": "geohazard",
        "name": "地质灾害防治单位资质（评估和治理工程勘查设计）",
        "issuer": "省级自然资源主管部门",
        "grades": ["乙级", "甲级"],
        "note": (
            "《地质灾害防治单位资质管理办法》（自然资源部令第8号，2023年1月1日施行）将原地质灾害危险性评估"
            "单位资质（甲、乙、丙级）纳入“地质灾害评估和治理工程勘查设计资质”，分甲、乙两级。"
        ),
    },
    {
        "code": "lightning_testing",
        "name": "雷电防护装置检测资质",
        "issuer": "省级气象主管机构",
        "grades": ["乙级", "甲级"],
        "note": (
            "《雷电防护装置检测资质管理办法》。防雷专业工程设计、施工单位资质已取消"
            "（《国务院关于优化建设工程防雷许可的决定》，国发〔2016〕39号），检测资质保留。"
        ),
    },
    {
        "code": "energy_assessment",
        "name": "节能评估（无资质许可，承诺制）",
        "issuer": "不设资质（节能审查机关负责审查节能报告）",
        "grades": ["承诺"],
        "note": (
            "节能评估不设机构资质，建设单位可自行或委托编制节能报告（《固定资产投资项目节能审查办法》）；"
            "平台以信用承诺登记服务能力。"
        ),
    },
    {
        "code": "water_consulting",
        "name": "水利技术咨询（水资源论证、洪水影响评价，承诺制）",
        "issuer": "不设资质（水行政主管部门负责审查）",
        "grades": ["承诺"],
        "note": "建设项目水资源论证机构资质已取消，洪水影响评价不设机构资质；平台以信用承诺登记服务能力。",
    },
    {
        "code": "geological_exploration",
        "name": "地质勘查单位（信息公示）",
        "issuer": "全国地质勘查信息公示平台（单位自主填报）",
        "grades": ["公示"],
        "note": (
            "地质勘查资质审批已于2017年9月取消（《国务院关于取消一批行政许可事项的决定》，国发〔2017〕46号），"
            "改为在全国地质勘查信息公示平台自主填报、向社会公示。"
        ),
    },
    {
        "code": "cma",
        "name": "检验检测机构资质认定（CMA）",
        "issuer": "国家市场监督管理总局；省级市场监督管理部门",
        "grades": ["资质认定"],
        "note": "《检验检测机构资质认定管理办法》（原质检总局令第163号，经市场监管总局令第38号修改）。",
    },
    {
        "code": "fire_technical_service",
        "name": "消防技术服务机构（从业条件告知）",
        "issuer": "消防救援机构（社会消防技术服务信息系统）",
        "grades": ["备案"],
        "note": (
            "2021年《消防法》修正取消了消防技术服务机构资质许可，改为符合从业条件并在社会消防技术服务信息系统"
            "公开信息（《消防法》第三十四条；《社会消防技术服务管理规定》，应急管理部令第7号）。"
        ),
    },
    {
        "code": "heritage_design",
        "name": "文物保护工程勘察设计资质",
        "issuer": "国家文物局（甲级）；省级文物主管部门（乙级、丙级）",
        "grades": ["丙级", "乙级", "甲级"],
        "note": "以国家文物局现行文物保护工程资质管理规定为准。",
    },
    {
        "code": "urban_planning",
        "name": "城乡规划编制单位资质",
        "issuer": "自然资源部（甲级）；省级自然资源主管部门（乙级）",
        "grades": ["乙级", "甲级"],
        "note": (
            "《城乡规划法》第二十四条要求委托具有相应资质等级的单位承担城乡规划的具体编制工作；"
            "机构改革后由自然资源主管部门管理，现设甲、乙两级（以《城乡规划编制单位资质管理办法》现行版本为准）。"
        ),
    },
    {
        "code": "accounting_firm",
        "name": "会计师事务所执业证书",
        "issuer": "省级财政部门",
        "grades": ["执业许可"],
        "note": "《中华人民共和国注册会计师法》；《会计师事务所执业许可和监督管理办法》（财政部令第89号）。",
    },
    {
        "code": "social_stability",
        "name": "社会稳定风险评估（无资质许可，承诺制）",
        "issuer": "不设资质",
        "grades": ["承诺"],
        "note": (
            "国家未设机构资质；项目单位可自行或委托工程咨询等机构编制社会稳定风险分析"
            "（《重大固定资产投资项目社会稳定风险评估暂行办法》，发改投资〔2012〕2492号）。"
        ),
    },
    {
        "code": "traffic_impact",
        "name": "交通影响评价（无资质许可，承诺制）",
        "issuer": "不设资质",
        "grades": ["承诺"],
        "note": (
            "国家未设机构资质；技术要求见《建设项目交通影响评价技术标准》（CJJ/T 141—2010），"
            "通常由城乡规划或交通工程咨询单位承担。"
        ),
    },
]

# --------------------------------------------------------------------------- catalogue

_MARKET = "市场调节价"
# 发改价格〔2015〕299号 liberalised: 建设项目前期工作咨询费、工程勘察设计费、招标代理费、
# 工程监理费、环境影响咨询费.
_MARKET_299 = "市场调节价（《国家发展改革委关于进一步放开建设项目专业服务价格的通知》，发改价格〔2015〕299号）"

CATALOGUE: list[dict] = [
    # --- environment, safety, health
    {
        "code": "ZJ-001",
        "name": "建设项目环境影响报告书（表）编制",
        "approval": "建设项目环境影响评价文件审批",
        "legal_basis": "《中华人民共和国环境影响评价法》第十六条、第十九条、第二十二条；《建设项目环境影响报告书（表）编制监督管理办法》（生态环境部令第9号）",
        "qualification_code": "eia",
        "min_grade": "",
        "result_document": "环境影响报告书（表）",
        "fee_basis": _MARKET_299,
    },
    {
        "code": "ZJ-002",
        "name": "建设项目安全预评价",
        "approval": "危险化学品建设项目安全条件审查",
        "legal_basis": "《危险化学品安全管理条例》第十二条；《建设项目安全设施“三同时”监督管理办法》（原国家安全监管总局令第36号）第七条、第八条；《中华人民共和国安全生产法》",
        "qualification_code": "safety_assessment",
        "min_grade": "",
        "result_document": "安全预评价报告",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-003",
        "name": "建设项目安全验收评价",
        "approval": "安全生产许可证核发（非煤矿矿山、危险化学品生产企业）",
        "legal_basis": "《安全生产许可证条例》第六条；《建设项目安全设施“三同时”监督管理办法》（原国家安全监管总局令第36号）；《中华人民共和国安全生产法》",
        "qualification_code": "safety_assessment",
        "min_grade": "",
        "result_document": "安全验收评价报告",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-004",
        "name": "放射诊疗建设项目职业病危害放射防护预评价",
        "approval": "医疗机构放射性职业病危害建设项目预评价报告审核",
        "legal_basis": "《中华人民共和国职业病防治法》第十七条；《放射卫生技术服务机构管理办法》（卫监督发〔2012〕25号）第五条",
        "qualification_code": "radiation_health",
        "min_grade": "乙级",
        "result_document": "放射诊疗建设项目职业病危害放射防护预评价报告（书、表）",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-005",
        "name": "放射诊疗建设项目职业病危害控制效果放射防护评价",
        "approval": "医疗机构放射性职业病危害建设项目竣工验收",
        "legal_basis": "《中华人民共和国职业病防治法》第十八条；《放射卫生技术服务机构管理办法》（卫监督发〔2012〕25号）第五条",
        "qualification_code": "radiation_health",
        "min_grade": "乙级",
        "result_document": "职业病危害控制效果放射防护评价报告",
        "fee_basis": _MARKET,
    },
    # --- water
    {
        "code": "ZJ-006",
        "name": "生产建设项目水土保持方案编制",
        "approval": "生产建设项目水土保持方案审批",
        "legal_basis": "《中华人民共和国水土保持法》第二十五条",
        "qualification_code": "soil_water_conservation",
        "min_grade": "",
        "result_document": "水土保持方案报告书（表）",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-007",
        "name": "建设项目水资源论证报告编制",
        "approval": "取水许可",
        "legal_basis": "《中华人民共和国水法》第四十八条；《取水许可和水资源费征收管理条例》；《建设项目水资源论证管理办法》",
        "qualification_code": "water_consulting",
        "min_grade": "",
        "result_document": "建设项目水资源论证报告书（表）",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-008",
        "name": "洪水影响评价报告编制",
        "approval": "洪水影响评价类审批（河道管理范围内建设项目工程建设方案审批等）",
        "legal_basis": "《中华人民共和国防洪法》第二十七条、第三十三条；《中华人民共和国河道管理条例》",
        "qualification_code": "water_consulting",
        "min_grade": "",
        "result_document": "洪水影响评价报告",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-009",
        "name": "固定资产投资项目节能报告编制",
        "approval": "固定资产投资项目节能审查",
        "legal_basis": "《中华人民共和国节约能源法》第十五条；《固定资产投资项目节能审查办法》",
        "qualification_code": "energy_assessment",
        "min_grade": "",
        "result_document": "节能报告",
        "fee_basis": _MARKET_299,
    },
    # --- land, geology, surveying
    {
        "code": "ZJ-010",
        "name": "建设用地地质灾害危险性评估",
        "approval": "建设项目用地预审与选址意见书核发",
        "legal_basis": "《地质灾害防治条例》第二十一条；《地质灾害防治单位资质管理办法》（自然资源部令第8号）",
        "qualification_code": "geohazard",
        "min_grade": "乙级",
        "result_document": "地质灾害危险性评估报告",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-011",
        "name": "建设项目压覆重要矿产资源评估",
        "approval": "建设项目压覆重要矿产资源审批",
        "legal_basis": "《中华人民共和国矿产资源法》",
        "qualification_code": "geological_exploration",
        "min_grade": "",
        "result_document": "建设项目压覆重要矿产资源评估报告",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-012",
        "name": "建设项目用地勘测定界",
        "approval": "建设用地（农用地转用、土地征收）审批",
        "legal_basis": "《中华人民共和国土地管理法》；《中华人民共和国土地管理法实施条例》；《建设用地审查报批管理办法》",
        "qualification_code": "surveying_mapping",
        "min_grade": "乙级",
        "result_document": "勘测定界技术报告书及勘测定界图",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-013",
        "name": "房产测绘（不动产测绘）",
        "approval": "国有建设用地使用权及房屋所有权首次登记",
        "legal_basis": "《不动产登记暂行条例》；《不动产登记暂行条例实施细则》；《房产测绘管理办法》（建设部、国家测绘局令第83号）",
        "qualification_code": "surveying_mapping",
        "min_grade": "乙级",
        "result_document": "房产测绘成果报告（房屋面积测算报告）",
        "fee_basis": _MARKET,
    },
    # --- construction
    {
        "code": "ZJ-014",
        "name": "岩土工程勘察",
        "approval": "建设工程施工图设计文件审查及建筑工程施工许可",
        "legal_basis": "《建设工程质量管理条例》第五条；《建设工程勘察设计管理条例》；《建设工程勘察设计资质管理规定》",
        "qualification_code": "engineering_survey",
        "min_grade": "乙级",
        "result_document": "岩土工程勘察报告",
        "fee_basis": _MARKET_299,
    },
    {
        "code": "ZJ-015",
        "name": "施工图设计文件审查",
        "approval": "建筑工程施工许可证核发",
        "legal_basis": "《建设工程质量管理条例》第十一条；《房屋建筑和市政基础设施工程施工图设计文件审查管理办法》（住房和城乡建设部令第13号）",
        "qualification_code": "drawing_review",
        "min_grade": "二类",
        "result_document": "施工图设计文件审查合格书及审查报告",
        "fee_basis": "市场调节价；实行政府购买审图服务的由财政支付",
    },
    {
        "code": "ZJ-016",
        "name": "政府投资项目初步设计及概算编制",
        "approval": "政府投资项目初步设计及概算审批",
        "legal_basis": "《政府投资条例》（国务院令第712号）；《建设工程勘察设计管理条例》",
        "qualification_code": "engineering_design",
        "min_grade": "乙级",
        "result_document": "初步设计文件及设计概算",
        "fee_basis": _MARKET_299,
    },
    {
        "code": "ZJ-017",
        "name": "工程造价咨询（概算、预算编制及审核）",
        "approval": "政府投资项目初步设计及概算审批",
        "legal_basis": "《政府投资条例》（国务院令第712号）；《建筑工程施工发包与承包计价管理办法》（住房和城乡建设部令第16号）",
        "qualification_code": "cost_consulting",
        "min_grade": "",
        "result_document": "工程概算书、施工图预算书或造价审核报告",
        "fee_basis": _MARKET,
    },
    # --- lightning and fire
    # Since 国发〔2016〕39号 the lightning-protection design review of ordinary buildings and
    # municipal works is part of the drawing review; the 气象 authority still reviews
    # flammable/explosive sites and the like. Check who commissions these items locally.
    {
        "code": "ZJ-018",
        "name": "雷电防护装置设计技术评价",
        "approval": "雷电防护装置设计审核",
        "legal_basis": "《气象灾害防御条例》；《国务院关于优化建设工程防雷许可的决定》（国发〔2016〕39号）",
        "qualification_code": "lightning_testing",
        "min_grade": "乙级",
        "result_document": "雷电防护装置设计技术评价报告",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-019",
        "name": "雷电灾害风险评估",
        "approval": "雷电防护装置设计审核",
        "legal_basis": "《气象灾害防御条例》；《防雷减灾管理办法》；《国务院关于优化建设工程防雷许可的决定》（国发〔2016〕39号）",
        "qualification_code": "lightning_testing",
        "min_grade": "",
        "result_document": "雷电灾害风险评估报告",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-020",
        "name": "雷电防护装置检测",
        "approval": "雷电防护装置竣工验收",
        "legal_basis": "《中华人民共和国气象法》；《气象灾害防御条例》；《雷电防护装置检测资质管理办法》",
        "qualification_code": "lightning_testing",
        "min_grade": "乙级",
        "result_document": "雷电防护装置检测报告",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-021",
        "name": "建筑消防设施检测",
        "approval": "公众聚集场所投入使用、营业前消防安全检查",
        "legal_basis": "《中华人民共和国消防法》第三十四条；《社会消防技术服务管理规定》（应急管理部令第7号）",
        "qualification_code": "fire_technical_service",
        "min_grade": "",
        "result_document": "建筑消防设施检测报告",
        "fee_basis": _MARKET,
    },
    # --- investment decisions
    {
        "code": "ZJ-022",
        "name": "政府投资项目可行性研究报告编制",
        "approval": "政府投资项目可行性研究报告审批",
        "legal_basis": "《政府投资条例》（国务院令第712号）第九条；《工程咨询行业管理办法》（国家发展改革委令2017年第9号）",
        "qualification_code": "engineering_consulting",
        "min_grade": "",
        "result_document": "可行性研究报告",
        "fee_basis": _MARKET_299,
    },
    {
        # The enterprise may prepare the application itself; nobody may force it to hire an
        # intermediary (企业投资项目核准和备案管理条例). Listed for voluntary purchases.
        "code": "ZJ-023",
        "name": "企业投资项目申请报告编制",
        "approval": "企业投资项目核准",
        "legal_basis": "《企业投资项目核准和备案管理条例》（国务院令第673号）；《企业投资项目核准和备案管理办法》",
        "qualification_code": "engineering_consulting",
        "min_grade": "",
        "result_document": "项目申请报告（项目申请书）",
        "fee_basis": _MARKET_299,
    },
    {
        "code": "ZJ-024",
        "name": "重大固定资产投资项目社会稳定风险评估",
        "approval": "政府投资项目可行性研究报告审批、企业投资项目核准",
        "legal_basis": "《重大固定资产投资项目社会稳定风险评估暂行办法》（发改投资〔2012〕2492号）",
        "qualification_code": "social_stability",
        "min_grade": "",
        "result_document": "社会稳定风险分析（评估）报告",
        "fee_basis": _MARKET,
    },
    # --- planning and heritage
    {
        "code": "ZJ-025",
        "name": "修建性详细规划及建设工程设计方案编制",
        "approval": "建设工程规划许可证核发",
        "legal_basis": "《中华人民共和国城乡规划法》第二十四条、第四十条",
        "qualification_code": "urban_planning",
        "min_grade": "乙级",
        "result_document": "修建性详细规划（建设工程设计方案）文本及图纸",
        "fee_basis": _MARKET,
    },
    {
        # No national law sets this item; cities set it in local planning rules.
        "code": "ZJ-026",
        "name": "建设项目交通影响评价",
        "approval": "建设工程规划许可证核发",
        "legal_basis": "《建设项目交通影响评价技术标准》（CJJ/T 141—2010）及地方城乡规划管理规定（无法律、行政法规直接设定）",
        "qualification_code": "traffic_impact",
        "min_grade": "",
        "result_document": "交通影响评价报告",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-027",
        "name": "建设工程文物影响评估",
        "approval": "文物保护单位保护范围内其他建设工程或者爆破、钻探、挖掘等作业审批",
        "legal_basis": "《中华人民共和国文物保护法》",
        "qualification_code": "heritage_design",
        "min_grade": "丙级",
        "result_document": "文物影响评估报告",
        "fee_basis": _MARKET,
    },
    # --- valuation
    {
        "code": "ZJ-028",
        "name": "国有建设用地使用权出让地价评估",
        "approval": "国有建设用地使用权出让方案审批",
        "legal_basis": "《中华人民共和国城市房地产管理法》；《中华人民共和国资产评估法》；《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）",
        "qualification_code": "land_appraisal",
        "min_grade": "",
        "result_document": "土地估价报告",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-029",
        "name": "国有资产评估",
        "approval": "国有资产评估项目核准（备案）",
        "legal_basis": "《中华人民共和国企业国有资产法》第四十七条；《中华人民共和国资产评估法》；《国有资产评估管理办法》（国务院令第91号）",
        "qualification_code": "asset_appraisal",
        "min_grade": "",
        "result_document": "资产评估报告",
        "fee_basis": _MARKET,
    },
    {
        "code": "ZJ-030",
        "name": "国有土地上房屋征收评估",
        "approval": "房屋征收决定",
        "legal_basis": "《国有土地上房屋征收与补偿条例》第十九条；《国有土地上房屋征收评估办法》",
        "qualification_code": "real_estate_appraisal",
        "min_grade": "",
        "result_document": "房屋征收评估报告",
        "fee_basis": _MARKET,
    },
]

# --------------------------------------------------------------------------- demo owners

DEMO_OWNERS: list[dict] = [
    {"name": "宜春市交通运输局", "region_code": "360900", "contact": "刘建华", "phone": "0795-3221456", "username": "yc_jtj"},
    {"name": "樟树市自然资源局", "region_code": "360982", "contact": "周晓燕", "phone": "0795-7352188", "username": "zs_zrzyj"},
    {"name": "丰城市剑声中学", "region_code": "360981", "contact": "熊国平", "phone": "0795-6412307", "username": "fc_jszx"},
    {"name": "高安市城市建设投资集团有限公司", "region_code": "360983", "contact": "黄志强", "phone": "0795-5286610", "username": "ga_ctjt"},
    {"name": "宜春锂源新能源材料有限公司", "region_code": "360971", "contact": "袁海涛", "phone": "0795-3695520", "username": "ycjk_liyuan"},
    {"name": "奉新县人民医院", "region_code": "360921", "contact": "胡敏", "phone": "0795-4623120", "username": "fx_rmyy"},
    {"name": "万载县水利局", "region_code": "360922", "contact": "辛卫东", "phone": "0795-8826341", "username": "wz_slj"},
    {"name": "上高县住房和城乡建设局", "region_code": "360923", "contact": "晏丽萍", "phone": "0795-2512096", "username": "sg_zjj"},
    {"name": "明月山温泉风景名胜区管理委员会", "region_code": "360973", "contact": "易文斌", "phone": "0795-3661082", "username": "mys_gwh"},
]

# --------------------------------------------------------------------------- demo intermediaries

# Expiry dates: most run into 2028-2030. For the demo, 江西赣安's safety-assessment
# certificate expires soon (2026-12-20) and 江西赣雷's lightning-testing one in January 2027;
# 江西锦江's surveying and 江西章贡's design certificates have already expired.
DEMO_INTERMEDIARIES: list[dict] = [
    {
        "name": "江西赣咨工程咨询有限公司",
        "uscc": "913601035905541254",
        "legal_rep": "万国强",
        "contact": "邹雅琴",
        "phone": "0791-86231745",
        "email": "ganzi@example.com",
        "username": "ganzi",
        "qualifications": [
            {"type_code": "engineering_consulting", "grade": "甲级", "cert_no": "甲2023360100012", "valid_until": "2029-06-30"},
            {"type_code": "energy_assessment", "grade": "承诺", "cert_no": "CN-GZ-2024-001", "valid_until": "2029-12-31"},
            {"type_code": "water_consulting", "grade": "承诺", "cert_no": "CN-GZ-2024-002", "valid_until": "2029-12-31"},
            {"type_code": "social_stability", "grade": "承诺", "cert_no": "CN-GZ-2024-003", "valid_until": "2029-12-31"},
            {"type_code": "traffic_impact", "grade": "承诺", "cert_no": "CN-GZ-2024-004", "valid_until": "2029-12-31"},
        ],
        "staff": [
            {"name": "万国强", "title": "注册咨询工程师（投资）", "cert_no": "ZX3601201500318"},
            {"name": "程立新", "title": "注册咨询工程师（投资）", "cert_no": "ZX3601201900742"},
            {"name": "邹雅琴", "title": "一级注册造价工程师", "cert_no": "建[造]13360010027"},
        ],
    },
    {
        "name": "宜春市秀江工程咨询有限公司",
        "uscc": "91360902MA359W0M3D",
        "legal_rep": "钟永明",
        "contact": "钟晓东",
        "phone": "0795-3286512",
        "email": "xiujiang@example.com",
        "username": "xiujiang",
        "qualifications": [
            {"type_code": "engineering_consulting", "grade": "乙级", "cert_no": "乙2022360900035", "valid_until": "2028-09-30"},
            {"type_code": "energy_assessment", "grade": "承诺", "cert_no": "CN-XJ-2024-001", "valid_until": "2029-12-31"},
            {"type_code": "social_stability", "grade": "承诺", "cert_no": "CN-XJ-2024-002", "valid_until": "2029-12-31"},
            {"type_code": "traffic_impact", "grade": "承诺", "cert_no": "CN-XJ-2024-003", "valid_until": "2029-12-31"},
            {"type_code": "cost_consulting", "grade": "备案", "cert_no": "赣造登2022-0917", "valid_until": "2029-12-31"},
        ],
        "staff": [
            {"name": "钟永明", "title": "注册咨询工程师（投资）", "cert_no": "ZX3609201700521"},
            {"name": "肖红梅", "title": "一级注册造价工程师", "cert_no": "建[造]13360090114"},
        ],
    },
    {
        "name": "江西绿源环境科技有限公司",
        "uscc": "91360111MA3563WP6K",
        "legal_rep": "彭绍华",
        "contact": "吴丽娜",
        "phone": "0791-88105236",
        "email": "lvyuan@example.com",
        "username": "lvyuan",
        "qualifications": [
            {"type_code": "eia", "grade": "备案", "cert_no": "HP-360111-2019-0086", "valid_until": "2030-12-31"},
            {"type_code": "soil_water_conservation", "grade": "三星级", "cert_no": "水保方案（赣）字第0231号", "valid_until": "2028-05-31"},
            {"type_code": "water_consulting", "grade": "承诺", "cert_no": "CN-LY-2024-001", "valid_until": "2029-12-31"},
            {"type_code": "energy_assessment", "grade": "承诺", "cert_no": "CN-LY-2024-002", "valid_until": "2029-12-31"},
            {"type_code": "cma", "grade": "资质认定", "cert_no": "221412340567", "valid_until": "2028-03-15"},
        ],
        "staff": [
            {"name": "彭绍华", "title": "环境影响评价工程师", "cert_no": "HP00013652"},
            {"name": "吴丽娜", "title": "环境影响评价工程师", "cert_no": "HP00021477"},
            {"name": "郭振宇", "title": "注册土木工程师（水利水电工程）", "cert_no": "SL3601180203"},
        ],
    },
    {
        "name": "湖南湘环生态环境咨询有限公司",
        "uscc": "91430104MA4LLU7A6U",
        "legal_rep": "谭志勇",
        "contact": "龙婷",
        "phone": "0731-88627419",
        "email": "xianghuan@example.com",
        "username": "xianghuan",
        "qualifications": [
            {"type_code": "eia", "grade": "备案", "cert_no": "HP-430104-2019-0152", "valid_until": "2030-12-31"},
            {"type_code": "soil_water_conservation", "grade": "四星级", "cert_no": "水保方案（湘）字第0078号", "valid_until": "2029-04-30"},
            {"type_code": "water_consulting", "grade": "承诺", "cert_no": "CN-XH-2024-001", "valid_until": "2029-12-31"},
            {"type_code": "radiation_health", "grade": "乙级", "cert_no": "湘卫放评乙字〔2023〕第006号", "valid_until": "2028-08-31"},
        ],
        "staff": [
            {"name": "谭志勇", "title": "环境影响评价工程师", "cert_no": "HP00009831"},
            {"name": "龙婷", "title": "环境影响评价工程师", "cert_no": "HP00030265"},
            {"name": "曾凡超", "title": "注册核安全工程师", "cert_no": "HAQ2019043002"},
        ],
    },
    {
        "name": "江西赣安安全技术咨询有限公司",
        "uscc": "91360102764198993Y",
        "legal_rep": "熊志坚",
        "contact": "喻芳",
        "phone": "0791-86517720",
        "email": "ganan@example.com",
        "username": "ganan",
        "qualifications": [
            # Expires soon: shows the expiry warning.
            {"type_code": "safety_assessment", "grade": "不分级", "cert_no": "APJ-（赣）-017", "valid_until": "2026-12-20"},
            {"type_code": "radiation_health", "grade": "乙级", "cert_no": "赣卫放评乙字〔2022〕第011号", "valid_until": "2028-11-30"},
            {"type_code": "lightning_testing", "grade": "乙级", "cert_no": "赣雷检资字（乙）2023-019", "valid_until": "2028-07-31"},
            {"type_code": "fire_technical_service", "grade": "备案", "cert_no": "XF-360102-2022-0045", "valid_until": "2029-12-31"},
            {"type_code": "cma", "grade": "资质认定", "cert_no": "221412340981", "valid_until": "2029-01-20"},
        ],
        "staff": [
            {"name": "熊志坚", "title": "一级安全评价师", "cert_no": "S011036000110192001234"},
            {"name": "喻芳", "title": "注册安全工程师", "cert_no": "ZAQ3601202100387"},
            {"name": "蔡文涛", "title": "一级注册消防工程师", "cert_no": "XF36000215"},
        ],
    },
    {
        "name": "湖北楚安安全评价有限公司",
        "uscc": "914201065136532181",
        "legal_rep": "陈卫国",
        "contact": "李思远",
        "phone": "027-87316652",
        "email": "chuan@example.com",
        "username": "chuan",
        "qualifications": [
            {"type_code": "safety_assessment", "grade": "不分级", "cert_no": "APJ-（鄂）-008", "valid_until": "2029-03-31"},
            {"type_code": "radiation_health", "grade": "甲级", "cert_no": "国卫放评甲字〔2024〕第003号", "valid_until": "2029-06-30"},
            {"type_code": "lightning_testing", "grade": "乙级", "cert_no": "鄂雷检资字（乙）2022-031", "valid_until": "2028-10-31"},
            {"type_code": "fire_technical_service", "grade": "备案", "cert_no": "XF-420106-2021-0112", "valid_until": "2029-12-31"},
        ],
        "staff": [
            {"name": "陈卫国", "title": "一级安全评价师", "cert_no": "S011042000110191000876"},
            {"name": "李思远", "title": "注册安全工程师", "cert_no": "ZAQ4201201900655"},
        ],
    },
    {
        "name": "宜春宜测地理信息有限公司",
        "uscc": "91360902MA38UY663H",
        "legal_rep": "易建军",
        "contact": "付琳",
        "phone": "0795-3528807",
        "email": "yice@example.com",
        "username": "yice",
        "qualifications": [
            {"type_code": "surveying_mapping", "grade": "乙级", "cert_no": "乙测资字36503127", "valid_until": "2028-12-31"},
            {"type_code": "geohazard", "grade": "乙级", "cert_no": "赣地灾防乙字2023-027", "valid_until": "2028-02-28"},
            {"type_code": "geological_exploration", "grade": "公示", "cert_no": "DKGS-360902-0031", "valid_until": "2029-12-31"},
        ],
        "staff": [
            {"name": "易建军", "title": "注册测绘师", "cert_no": "CH36000089"},
            {"name": "付琳", "title": "注册测绘师", "cert_no": "CH36000157"},
        ],
    },
    {
        "name": "江西省赣地勘测规划设计有限公司",
        "uscc": "9136011361494492XH",
        "legal_rep": "刘德胜",
        "contact": "黄静",
        "phone": "0791-83860215",
        "email": "gandi@example.com",
        "username": "gandi",
        "qualifications": [
            {"type_code": "surveying_mapping", "grade": "甲级", "cert_no": "甲测资字36100455", "valid_until": "2029-08-31"},
            {"type_code": "geohazard", "grade": "甲级", "cert_no": "赣地灾防甲字2023-004", "valid_until": "2028-06-30"},
            {"type_code": "geological_exploration", "grade": "公示", "cert_no": "DKGS-360113-0008", "valid_until": "2029-12-31"},
            {"type_code": "engineering_survey", "grade": "甲级", "cert_no": "B136012841", "valid_until": "2028-12-31"},
            {"type_code": "engineering_design", "grade": "乙级", "cert_no": "A236013552", "valid_until": "2028-12-31"},
            {"type_code": "urban_planning", "grade": "乙级", "cert_no": "自然资规乙字23360035", "valid_until": "2028-04-30"},
            {"type_code": "heritage_design", "grade": "乙级", "cert_no": "文物勘设乙字36-0012", "valid_until": "2029-03-31"},
        ],
        "staff": [
            {"name": "刘德胜", "title": "注册测绘师", "cert_no": "CH36000012"},
            {"name": "黄静", "title": "注册城乡规划师", "cert_no": "GH3600201800096"},
            {"name": "严卫华", "title": "注册土木工程师（岩土）", "cert_no": "AY361100218"},
        ],
    },
    {
        "name": "浙江之江测绘科技有限公司",
        "uscc": "91330106594785246A",
        "legal_rep": "俞海峰",
        "contact": "沈佳怡",
        "phone": "0571-87953364",
        "email": "zhijiang@example.com",
        "username": "zhijiang",
        "qualifications": [
            {"type_code": "surveying_mapping", "grade": "甲级", "cert_no": "甲测资字33100981", "valid_until": "2030-03-31"},
            {"type_code": "geohazard", "grade": "乙级", "cert_no": "浙地灾防乙字2023-058", "valid_until": "2028-09-30"},
            {"type_code": "geological_exploration", "grade": "公示", "cert_no": "DKGS-330106-0044", "valid_until": "2029-12-31"},
            {"type_code": "engineering_survey", "grade": "乙级", "cert_no": "B233019640", "valid_until": "2029-05-31"},
        ],
        "staff": [
            {"name": "俞海峰", "title": "注册测绘师", "cert_no": "CH33000231"},
            {"name": "沈佳怡", "title": "注册测绘师", "cert_no": "CH33000876"},
            {"name": "朱国栋", "title": "注册土木工程师（岩土）", "cert_no": "AY331400562"},
        ],
    },
    {
        "name": "江西锦江建筑设计研究院有限公司",
        "uscc": "913609835508783605",
        "legal_rep": "况志明",
        "contact": "晏慧",
        "phone": "0795-5218836",
        "email": "jinjiang@example.com",
        "username": "jinjiang",
        "qualifications": [
            {"type_code": "engineering_design", "grade": "甲级", "cert_no": "A136008127", "valid_until": "2029-12-31"},
            {"type_code": "engineering_survey", "grade": "乙级", "cert_no": "B236008127", "valid_until": "2029-12-31"},
            {"type_code": "urban_planning", "grade": "乙级", "cert_no": "自然资规乙字23360071", "valid_until": "2028-10-31"},
            {"type_code": "heritage_design", "grade": "丙级", "cert_no": "文物勘设丙字36-0040", "valid_until": "2028-06-30"},
            {"type_code": "engineering_consulting", "grade": "备案", "cert_no": "GCZX-BA-360983-0006", "valid_until": "2029-12-31"},
            {"type_code": "traffic_impact", "grade": "承诺", "cert_no": "CN-JJ-2024-001", "valid_until": "2029-12-31"},
            # Already expired: the platform must ignore it when matching.
            {"type_code": "surveying_mapping", "grade": "乙级", "cert_no": "乙测资字36502286", "valid_until": "2026-05-31"},
        ],
        "staff": [
            {"name": "况志明", "title": "一级注册建筑师", "cert_no": "JZ361200387"},
            {"name": "晏慧", "title": "注册城乡规划师", "cert_no": "GH3600201900154"},
            {"name": "卢振华", "title": "一级注册结构工程师", "cert_no": "S361300215"},
        ],
    },
    {
        "name": "江西赣审施工图审查有限公司",
        "uscc": "91360102MA35N5WG03",
        "legal_rep": "胡建平",
        "contact": "甘婷婷",
        "phone": "0791-86395021",
        "email": "ganshen@example.com",
        "username": "ganshen",
        "qualifications": [
            {"type_code": "drawing_review", "grade": "一类", "cert_no": "赣审图一类第012号", "valid_until": "2028-12-31"},
            {"type_code": "cost_consulting", "grade": "备案", "cert_no": "赣造登2021-0733", "valid_until": "2029-12-31"},
        ],
        "staff": [
            {"name": "胡建平", "title": "一级注册结构工程师", "cert_no": "S361000098"},
            {"name": "甘婷婷", "title": "一级注册建筑师", "cert_no": "JZ361600432"},
            {"name": "罗斌", "title": "一级注册造价工程师", "cert_no": "建[造]13360010583"},
        ],
    },
    {
        "name": "江西章贡工程技术有限公司",
        "uscc": "91360702MA394PM35D",
        "legal_rep": "钟国华",
        "contact": "谢晓玲",
        "phone": "0797-8163254",
        "email": "zhanggong@example.com",
        "username": "zhanggong",
        "qualifications": [
            {"type_code": "drawing_review", "grade": "二类", "cert_no": "赣审图二类第027号", "valid_until": "2029-06-30"},
            {"type_code": "cost_consulting", "grade": "备案", "cert_no": "赣造登2022-1108", "valid_until": "2029-12-31"},
            # Already expired.
            {"type_code": "engineering_design", "grade": "乙级", "cert_no": "A236021907", "valid_until": "2026-03-31"},
        ],
        "staff": [
            {"name": "钟国华", "title": "一级注册结构工程师", "cert_no": "S361500311"},
            {"name": "谢晓玲", "title": "一级注册造价工程师", "cert_no": "建[造]13360070219"},
        ],
    },
    {
        "name": "江西正衡土地房地产资产评估有限公司",
        "uscc": "91360103631016797B",
        "legal_rep": "涂建新",
        "contact": "聂晶",
        "phone": "0791-86728843",
        "email": "zhengheng@example.com",
        "username": "zhengheng",
        "qualifications": [
            {"type_code": "asset_appraisal", "grade": "备案", "cert_no": "赣财资评备〔2017〕0021", "valid_until": "2029-12-31"},
            {"type_code": "land_appraisal", "grade": "备案", "cert_no": "TDGJ-BA-360103-0009", "valid_until": "2029-12-31"},
            {"type_code": "real_estate_appraisal", "grade": "一级", "cert_no": "建房估证字〔2023〕036号", "valid_until": "2029-02-28"},
            {"type_code": "social_stability", "grade": "承诺", "cert_no": "CN-ZH-2024-001", "valid_until": "2029-12-31"},
        ],
        "staff": [
            {"name": "涂建新", "title": "资产评估师", "cert_no": "36000187"},
            {"name": "聂晶", "title": "房地产估价师", "cert_no": "3620130045"},
            {"name": "万俊", "title": "土地估价师", "cert_no": "2009360023"},
        ],
    },
    {
        "name": "北京中评华信资产评估有限公司",
        "uscc": "91110108724397533C",
        "legal_rep": "王振宇",
        "contact": "赵娜",
        "phone": "010-62985573",
        "email": "zhongping@example.com",
        "username": "zhongping",
        "qualifications": [
            {"type_code": "asset_appraisal", "grade": "备案", "cert_no": "京财资评备〔2017〕0144", "valid_until": "2029-12-31"},
            {"type_code": "land_appraisal", "grade": "备案", "cert_no": "TDGJ-BA-110108-0052", "valid_until": "2029-12-31"},
            {"type_code": "real_estate_appraisal", "grade": "二级", "cert_no": "京房估备字〔2022〕118号", "valid_until": "2028-07-31"},
        ],
        "staff": [
            {"name": "王振宇", "title": "资产评估师", "cert_no": "11001532"},
            {"name": "赵娜", "title": "房地产估价师", "cert_no": "1120150377"},
        ],
    },
    {
        "name": "丰城市剑邑土地房地产资产评估有限公司",
        "uscc": "91360981MA382G9W30",
        "legal_rep": "邓卫民",
        "contact": "杨春花",
        "phone": "0795-6631298",
        "email": "jianyi@example.com",
        "username": "jianyi",
        "qualifications": [
            {"type_code": "asset_appraisal", "grade": "备案", "cert_no": "赣财资评备〔2019〕0063", "valid_until": "2029-12-31"},
            {"type_code": "land_appraisal", "grade": "备案", "cert_no": "TDGJ-BA-360981-0003", "valid_until": "2029-12-31"},
            {"type_code": "real_estate_appraisal", "grade": "三级", "cert_no": "赣房估备字〔2023〕059号", "valid_until": "2028-03-31"},
            {"type_code": "cost_consulting", "grade": "备案", "cert_no": "赣造登2023-0215", "valid_until": "2029-12-31"},
        ],
        "staff": [
            {"name": "邓卫民", "title": "资产评估师", "cert_no": "36000402"},
            {"name": "杨春花", "title": "土地估价师", "cert_no": "2013360051"},
            {"name": "熊斌", "title": "二级注册造价工程师", "cert_no": "建[造]23360900417"},
        ],
    },
    {
        "name": "江西赣雷安全技术服务有限公司",
        "uscc": "91360302MA35Q6515H",
        "legal_rep": "彭立华",
        "contact": "文娟",
        "phone": "0799-6835127",
        "email": "ganlei@example.com",
        "username": "ganlei",
        "qualifications": [
            # Expires soon.
            {"type_code": "lightning_testing", "grade": "甲级", "cert_no": "赣雷检资字（甲）2022-003", "valid_until": "2027-01-15"},
            {"type_code": "safety_assessment", "grade": "不分级", "cert_no": "APJ-（赣）-029", "valid_until": "2029-09-30"},
            {"type_code": "fire_technical_service", "grade": "备案", "cert_no": "XF-360302-2022-0019", "valid_until": "2029-12-31"},
        ],
        "staff": [
            {"name": "彭立华", "title": "高级工程师（雷电防护）", "cert_no": "FL3603001"},
            {"name": "文娟", "title": "一级安全评价师", "cert_no": "S011036000110211000512"},
            {"name": "李坤", "title": "一级注册消防工程师", "cert_no": "XF36000377"},
        ],
    },
    {
        "name": "福建闽清环保科技有限公司",
        "uscc": "91350102MA2XTQ7471",
        "legal_rep": "林志明",
        "contact": "陈雅婷",
        "phone": "0591-87612230",
        "email": "minqing@example.com",
        "username": "minqing",
        "qualifications": [
            {"type_code": "eia", "grade": "备案", "cert_no": "HP-350102-2019-0233", "valid_until": "2030-12-31"},
            {"type_code": "soil_water_conservation", "grade": "五星级", "cert_no": "水保方案（闽）字第0015号", "valid_until": "2029-05-31"},
            {"type_code": "water_consulting", "grade": "承诺", "cert_no": "CN-MQ-2024-001", "valid_until": "2029-12-31"},
        ],
        "staff": [
            {"name": "林志明", "title": "环境影响评价工程师", "cert_no": "HP00011209"},
            {"name": "陈雅婷", "title": "注册土木工程师（水利水电工程）", "cert_no": "SL3501190117"},
        ],
    },
    {
        "name": "湖南湘楚古建园林设计有限公司",
        "uscc": "91430102MA4LB7B02Q",
        "legal_rep": "欧阳建国",
        "contact": "彭思雨",
        "phone": "0731-84458109",
        "email": "xiangchu@example.com",
        "username": "xiangchu",
        "qualifications": [
            {"type_code": "heritage_design", "grade": "甲级", "cert_no": "文物勘设甲字0187SJ", "valid_until": "2029-10-31"},
            {"type_code": "urban_planning", "grade": "甲级", "cert_no": "自然资规甲字21430019", "valid_until": "2029-12-31"},
            {"type_code": "engineering_design", "grade": "乙级", "cert_no": "A243017721", "valid_until": "2028-11-30"},
            {"type_code": "traffic_impact", "grade": "承诺", "cert_no": "CN-XC-2024-001", "valid_until": "2029-12-31"},
        ],
        "staff": [
            {"name": "欧阳建国", "title": "文物保护工程责任设计师", "cert_no": "WWSJ-430016"},
            {"name": "彭思雨", "title": "注册城乡规划师", "cert_no": "GH4300201700233"},
            {"name": "贺文杰", "title": "一级注册建筑师", "cert_no": "JZ431500118"},
        ],
    },
    {
        "name": "江西赣西施工图审查有限公司",
        "uscc": "91360902MA39DW8XXW",
        "legal_rep": "袁志华",
        "contact": "黎娜",
        "phone": "0795-3527719",
        "email": "ganxi@example.com",
        "username": "ganxi",
        "qualifications": [
            {"type_code": "drawing_review", "grade": "一类", "cert_no": "赣审图一类第021号", "valid_until": "2029-03-31"},
        ],
        "staff": [
            {"name": "袁志华", "title": "一级注册建筑师", "cert_no": "JZ361400266"},
            {"name": "黎娜", "title": "注册土木工程师（岩土）", "cert_no": "AY361600104"},
        ],
    },
]

# --------------------------------------------------------------------------- demo bureau staff

# name: the bureau; display_name: the officer. County officers see and act on their county only.
DEMO_BUREAU: list[dict] = [
    {"name": "宜春市行政审批局", "region_code": "360900", "username": "yc_xzspj", "display_name": "黄志刚"},
    {"name": "樟树市行政审批局", "region_code": "360982", "username": "zs_xzspj", "display_name": "杨慧敏"},
    {"name": "高安市行政审批局", "region_code": "360983", "username": "ga_xzspj", "display_name": "李文军"},
]
