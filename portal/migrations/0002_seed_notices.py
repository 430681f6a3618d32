"""The portal's first notices and policies; the bureau edits them in the back office."""

from django.db import migrations

NOTICES = [
    ("notice", "宜春市网上中介服务超市运行须知", "宜春市行政审批局",
     "项目业主在本平台网上发布涉审中介服务采购需求，平台向具备相应资质、信用良好的入驻中介机构推送邀请；"
     "中介机构网上报名，经可复核的随机选取或网上竞价产生结果；选取结果、合同、服务成果和评价全部网上办理，"
     "行政审批局全程监管。\n办理中遇到问题，请拨打监督投诉电话 0795-12345（工作日 8:30—12:00，14:30—17:30）。"),
    ("notice", "中介机构入驻指引", "宜春市行政审批局",
     "中介机构注册账号后填写入驻申请：营业执照、法定代表人、联系人、资质证书（附扫描件）、执业人员，"
     "签署承诺书后提交，行政审批局审核通过即可在全市范围承接中介服务（一地入驻、全市通行）。"),
    ("policy", "国务院办公厅关于清理规范国务院部门行政审批中介服务的通知", "国办发〔2015〕31号",
     "清理规范行政审批中介服务，破除中介服务垄断，切断中介服务利益关联，规范中介服务收费，"
     "加强中介服务监管，建立中介服务机构信用评价体系。"),
    ("policy", "宜春市网上中介服务超市管理暂行办法", "宜春市人民政府办公室",
     "规定网上中介服务超市的入驻、采购发布、选取、合同、服务评价和信用管理。本平台的期限、最低报名家数、"
     "失信惩戒标准等均按该办法设定为可调整的规则参数，见“规则参数”和“失信惩戒标准”。"),
]


def seed(apps, schema_editor):
    Notice = apps.get_model("portal", "Notice")
    for kind, title, source, body in NOTICES:
        Notice.objects.get_or_create(kind=kind, title=title, defaults={"source": source, "body": body})


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
