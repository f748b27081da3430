"""All SQLAlchemy tables of the core, one module per table."""

from brickwork.platform.models.application import Application
from brickwork.platform.models.audit_chain import AuditChain
from brickwork.platform.models.audit_event import AuditEvent
from brickwork.platform.models.definition import Definition
from brickwork.platform.models.definition_version import DefinitionVersion
from brickwork.platform.models.form_table import FormTable
from brickwork.platform.models.instance_setting import InstanceSetting
from brickwork.platform.models.record_change import RecordChange
from brickwork.platform.models.serial_counter import SerialCounter
from brickwork.platform.models.stored_file import StoredFile

__all__ = [
    "Application",
    "AuditChain",
    "AuditEvent",
    "Definition",
    "DefinitionVersion",
    "FormTable",
    "InstanceSetting",
    "RecordChange",
    "SerialCounter",
    "StoredFile",
]
