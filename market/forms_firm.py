"""Forms of the intermediary's pages: registration, the entry application (入驻) and its
sub-forms. They parse and check input; the rules themselves live in the services, whose
field errors the views copy back onto these forms (`core.web.apply_errors`).
"""

import json

from django import forms
from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import RegexValidator
from django.utils import timezone

from accounts.models import Region
from core.uscc import normalize_uscc, uscc_validate
from market.models import QualificationType

UPLOAD_ACCEPT = ",".join(f".{ext}" for ext in settings.UPLOAD_ALLOWED_EXTENSIONS)
UPLOAD_HELP = f"支持 {'、'.join(settings.UPLOAD_ALLOWED_EXTENSIONS)} 格式。"

phone_validator = RegexValidator(r"^[0-9+\-() ]{7,20}$", "请填写有效的联系电话（7至20位数字，可含区号连字符）。")

COMMITMENT_TEXT = """宜春市网上中介服务超市中介机构信用承诺书

本单位自愿申请入驻宜春市网上中介服务超市，郑重承诺如下：
一、本单位提交的营业执照、资质证书、执业人员等全部入驻材料真实、合法、有效，如有变更将及时更新；
二、严格遵守《宜春市网上中介服务超市管理暂行办法》及国家、省、市有关中介服务的法律法规，依法诚信执业；
三、按照公告要求公平参与报名、随机选取和网上竞价，不围标、串标，不以低于成本的价格恶意竞争，不向项目业主及其工作人员行贿或提供不正当利益；
四、中选后按时签订合同，不无故放弃中选资格，不转包、违法分包；
五、按合同约定的时限、质量和收费标准提供服务，不擅自增加收费项目，不出具虚假或者严重失实的服务成果；
六、自觉接受项目业主评价和行政审批局的监督检查，配合质疑、投诉的调查处理；
七、与项目业主存在利害关系的，主动申请回避。

如违反上述承诺，本单位自愿接受警告、暂停承接业务、清退出中介服务超市等信用惩戒，并承担相应法律责任。上述惩戒在全市范围内生效。"""


class _StyledForm(forms.Form):
    """Common rendering hooks: CSS classes for required fields and fields with errors."""

    required_css_class = "required"
    error_css_class = "has-error"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # Chinese labels take no colon
        super().__init__(*args, **kwargs)


class RegisterForm(_StyledForm):
    """A new intermediary account; the firm's details follow in the entry application."""

    username = forms.CharField(
        label="用户名", max_length=150, validators=[UnicodeUsernameValidator()],
        help_text="登录用，150个字符以内，可使用字母、数字和 @ . + - _。",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    display_name = forms.CharField(label="姓名", max_length=40, help_text="经办人姓名。")
    email = forms.EmailField(label="电子邮箱", help_text="用于接收采购邀请。")
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少8位，不能全为数字，不能过于简单或与用户名相近。",
    )
    password2 = forms.CharField(
        label="确认密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class EntryForm(_StyledForm):
    """The firm's facts and the business licence (营业执照)."""

    name = forms.CharField(label="机构名称", max_length=120, help_text="与营业执照一致。")
    uscc = forms.CharField(label="统一社会信用代码", max_length=30, help_text="18位，与营业执照一致。")
    legal_rep = forms.CharField(label="法定代表人", max_length=40)
    contact_name = forms.CharField(label="联系人", max_length=40)
    phone = forms.CharField(label="联系电话", max_length=30, validators=[phone_validator])
    email = forms.EmailField(label="电子邮箱", help_text="用于接收采购邀请。")
    address = forms.CharField(label="办公地址", max_length=200)
    region = forms.ModelChoiceField(
        label="所在区划", queryset=Region.objects.all(), to_field_name="code", empty_label="请选择",
        help_text="宜春市以外的机构请选择“宜春市”。入驻后可在全市各地承接业务。",
    )
    business_scope = forms.CharField(label="经营范围", widget=forms.Textarea(attrs={"rows": 4}))
    licence = forms.FileField(
        label="营业执照扫描件", required=False, help_text=UPLOAD_HELP,
        widget=forms.FileInput(attrs={"accept": UPLOAD_ACCEPT}),
    )

    def clean_uscc(self) -> str:
        code = normalize_uscc(self.cleaned_data["uscc"])
        uscc_validate(code)  # raises a ValidationError with the Chinese reason
        return code


class QualificationForm(_StyledForm):
    """A qualification certificate (资质证书) with its scan."""

    qualification_type = forms.ModelChoiceField(
        label="资质类型", queryset=QualificationType.objects.all(), empty_label="请选择"
    )
    grade = forms.ChoiceField(label="资质等级", required=False)
    cert_no = forms.CharField(label="证书编号", max_length=60)
    valid_until = forms.DateField(label="有效期至", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    scan = forms.FileField(
        label="证书扫描件", help_text=UPLOAD_HELP, widget=forms.FileInput(attrs={"accept": UPLOAD_ACCEPT})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "q")
        super().__init__(*args, **kwargs)
        types = list(self.fields["qualification_type"].queryset)
        self._grades = {str(t.pk): list(t.grades or []) for t in types}
        # Without JS every grade is offered, grouped by type; app.js narrows the list.
        self.fields["grade"].choices = [("", "请选择等级（无等级的资质不选）")] + [
            (t.name, [(g, g) for g in t.grades]) for t in types if t.grades
        ]
        self.fields["qualification_type"].widget.attrs.update(
            {"data-grades": json.dumps(self._grades, ensure_ascii=False), "data-grade-field": self.add_prefix("grade")}
        )

    def clean(self):
        data = super().clean()
        qtype = data.get("qualification_type")
        grade = data.get("grade", "")
        if qtype is not None:
            grades = self._grades.get(str(qtype.pk), [])
            if grades and grade not in grades:
                self.add_error("grade", f"请选择“{qtype.name}”的等级：{'、'.join(grades)}。")
            elif not grades and grade:
                self.add_error("grade", f"“{qtype.name}”不分等级，请不要选择等级。")
        valid_until = data.get("valid_until")
        if valid_until is not None and valid_until < timezone.localdate():
            self.add_error("valid_until", "该证书已过有效期，不能登记。")
        return data


class StaffForm(_StyledForm):
    """A practising professional (执业人员): name and title only are public."""

    name = forms.CharField(label="姓名", max_length=40)
    title = forms.CharField(label="执业资格", max_length=60, help_text="如：注册环境影响评价工程师、注册安全工程师。")
    cert_no = forms.CharField(label="注册证书编号", max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "s")
        super().__init__(*args, **kwargs)


class SubmitForm(_StyledForm):
    """Submission with the commitment letter; the service decides what is missing."""

    commitment = forms.BooleanField(
        label="本单位已阅读上述信用承诺书，承诺所提交材料真实有效并遵守承诺内容", required=False
    )
