"""Safety limits of the expression engine, each with its own stable error code.

Limits bound what an analyst-written expression can cost: source length and nesting depth are
checked before and while parsing; list sizes and iteration steps during evaluation. This module
only holds numbers and codes; it must not read configuration from the environment (the platform
passes a different `Limits` if it needs one).
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE_TOO_LONG = "E_LIMIT_SOURCE_LENGTH"
TOO_DEEP = "E_LIMIT_DEPTH"
LIST_TOO_LONG = "E_LIMIT_LIST_SIZE"
TOO_MANY_STEPS = "E_LIMIT_STEPS"
STRING_TOO_LONG = "E_LIMIT_STRING_LENGTH"


@dataclass(frozen=True, slots=True)
class Limits:
    max_source_length: int = 10_000
    max_depth: int = 100
    max_list_size: int = 100_000
    max_steps: int = 1_000_000
    max_string_length: int = 1_000_000
    max_regex_input: int = 10_000
    max_regex_pattern: int = 200


DEFAULT_LIMITS = Limits()
