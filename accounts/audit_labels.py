"""How the accounts' audit records read (registered with `audit.timeline` from
`AccountsConfig.ready()`): an owner's registration, an organisation's people, a user's
password and second factor."""

from audit.timeline import timeline_register


def register() -> None:
    from accounts.models import OwnerApplication

    timeline_register(
        prefix="owner", title="项目业主注册",
        kinds={"owner_registered": "提交项目业主注册", "transition": "注册审核"},
        states=dict(OwnerApplication.Status.choices),
    )
    timeline_register(
        prefix="org", title="机构人员",
        kinds={
            "member_added": "添加经办人", "member_enabled": "启用账号", "member_disabled": "停用账号",
            "member_updated": "修改经办人信息", "admin_granted": "授予管理员", "admin_revoked": "取消管理员",
            "bureau_staff_created": "开通审批局工作人员账号", "bureau_staff_rescoped": "调整审批局工作人员所属区划",
        },
    )
    timeline_register(
        prefix="user", title="账号安全",
        kinds={"password_changed": "修改密码", "password_reset": "通过邮件重设密码",
               "second_factor_enrolled": "绑定动态口令（双因素认证）"},
    )
