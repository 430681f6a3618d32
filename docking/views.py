"""The bureau's pages for API keys: list, issue (the key shown once), uses, revoke.
Thin adapters over `docking.keys`."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.models import Region
from core.exceptions import DomainError
from core.jurisdiction import bureau_scope
from core.web import apply_errors, error_response, role_required
from docking.keys import apikey_create, apikey_revoke
from docking.models import ApiKey, Scope


def _keys_in_scope(user):
    scope = bureau_scope(user=user, field="organisation__region_id")
    qs = ApiKey.objects.select_related("organisation", "county", "created_by").order_by("-created_at", "-id")
    if scope is None:
        return qs.none()
    if scope == Q():
        return qs
    region = user.organisation.region_id
    return qs.filter(Q(organisation__region_id=region) | Q(county_id=region))


class KeyForm(forms.Form):
    uscc = forms.CharField(label="机构统一社会信用代码", max_length=18,
                           help_text="密钥所属的项目业主、中介机构，或县级平台的运营机构。")
    name = forms.CharField(label="名称", max_length=80, required=False, help_text="便于识别，如“樟树市中介超市对接”。")
    county = forms.ModelChoiceField(label="县级平台区划", required=False,
                                    queryset=Region.objects.exclude(level=Region.Level.CITY).order_by("sort_order"),
                                    empty_label="（不是县级平台）",
                                    help_text="县级平台密钥代本县业主推送项目、读取本县数据。")
    scopes = forms.MultipleChoiceField(label="权限范围", choices=Scope.choices, widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": "请至少选择一项权限。"})
    rate_per_minute = forms.IntegerField(label="每分钟请求上限", min_value=0, max_value=100000, initial=0,
                                         help_text="0 为平台默认值。")


@role_required("bureau")
@require_safe
def key_list(request):
    page = Paginator(_keys_in_scope(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "docking/key_list.html", {"page": page})


@role_required("bureau")
@require_http_methods(["GET", "POST"])
def key_new(request):
    form = KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row, key = apikey_create(user=request.user, uscc=data["uscc"], scopes=data["scopes"], name=data["name"],
                                     county_code=data["county"].code if data["county"] else "",
                                     rate_per_minute=data["rate_per_minute"] or 0)
        except DomainError as exc:
            apply_errors(form, exc)
            return render(request, "docking/key_new.html", {"form": form, "error_message": exc.message},
                          status=exc.status_code)
        # Shown once, on this answer only; never stored, never in a redirect or a message.
        response = render(request, "docking/key_created.html", {"row": row, "key": key})
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "docking/key_new.html", {"form": form}, status=400 if form.errors else 200)


@role_required("bureau")
@require_safe
def key_detail(request, key_id: int):
    row = get_object_or_404(_keys_in_scope(request.user), pk=key_id)
    uses = row.uses.order_by("-at", "-id")[:100]
    return render(request, "docking/key_detail.html", {"row": row, "uses": uses})


@role_required("bureau")
@require_POST
def key_revoke(request, key_id: int):
    row = get_object_or_404(_keys_in_scope(request.user), pk=key_id)
    try:
        apikey_revoke(user=request.user, key_id=row.pk)
    except DomainError as exc:
        return error_response(request, exc)
    messages.success(request, f"接口密钥 {row.prefix} 已吊销。")
    return redirect("docking:key_detail", key_id=row.pk)
