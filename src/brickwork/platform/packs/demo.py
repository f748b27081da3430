"""Demo data for ``brickwork demo``: a small onboarding app (finance packs arrive later)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.auth.actor import Actor
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.metadata.service import MetadataService
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
            "options": ["individual", "corporate"],
        },
        {
            "id": "f_aum",
            "key": "aum",
            "type": "money",
            "currency": "CNY",
            "label": {"zh-CN": "资产规模", "en": "Assets under management"},
        },
    ]
}
REVIEW_FLOW: dict[str, Any] = {
    "nodes": [
        {"id": "n_start", "type": "start"},
        {"id": "n_review", "type": "approval", "label": {"zh-CN": "合规审核", "en": "Review"}},
        {"id": "n_end", "type": "end"},
    ],
    "edges": [
        {"id": "e1", "from": "n_start", "to": "n_review"},
        {"id": "e2", "from": "n_review", "to": "n_end"},
    ],
}


DEMO_CUSTOMERS: list[dict[str, Any]] = [
    {"name": "上海浦江资产管理有限公司", "customer_type": "corporate", "aum": "1250000000.00"},
    {"name": "李雷", "customer_type": "individual", "aum": "3200000.00"},
    {"name": "韩梅梅", "customer_type": "individual", "aum": "860000.50"},
    {"name": "Harbour Bridge Capital Ltd", "customer_type": "corporate", "aum": "48000000.00"},
    {"name": "王芳", "customer_type": "individual", "aum": "125000.00"},
]


def install_demo_records(session: Session, records: RecordService, actor: Actor) -> int:
    """A few customers, so record lists are not empty on first start (once only)."""
    if records.search(session, actor, DEMO_APP, "customer", limit=1).total:
        return 0
    outcome = records.create_many(session, actor, DEMO_APP, "customer", DEMO_CUSTOMERS)
    return len(outcome.created_ids)


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
