"""Project owners' registration (项目业主注册): the form a unit or a person fills in, the
owner's own status page (correct and resubmit when returned), and the bureau's review."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import AddressCaptchaMixin
from accounts.models import OwnerApplication, Region
from accounts.registration import (
    owner_application_resubmit,
    owner_application_review,
    owner_chain,
    owner_register,
)
from accounts.selectors import owner_applications_visible
from audit.selectors import chain_records
from core.exceptions import DomainError
from core.jurisdiction import is_bureau
from core.web import ERROR_TEMPLATE, apply_errors


def _messages(form: forms.Form) -> None:
    for field in form.fields.values():
        label = field.label
        field.error_messages.setdefault("required", f"请填写{label}。")
        field.error_messages["required"] = f"请填写{label}。"
        if isinstance(field, forms.CharField) and field.max_length:
            field.error_messages["max_length"] = f"{label}不能超过%(limit_value)d个字符。"



class OwnerFactsForm(forms.Form):
    required_css_class = "required"
    error_css_class = "has-error"

    name = forms.CharField(label="单位名称（自然人填写姓名）", max_length=120)
    uscc = forms.CharField(label="统一社会信用代码", max_length=30, required=False,
                           help_text="单位必填，18位，与营业执照或事业单位法人证书一致。")
    id_number = forms.CharField(label="居民身份证号码", max_length=30, required=False,
                                help_text="自然人必填；单位注册时可填写经办人的号码，用于统一身份认证登录。")
    region = forms.ChoiceField(label="所在区划", choices=())
    contact_name = forms.CharField(label="联系人", max_length=40)
    phone = forms.CharField(label="联系电话", max_length=30)
    email = forms.EmailField(label="电子邮箱", max_length=254)
    address = forms.CharField(label="地址", max_length=200, required=False)
    letter = forms.FileField(label="授权委托书", required=False,
                             help_text="单位必传：加盖单位公章的授权委托书扫描件（PDF、JPG、PNG）。")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "请选择")] + [(r.code, r.name) for r in Region.objects.all()]
        _messages(self)
        self.fields["email"].error_messages["invalid"] = "电子邮箱格式不正确。"
        self.fields["region"].error_messages["invalid_choice"] = "请选择所在区划。"


class OwnerRegisterForm(AddressCaptchaMixin, OwnerFactsForm):
    throttle_scope = "register"

    is_person = forms.TypedChoiceField(label="注册类型", choices=[("0", "单位（机关、事业单位、企业）"), ("1", "自然人")],
                                       coerce=lambda v: v == "1", initial="0", widget=forms.RadioSelect)
    username = forms.CharField(label="用户名", max_length=40, help_text="3至40位英文字母、数字或 _ . @ + -")
    password = forms.CharField(label="密码", strip=False, max_length=128, widget=forms.PasswordInput,
                               help_text="至少12位（注册人为本单位管理员），不能全为数字，不能过于简单。")
    password2 = forms.CharField(label="确认密码", strip=False, max_length=128, widget=forms.PasswordInput)

    field_order = ["is_person", "name", "uscc", "id_number", "region", "contact_name", "phone", "email", "address",
                   "letter", "username", "password", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _messages(self)
        self.fields["is_person"].error_messages["invalid_choice"] = "请选择注册类型。"

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


@require_http_methods(["GET", "HEAD", "POST"])
def owner_register_view(request):
    """项目业主注册: a unit or a natural person registers; logged in, it waits for review."""
    if request.user.is_authenticated:
        return redirect("market:dashboard")
    form = OwnerRegisterForm(request.POST or None, request.FILES or None)
    form.setup_captcha(request=request, limit=settings.REGISTRATIONS_PER_HOUR)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/owner_register.html", {"form": form}, status=400)
        form.count_attempt()
        data = form.cleaned_data
        try:
            user = owner_register(
                is_person=data["is_person"], name=data["name"], uscc=data["uscc"], id_number=data["id_number"],
                region_code=data["region"], contact_name=data["contact_name"], phone=data["phone"],
                email=data["email"], address=data["address"], username=data["username"],
                password=data["password"], letter=data.get("letter"),
            )
        except DomainError as exc:
            apply_errors(form, exc)
            return render(request, "accounts/owner_register.html", {"form": form}, status=exc.status_code)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "注册申请已提交，所在区划的行政审批局审核通过后即可发布采购需求。")
        return redirect("accounts:owner_status")
    return render(request, "accounts/owner_register.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def owner_status(request):
    """The owner's registration: its state, the bureau's reason when returned, and the form
    to correct and resubmit it."""
    org = request.user.organisation if request.user.organisation_id else None
    application = OwnerApplication.objects.filter(organisation=org).select_related("organisation").first() if org else None
    if application is None:
        return render(request, ERROR_TEMPLATE, {"message": "本单位没有项目业主注册申请。"}, status=404)
    form = None
    status = 200
    if application.status == OwnerApplication.Status.RETURNED and request.user.is_org_admin:
        o = application.organisation
        initial = {"name": o.name, "uscc": o.uscc, "id_number": request.user.id_number, "region": o.region_id,
                   "contact_name": o.contact_name, "phone": o.phone, "email": o.email, "address": o.address}
        form = OwnerFactsForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                try:
                    owner_application_resubmit(
                        user=request.user, name=data["name"], uscc=data["uscc"], id_number=data["id_number"],
                        region_code=data["region"], contact_name=data["contact_name"], phone=data["phone"],
                        email=data["email"], address=data["address"], letter=data.get("letter"),
                    )
                    messages.success(request, "已重新提交，请等待审核。")
                    return redirect("accounts:owner_status")
                except DomainError as exc:
                    apply_errors(form, exc)
                    status = exc.status_code
            else:
                status = 400
    elif request.method == "POST":
        return render(request, ERROR_TEMPLATE, {"message": "该申请当前不能修改。"}, status=409)
    return render(request, "accounts/owner_status.html", {"application": application, "form": form}, status=status)


class ReviewForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"max_length": "退回理由不能超过%(limit_value)d个字。"})


@login_required
@require_http_methods(["GET", "HEAD"])
def owner_applications(request):
    """The bureau's list of owner registrations in its scope."""
    if not is_bureau(request.user):
        return render(request, ERROR_TEMPLATE, {"message": "只有行政审批局工作人员可以查看。"}, status=403)
    wanted = request.GET.get("status", OwnerApplication.Status.SUBMITTED)
    qs = owner_applications_visible(user=request.user)
    if wanted in OwnerApplication.Status.values:
        qs = qs.filter(status=wanted)
    return render(request, "accounts/owner_applications.html", {
        "applications": qs[:200], "wanted": wanted, "statuses": OwnerApplication.Status.choices})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def owner_application_detail(request, pk: int):
    application = owner_applications_visible(user=request.user).filter(pk=pk).first()
    if application is None:
        return render(request, ERROR_TEMPLATE, {"message": "注册申请不存在或不在您的管辖范围内。"}, status=404)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                owner_application_review(user=request.user, application_id=application.pk,
                                         approve=request.POST.get("decision") == "approve",
                                         reason=form.cleaned_data["reason"])
                messages.success(request, "审核意见已提交。")
                return redirect("accounts:owner_applications")
            except DomainError as exc:
                apply_errors(form, exc)
                status = exc.status_code
        else:
            status = 400
    records = [
        {"at": r.at, "actor": r.actor_label, "reason": r.reason,
         "what": _KIND_LABELS.get(r.kind, "记录") if r.kind != "transition"
         else f"{_STATE_LABELS.get(r.from_state, '')} → {_STATE_LABELS.get(r.to_state, '')}"}
        for r in chain_records(chain=owner_chain(application.organisation_id)).order_by("seq")
    ]
    applicant = application.applicant
    return render(request, "accounts/owner_application_detail.html", {
        "application": application, "form": form, "records": records,
        "masked_id": _mask(applicant.id_number)}, status=status)


_KIND_LABELS = {"owner_registered": "提交注册申请"}
_STATE_LABELS = dict(OwnerApplication.Status.choices)


def _mask(number: str) -> str:
    """A resident ID number shown to the reviewer: region and birth year, the rest hidden."""
    return f"{number[:10]}******{number[-2:]}" if number else ""
