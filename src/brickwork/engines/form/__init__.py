"""The form engine: field definitions, field types and their value checks. Pure.

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

Nothing here touches a database, the network, the clock, randomness or the environment.
"""
