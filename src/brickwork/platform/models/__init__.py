"""All SQLAlchemy tables of the core, one module per table."""

from brickwork.platform.models.api_token import ApiToken
from brickwork.platform.models.application import Application
from brickwork.platform.models.audit_chain import AuditChain
from brickwork.platform.models.audit_event import AuditEvent
from brickwork.platform.models.business_calendar import BusinessCalendarRow
from brickwork.platform.models.definition import Definition
from brickwork.platform.models.definition_version import DefinitionVersion
from brickwork.platform.models.department import Department
from brickwork.platform.models.flow_command import FlowCommand
from brickwork.platform.models.flow_history import FlowHistory
from brickwork.platform.models.flow_instance import FlowInstance
from brickwork.platform.models.flow_task import FlowTask
from brickwork.platform.models.form_table import FormTable
from brickwork.platform.models.instance_setting import InstanceSetting
from brickwork.platform.models.job import Job
from brickwork.platform.models.job_schedule import JobSchedule
from brickwork.platform.models.notification import Notification
from brickwork.platform.models.out_of_office import OutOfOffice
from brickwork.platform.models.password_history import PasswordHistory
from brickwork.platform.models.publish_request import PublishRequest
from brickwork.platform.models.record_change import RecordChange
from brickwork.platform.models.record_warning import RecordWarning
from brickwork.platform.models.recovery_code import RecoveryCode
from brickwork.platform.models.role import Role
from brickwork.platform.models.rule_execution import RuleExecution
from brickwork.platform.models.saved_view import SavedView
from brickwork.platform.models.serial_counter import SerialCounter
from brickwork.platform.models.sign_in_failure import SignInFailure
from brickwork.platform.models.stored_file import StoredFile
from brickwork.platform.models.user import User
from brickwork.platform.models.user_department import UserDepartment
from brickwork.platform.models.user_role import UserRole
from brickwork.platform.models.user_session import UserSession
from brickwork.platform.models.webhook import Webhook

__all__ = [
    "ApiToken",
    "Application",
    "AuditChain",
    "AuditEvent",
    "BusinessCalendarRow",
    "Definition",
    "DefinitionVersion",
    "Department",
    "FlowCommand",
    "FlowHistory",
    "FlowInstance",
    "FlowTask",
    "FormTable",
    "InstanceSetting",
    "Job",
    "JobSchedule",
    "Notification",
    "OutOfOffice",
    "PasswordHistory",
    "PublishRequest",
    "RecordChange",
    "RecordWarning",
    "RecoveryCode",
    "Role",
    "RuleExecution",
    "SavedView",
    "SerialCounter",
    "SignInFailure",
    "StoredFile",
    "User",
    "UserDepartment",
    "UserRole",
    "UserSession",
    "Webhook",
]
