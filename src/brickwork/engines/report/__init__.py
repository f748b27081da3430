"""The report engine (pure): a report definition compiled against the app into a `ReportPlan`
the platform runs as one SQL query, and the steps after aggregation (`apply_post`)."""

from brickwork.engines.report.compiler import ReportDefinitionError, compile_report
from brickwork.engines.report.definition import ReportSpec, report_json_schema
from brickwork.engines.report.environment import (
    SYSTEM_FIELDS,
    FieldInfo,
    FormInfo,
    ReportEnvironment,
    ReportSignature,
)
from brickwork.engines.report.parameters import ParameterError, period, resolve_parameters
from brickwork.engines.report.plan import ReportPlan
from brickwork.engines.report.post import apply_post, shift, text_of
from brickwork.engines.report.problems import ReportProblem, schema_zh
from brickwork.engines.report.result import Column, ResultTable

__all__ = [
    "SYSTEM_FIELDS",
    "Column",
    "FieldInfo",
    "FormInfo",
    "ParameterError",
    "ReportDefinitionError",
    "ReportEnvironment",
    "ReportPlan",
    "ReportProblem",
    "ReportSignature",
    "ReportSpec",
    "ResultTable",
    "apply_post",
    "compile_report",
    "period",
    "report_json_schema",
    "resolve_parameters",
    "schema_zh",
    "shift",
    "text_of",
]
