"""Admin of regions, organisations, user accounts and login throttling.

Back-office data only: an intermediary joins through the entry (入驻) workflow on the
site, so organisations added here are project owners or bureau offices.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.forms import AdminLoginForm
from accounts.models import LoginAttempt, Organisation, OwnerApplication, Region, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "sort_order")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    ordering = ("sort_order", "code")


class OrganisationAddForm(forms.ModelForm):
    """Adding an organisation: owners and bureau offices only (firms join via 入驻)."""

    class Meta:
        model = Organisation
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (value, label) for value, label in Organisation.Kind.choices if value != Organisation.Kind.INTERMEDIARY
        ]
        self.fields["kind"].help_text = "中介机构须在前台自行注册并提交入驻申请，经审核后进入中介机构库。"


class UserInline(admin.TabularInline):
    model = User
    fields = ("username", "display_name", "email", "is_active", "last_login")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "uscc", "region", "contact_name", "phone", "created_at")
    list_filter = ("kind", "region")
    search_fields = ("name", "uscc", "contact_name", "phone", "email")
    list_select_related = ("region",)
    ordering = ("name",)
    inlines = [UserInline]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = OrganisationAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # A firm's kind, code and registration are the entry workflow's; nobody re-types them here.
        if obj is None:
            return ("created_at",)
        if obj.is_intermediary:
            return ("kind", "uscc", "created_at")
        return ("kind", "created_at")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "organisation", "role_label", "is_org_admin", "is_active", "is_staff",
                    "last_login")
    list_filter = ("organisation__kind", "is_org_admin", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "display_name", "email", "organisation__name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("所属机构", {"fields": ("organisation", "display_name", "email", "phone", "is_org_admin", "id_number")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "organisation", "display_name", "usable_password",
                                                  "password1", "password2")}),
    )

    @admin.display(description="角色", ordering="organisation__kind")
    def role_label(self, obj: User) -> str:
        return obj.organisation.get_kind_display() if obj.organisation_id else "—"


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """Failed logins; deleting a user's rows lifts a throttle early."""

    list_display = ("username", "ip", "at")
    search_fields = ("username", "ip")
    date_hierarchy = "at"
    ordering = ("-at",)
    readonly_fields = ("username", "ip", "at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OwnerApplication)
class OwnerApplicationAdmin(admin.ModelAdmin):
    """Owner registrations, read only: the bureau reviews them on the site
    (/accounts/owner-applications/), where every step is audited."""

    list_display = ("organisation", "status", "submitted_at", "reviewed_at", "reviewed_by")
    list_filter = ("status", "organisation__region")
    search_fields = ("organisation__name", "organisation__uscc")
    list_select_related = ("organisation", "reviewed_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# The admin's login under the same throttle (a CAPTCHA after failures of one username from
# one address) as the site's.
admin.site.login_form = AdminLoginForm
