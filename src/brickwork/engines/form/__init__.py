"""The form engine: field definitions, field types, their value checks and record validation. Pure.

Modules:
- `definition` / `elements`: frozen pydantic models of fields and forms (`FormDefinition`).
- `fieldtypes`: the registry of field types (`FIELD_TYPES`) and `coerce_value`,
  `validate_value`, `check_value`, `display_value`, `storage_of`, `field_schema`, ...
- `identifiers`: check functions for resident IDs, USCC, bank cards, LEI, IBAN, BIC, MRZ,
  phone numbers, e-mail and URLs.
- `money`: currencies, `Money` and the one rounding helper `quantize_half_up`.
- `masking`: masking presets; `problems`: stable codes with zh-CN/en messages;
  `design`: design-time checks of field definitions; `schemas`: a form's JSON Schema;
  `serial`: serial number patterns; `richtext`: HTML sanitising.
- `scope`: how fields look to expressions; `expressions`: design-time compilation of a
  definition's expressions; `checkers`: per-field `check_value` closures; `compiled`:
  `check_form` / `compile_form` (`CompiledForm`); `record`: `validate_record` (coerce,
  compute, conditions, all errors at once), helped by `rows`, `evaluation` and `checks`.

Nothing here touches a database, the network, the clock, randomness or the environment.
"""

from brickwork.engines.form.compiled import (
    CompiledForm,
    FormDesignError,
    check_form,
    compile_form,
)
from brickwork.engines.form.record import (
    RecordContext,
    RecordResult,
    validate_record,
)

__all__ = [
    "CompiledForm",
    "FormDesignError",
    "RecordContext",
    "RecordResult",
    "check_form",
    "compile_form",
    "validate_record",
]
