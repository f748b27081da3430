"""Demo data for ``brickwork demo``: a small onboarding app with departments, business roles and
one user per role, and the shipped finance packs with their sample data."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.orm import Session

from brickwork.engines.identifiers.resident_id import resident_id_check_char
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.admin_schemas import DepartmentCreate, RoleCreate, UserCreate
from brickwork.platform.auth.directory import DirectoryService
from brickwork.platform.auth.roles import AUDIT_ADMIN, SECURITY_ADMIN, SYSTEM_ADMIN
from brickwork.platform.auth.service import IdentityService
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.metadata.service import MetadataService
from brickwork.platform.packs.service import PackService
from brickwork.platform.records.service import RecordService

DEMO_APP = "onboarding"

CUSTOMER_FORM: dict[str, Any] = {
    "fields": [
        {
            "id": "f_name",
            "key": "name",
            "type": "text",
            "label": {"zh-CN": "客户名称", "en": "Customer name"},
            "required": True,
        },
        {
            "id": "f_type",
            "key": "customer_type",
            "type": "single_select",
            "label": {"zh-CN": "客户类型", "en": "Customer type"},
            "options": [
                {"value": "individual", "label": {"zh-CN": "个人", "en": "Individual"}},
                {"value": "corporate", "label": {"zh-CN": "机构", "en": "Corporate"}},
            ],
        },
        {
            "id": "f_aum",
            "key": "aum",
            "type": "money",
            "currency": "CNY",
            "label": {"zh-CN": "资产规模", "en": "Assets under management"},
        },
        {
            "id": "f_rid",
            "key": "resident_id",
            "type": "resident_id",
            "label": {"zh-CN": "身份证号码", "en": "Resident ID"},
        },
        {
            "id": "f_mobile",
            "key": "mobile",
            "type": "phone",
            "label": {"zh-CN": "手机号码", "en": "Mobile"},
        },
        {
            "id": "f_sign",
            "key": "signature",
            "type": "signature",
            "label": {"zh-CN": "客户签名", "en": "Customer's signature"},
        },
    ],
    "layout": [
        {
            "id": "s_customer",
            "label": {"zh-CN": "客户信息", "en": "Customer"},
            "columns": 3,
            "fields": ["name", "customer_type", "aum"],
        },
        {
            "id": "s_identity",
            "label": {"zh-CN": "身份与联系方式", "en": "Identity and contact"},
            "columns": 2,
            "fields": ["resident_id", "mobile"],
        },
        {
            "id": "s_sign",
            "label": {"zh-CN": "签署", "en": "Signature"},
            "columns": 1,
            "fields": ["signature"],
        },
    ],
}
REVIEW_FLOW: dict[str, Any] = {
    "form": "customer",
    "nodes": [
        {"id": "n_start", "type": "start"},
        {
            "id": "n_review",
            "type": "approval",
            "label": {"zh-CN": "合规审核", "en": "Review"},
            "mode": "or",
            "assignees": [{"type": "role", "role": "onboarding_manager"}],
            "sla": {"working_days": 2, "on_breach": "remind"},
        },
        {"id": "n_end", "type": "end"},
    ],
    "edges": [
        {"id": "e1", "from": "n_start", "to": "n_review"},
        {"id": "e2", "from": "n_review", "to": "n_end"},
    ],
}
REVIEW_ON_CREATE: dict[str, Any] = {
    "trigger": {"on": "record", "form": "customer", "events": ["created"]},
    "actions": [{"type": "start_flow", "flow": "customer_review"}],
}
"""A new customer is reviewed: the rule starts the review flow with the clerk as initiator."""


def _resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


DEMO_CUSTOMERS: list[dict[str, Any]] = [
    {"name": "上海浦江资产管理有限公司", "customer_type": "corporate", "aum": "1250000000.00"},
    {
        "name": "李雷",
        "customer_type": "individual",
        "aum": "3200000.00",
        "resident_id": _resident_id("31010419850612301"),
        "mobile": "13812345678",
    },
    {
        "name": "韩梅梅",
        "customer_type": "individual",
        "aum": "860000.50",
        "resident_id": _resident_id("31011519900228402"),
        "mobile": "13987654321",
    },
    {"name": "Harbour Bridge Capital Ltd", "customer_type": "corporate", "aum": "48000000.00"},
    {
        "name": "王芳",
        "customer_type": "individual",
        "aum": "125000.00",
        "resident_id": _resident_id("11010819780405602"),
        "mobile": "13600001111",
    },
]
"""Created by the Shanghai branch clerk, so they belong to that branch."""

DEMO_DEPARTMENTS = (
    ("head_office", {"zh-CN": "总行", "en": "Head office"}, None),
    ("branch_sh", {"zh-CN": "上海分行", "en": "Shanghai branch"}, "head_office"),
    ("branch_bj", {"zh-CN": "北京分行", "en": "Beijing branch"}, "head_office"),
)
DEMO_ROLES: tuple[tuple[str, dict[str, str], list[dict[str, Any]]], ...] = (
    (
        "onboarding_clerk",
        {"zh-CN": "开户柜员", "en": "Onboarding clerk"},
        [
            {
                "app": DEMO_APP,
                "form": "customer",
                "actions": ["create", "read", "update", "import"],
                "rows": {"read": "department", "update": "own"},
                "fields": {"resident_id": "write", "mobile": "write"},
            }
        ],
    ),
    (
        "onboarding_manager",
        {"zh-CN": "开户主管", "en": "Onboarding manager"},
        [
            {
                "app": DEMO_APP,
                "form": "customer",
                "actions": ["read", "update", "delete", "export"],
                "rows": "department_tree",
                "fields": {"resident_id": "masked", "mobile": "masked"},
                "unmask": ["resident_id", "mobile"],
            },
            # administers the app's flows: ends a stuck one, hands a leaver's tasks over
            {"app": DEMO_APP, "actions": ["admin"]},
        ],
    ),
    (
        "onboarding_analyst",
        {"zh-CN": "报表分析师", "en": "Report analyst"},
        [
            {"app": DEMO_APP, "actions": ["design", "publish"]},
            {"app": DEMO_APP, "form": "customer", "actions": ["read"], "rows": "all"},
        ],
    ),
)
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    # user name, display name, roles, departments (the first is primary)
    ("admin", "系统管理员 System admin", (SYSTEM_ADMIN,), ()),
    ("security", "安全管理员 Security admin", (SECURITY_ADMIN,), ()),
    ("auditor", "审计管理员 Audit admin", (AUDIT_ADMIN,), ()),
    ("clerk.sh", "张敏 (上海分行柜员)", ("onboarding_clerk",), ("branch_sh",)),
    ("clerk.bj", "刘洋 (北京分行柜员)", ("onboarding_clerk",), ("branch_bj",)),
    ("manager", "陈静 (总行主管)", ("onboarding_manager",), ("head_office",)),
    ("analyst", "杨帆 (报表分析师)", ("onboarding_analyst",), ("head_office",)),
    ("aml.teller", "孙丽 (上海分行柜员)", (), ("branch_sh",)),
    ("aml.analyst", "吴刚 (反洗钱分析员)", (), ("head_office",)),
    ("aml.officer", "周敏 (反洗钱合规官)", (), ("head_office",)),
    ("adviser", "郑洁 (理财顾问)", (), ("branch_sh",)),
    ("sales.ops", "钱峰 (销售运营)", (), ("head_office",)),
    ("kyc.rm", "冯涛 (上海分行客户经理)", (), ("branch_sh",)),
    ("kyc.analyst", "蒋蕾 (名单筛查分析员)", (), ("head_office",)),
    ("kyc.officer", "韩冰 (尽调合规官)", (), ("head_office",)),
    ("kyc.senior", "曹宏 (分管行领导)", (), ("head_office",)),
    ("credit.rm", "王磊 (上海分行客户经理)", (), ("branch_sh",)),
    ("credit.branch", "赵静 (上海分行授信审查)", (), ("branch_sh",)),
    ("credit.risk", "何平 (总行风险审查)", (), ("head_office",)),
    ("credit.compliance", "林芳 (总行合规审查)", (), ("head_office",)),
    ("credit.chair", "高远 (贷审会主任委员)", (), ("head_office",)),
    ("credit.member1", "马骏 (贷审会委员)", (), ("head_office",)),
    ("credit.member2", "罗兰 (贷审会委员)", (), ("head_office",)),
    ("credit.loans", "许诺 (贷后管理)", (), ("head_office",)),
    ("aum.rm", "周婷 (客户经理)", (), ("branch_sh",)),
    ("aum.ops", "孙悦 (客户分层运营)", (), ("head_office",)),
    ("ubo.kyc", "林晓 (客户尽职调查专员)", (), ("head_office",)),
)
DEMO_PACK_ROLES: dict[str, tuple[str, ...]] = {
    "aml.teller": ("aml_teller",),
    "aml.analyst": ("aml_analyst",),
    "aml.officer": ("aml_compliance", "aml_parameters_owner"),
    "adviser": ("suitability_adviser",),
    "sales.ops": ("commission_sales_ops",),
    "kyc.rm": ("kyc_rm",),
    "kyc.analyst": ("kyc_analyst",),
    "kyc.officer": ("kyc_compliance", "kyc_parameters_owner"),
    "kyc.senior": ("kyc_senior_manager",),
    "credit.rm": ("credit_rm",),
    "credit.branch": ("credit_branch_reviewer",),
    "credit.risk": ("credit_risk_officer",),
    "credit.compliance": ("credit_compliance_officer",),
    "credit.chair": ("credit_committee_chair", "credit_committee"),
    "credit.member1": ("credit_committee",),
    "credit.member2": ("credit_committee",),
    "credit.loans": ("credit_loan_officer", "credit_parameters_owner"),
    "aum.rm": ("aum_relationship_manager",),
    "aum.ops": ("aum_operations", "aum_parameters_owner"),
    "ubo.kyc": ("ubo_kyc_officer",),
}
"""Roles of the shipped packs for the demo users, given once the packs are installed."""
RECORDS_BY = "clerk.sh"


def demo_password() -> str:
    """A fresh password meeting the default policy: 12 or more characters of at least 3 classes
    (here 4 classes; 22 to 23 characters)."""
    return f"Demo-{secrets.token_urlsafe(12)}-7a"


def install_demo_users(
    session: Session, directory: DirectoryService, actor: Actor
) -> dict[str, tuple[str, str]]:
    """Departments, business roles and one user per role (once); returns, for the users
    created now, their password and TOTP secret ("" for users no role asks a second factor
    of). The administrators are enrolled in multi-factor sign-in here, so they sign in with
    a code computed from that secret. Passwords are random: the demo never ships a known one."""
    if directory.repo.user_by_username(session, RECORDS_BY) is not None:
        return {}
    known = {row.department.key for row in directory.departments(session, actor)}
    for key, name, parent in DEMO_DEPARTMENTS:
        if key not in known:
            directory.create_department(
                session,
                actor,
                DepartmentCreate.model_validate({"key": key, "name": name, "parent": parent}),
            )
    roles = {row.role.key for row in directory.all_roles(session, actor)}
    for key, label, grants in DEMO_ROLES:
        if key not in roles:
            directory.create_role(
                session, actor, RoleCreate.model_validate({"key": key, "label": label})
            )
        directory.set_grants(session, actor, key, grants)
    accounts: dict[str, tuple[str, str]] = {}
    for username, display, role_keys, departments in DEMO_USERS:
        if directory.repo.user_by_username(session, username) is not None:
            continue
        password = demo_password()
        directory.create_user(
            session,
            actor,
            UserCreate.model_validate(
                {
                    "username": username,
                    "display_name": display,
                    "password": password,
                    "roles": list(role_keys),
                    "departments": list(departments),
                    "primary": departments[0] if departments else None,
                }
            ),
        )
        created = directory.repo.user_by_username(session, username)
        assert created is not None
        created.must_change_password = False  # a demo: its passwords are printed, not mailed
        identities = directory.identities
        secret = ""
        if identities.mfa_enrolment_due(session, created):
            secret = identities.mfa.enrol_now(session, actor, created)
        accounts[username] = (password, secret)
    return accounts


def install_demo_records(
    session: Session, records: RecordService, identities: IdentityService
) -> int:
    """A few customers, so record lists are not empty on first start (once only). They are
    created by the Shanghai clerk (so they belong to the Shanghai branch)."""
    user = identities.user(session, RECORDS_BY)
    clerk = Actor(
        user.username,
        roles=identities.roles.keys_of(session, user),
        channel="cli",
        user_id=user.id,
    )
    if records.search(session, clerk, DEMO_APP, "customer", limit=1).total:
        return 0
    outcome = records.create_many(session, clerk, DEMO_APP, "customer", DEMO_CUSTOMERS)
    if outcome.failures:
        raise RuntimeError(f"demo customers are invalid: {outcome.failures}")
    return len(outcome.created_ids)


CUSTOMERS_BY_TYPE: dict[str, Any] = {
    "dataset": {"form": "customer"},
    "dimensions": [{"key": "customer_type", "field": "customer_type"}],
    "measures": [
        {"key": "customers", "function": "count", "label": {"zh-CN": "客户数", "en": "Customers"}},
        {
            "key": "aum",
            "function": "sum",
            "field": "aum",
            "label": {"zh-CN": "资产规模合计", "en": "Total AUM"},
            "format": {"style": "money", "decimals": 2, "currency": "CNY"},
        },
        {
            "key": "median_aum",
            "function": "median",
            "field": "aum",
            "label": {"zh-CN": "资产规模中位数", "en": "Median AUM"},
        },
    ],
    "post": [
        {
            "step": "percent_of_total",
            "measure": "aum",
            "as": "aum_share",
            "label": {"zh-CN": "资产占比", "en": "Share of AUM"},
        }
    ],
    "sort": [{"key": "aum", "direction": "desc"}],
    "chart": {"type": "pie", "x": "customer_type", "y": ["aum"]},
}


NEWEST_CUSTOMERS: dict[str, Any] = {
    "kind": "detail",
    "dataset": {"form": "customer"},
    "columns": [
        {"key": "name", "field": "name"},
        {"key": "customer_type", "field": "customer_type"},
        {"key": "aum", "field": "aum"},
    ],
}
OVERVIEW: dict[str, Any] = {
    "title": {"zh-CN": "开户概览", "en": "Onboarding overview"},
    "items": [
        {"id": "by_type", "report": "customers_by_type", "x": 0, "y": 0, "w": 6, "h": 4},
        {"id": "newest", "report": "newest_customers", "x": 6, "y": 0, "w": 6, "h": 4},
    ],
}


def install_demo_flows(session: Session, service: MetadataService, actor: Actor) -> bool:
    """Publish the review flow (its approvers' role exists once the demo users are in), the
    rule that starts it on every new customer, a report of customers by type, a list of the
    newest customers and a dashboard of both; once only."""
    flow = service.definition(session, DEMO_APP, Kind.FLOW, "customer_review")
    if flow.latest_version is not None:
        return False
    service.publish(session, actor, DEMO_APP, Kind.FLOW, "customer_review", note="demo")
    service.create_definition(
        session,
        actor,
        DEMO_APP,
        DefinitionCreate.model_validate(
            {
                "kind": Kind.RULE,
                "key": "review_new_customers",
                "label": {"zh-CN": "新客户送审", "en": "Review new customers"},
                "spec": REVIEW_ON_CREATE,
            }
        ),
    )
    service.publish(session, actor, DEMO_APP, Kind.RULE, "review_new_customers", note="demo")
    service.create_definition(
        session,
        actor,
        DEMO_APP,
        DefinitionCreate.model_validate(
            {
                "kind": Kind.REPORT,
                "key": "customers_by_type",
                "label": {"zh-CN": "按客户类型统计", "en": "Customers by type"},
                "spec": CUSTOMERS_BY_TYPE,
            }
        ),
    )
    service.publish(session, actor, DEMO_APP, Kind.REPORT, "customers_by_type", note="demo")
    for kind, key, label, spec in (
        (
            Kind.REPORT,
            "newest_customers",
            {"zh-CN": "最新客户", "en": "Newest customers"},
            NEWEST_CUSTOMERS,
        ),
        (Kind.DASHBOARD, "overview", {"zh-CN": "开户概览", "en": "Onboarding overview"}, OVERVIEW),
    ):
        service.create_definition(
            session,
            actor,
            DEMO_APP,
            DefinitionCreate.model_validate(
                {"kind": kind, "key": key, "label": label, "spec": spec}
            ),
        )
        service.publish(session, actor, DEMO_APP, kind, key, note="demo")
    return True


def install_demo(session: Session, service: MetadataService, actor: Actor) -> bool:
    """Create the demo app once; returns False when it is already there."""
    if any(app.key == DEMO_APP for app in service.list_apps(session, include_archived=True)):
        return False
    service.create_app(
        session,
        actor,
        AppCreate.model_validate(
            {
                "key": DEMO_APP,
                "label": {"zh-CN": "客户开户", "en": "Customer onboarding"},
                "description": "Demo app: customer master data with a review flow.",
            }
        ),
    )
    service.create_definition(
        session,
        actor,
        DEMO_APP,
        DefinitionCreate.model_validate(
            {
                "kind": Kind.FORM,
                "key": "customer",
                "label": {"zh-CN": "客户", "en": "Customer"},
                "spec": CUSTOMER_FORM,
            }
        ),
    )
    service.publish(session, actor, DEMO_APP, Kind.FORM, "customer", note="initial version")
    service.create_definition(
        session,
        actor,
        DEMO_APP,
        DefinitionCreate.model_validate(
            {
                "kind": Kind.FLOW,
                "key": "customer_review",
                "label": {"zh-CN": "客户审核", "en": "Customer review"},
                "spec": REVIEW_FLOW,
            }
        ),
    )
    return True


def install_demo_packs(
    session: Session, packs: PackService, identities: IdentityService, actor: Actor
) -> list[str]:
    """Install every shipped pack not yet installed, give the demo users the packs' roles,
    then create the packs' sample records (their flows find the users in their roles)."""
    installed: list[str] = []
    for pack in packs.catalog.values():
        if packs.state(session, pack.key) is None:
            packs.install(session, actor, pack.key)
            installed.append(pack.key)
    for username, role_keys in DEMO_PACK_ROLES.items():
        user = identities.repo.user_by_username(session, username)
        for key in role_keys:
            if user is not None and identities.repo.role_by_key(session, key) is not None:
                identities.roles.grant(session, actor, user, key)
    for key in installed:
        packs.sample_data(session, actor, key, flow_steps=True)
    return installed
