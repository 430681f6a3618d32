"""People pages: an organisation administrator's users (本单位用户) and the city bureau's
management of bureau staff in every region (审批局人员). Thin: the services decide."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import Organisation, Region, User
from accounts.services_people import (
    bureau_staff_create,
    bureau_staff_rescope,
    bureau_staff_set_active,
    member_add,
    member_set_active,
    member_set_admin,
)
from core.exceptions import DomainError
from core.jurisdiction import is_city_bureau
from core.web import ERROR_TEMPLATE, apply_errors


class PersonForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=40, help_text="3至40位英文字母、数字或 _ . @ + -")
    display_name = forms.CharField(label="姓名", max_length=40)
    email = forms.EmailField(label="电子邮箱", max_length=254, help_text="设置密码的链接将发送到该邮箱")
    phone = forms.CharField(label="手机号码", max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.update({"required": f"请填写{field.label}。",
                                         "max_length": f"{field.label}不能超过%(limit_value)d个字符。"})
        self.fields["email"].error_messages["invalid"] = "电子邮箱格式不正确。"


def _region_choices(*, include_blank: bool = False):
    choices = [(r.code, r.name) for r in Region.objects.all()]
    return ([("", "请选择")] if include_blank else []) + choices


class BureauStaffForm(PersonForm):
    region = forms.ChoiceField(label="所属区划", choices=())
    is_org_admin = forms.BooleanField(label="设为该审批局管理员", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices(include_blank=True)
        self.fields["region"].error_messages.update({"required": "请选择区划。", "invalid_choice": "请选择区划。"})



def _forbidden(request, message: str):
    return render(request, ERROR_TEMPLATE, {"message": message}, status=403)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def people(request):
    """本单位用户: the organisation administrator adds users, disables or enables them and
    hands the administrator role on."""
    user = request.user
    if not user.organisation_id or not user.is_org_admin:
        return _forbidden(request, "只有本单位管理员可以管理本单位的用户。")
    org = user.organisation
    form = PersonForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add":
                form = PersonForm(request.POST)
                if not form.is_valid():
                    status = 400
                else:
                    member = member_add(actor=user, **form.cleaned_data)
                    messages.success(request, f"已添加用户“{member.display_name}”，设置密码的链接已发送到 {member.email}。")
                    return redirect("accounts:people")
            elif action in ("disable", "enable"):
                member = member_set_active(actor=user, user_id=request.POST.get("user"), active=action == "enable")
                messages.success(request, f"已{'启用' if member.is_active else '停用'}“{member.display_name or member.username}”。")
                return redirect("accounts:people")
            elif action in ("grant_admin", "revoke_admin"):
                member = member_set_admin(actor=user, user_id=request.POST.get("user"), is_admin=action == "grant_admin")
                messages.success(request, f"已{'设为' if member.is_org_admin else '取消'}管理员：{member.display_name or member.username}。")
                return redirect("accounts:people")
            else:
                messages.error(request, "未知的操作。")
                status = 400
        except DomainError as exc:
            if action == "add":
                apply_errors(form, exc)
            else:
                messages.error(request, exc.message)
            status = exc.status_code
    members = User.objects.filter(organisation=org).order_by("-is_active", "-is_org_admin", "username")
    return render(request, "accounts/people.html", {"org": org, "members": members, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def bureau_staff(request):
    """审批局人员: city bureau administrators open accounts for bureau staff of any region,
    disable them and move them to another region (re-scope)."""
    user = request.user
    org = user.organisation if user.organisation_id else None
    if org is None or not is_city_bureau(user) or not user.is_org_admin:
        return _forbidden(request, "只有市行政审批局的管理员可以管理审批局工作人员。")
    form = BureauStaffForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "create":
                form = BureauStaffForm(request.POST)
                if not form.is_valid():
                    status = 400
                else:
                    data = form.cleaned_data
                    staff = bureau_staff_create(
                        actor=user, region_code=data["region"], username=data["username"],
                        display_name=data["display_name"], email=data["email"], phone=data["phone"],
                        is_org_admin=data["is_org_admin"],
                    )
                    messages.success(request, f"已为{staff.organisation.name}开通“{staff.display_name}”的账号，"
                                              f"设置密码的链接已发送到 {staff.email}。")
                    return redirect("accounts:bureau_staff")
            elif action in ("disable", "enable"):
                staff = bureau_staff_set_active(actor=user, user_id=request.POST.get("user"), active=action == "enable")
                messages.success(request, f"已{'启用' if staff.is_active else '停用'}“{staff.display_name or staff.username}”。")
                return redirect("accounts:bureau_staff")
            elif action == "rescope":
                staff = bureau_staff_rescope(actor=user, user_id=request.POST.get("user"),
                                             region_code=request.POST.get("region", ""))
                messages.success(request, f"“{staff.display_name or staff.username}”已调整到{staff.organisation.name}。")
                return redirect("accounts:bureau_staff")
            else:
                messages.error(request, "未知的操作。")
                status = 400
        except DomainError as exc:
            if action == "create":
                apply_errors(form, exc)
            else:
                messages.error(request, exc.message)
            status = exc.status_code
    staff = (User.objects.filter(organisation__kind=Organisation.Kind.BUREAU)
             .select_related("organisation", "organisation__region")
             .order_by("organisation__region__sort_order", "organisation__region__code", "-is_active", "username"))
    return render(request, "accounts/bureau_staff.html",
                  {"staff": staff, "form": form, "regions": _region_choices()}, status=status)
