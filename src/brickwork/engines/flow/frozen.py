"""A cheaper `__init__` for the frozen, slotted dataclasses of events and effects.

A frozen dataclass's generated `__init__` sets each field with `object.__setattr__(self, name,
value)`, which looks the slot up by name every time. Steps build dozens of effects, so
`quick_init` replaces it with one that calls each slot's descriptor directly: same signature,
defaults and result (the class stays a frozen dataclass: equality, hash, repr, `replace`,
`FrozenInstanceError` on assignment), about half the cost for a five-field effect.
"""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """Install the descriptor-setting `__init__` on a frozen, slotted dataclass `cls`."""
    assert is_dataclass(cls), cls
    assert "__slots__" in cls.__dict__, cls
    namespace: dict[str, Any] = {}
    params: list[str] = []
    body: list[str] = []
    for field in fields(cls):
        assert field.init, field
        assert field.default_factory is MISSING, field
        name = field.name
        namespace[f"_set_{name}"] = cls.__dict__[name].__set__
        if field.default is MISSING:
            params.append(name)
        else:
            namespace[f"_default_{name}"] = field.default
            params.append(f"{name}=_default_{name}")
        body.append(f"    _set_{name}(self, {name})")
    # The source is built from the class's own field names only (never from data), the way
    # `dataclasses` builds the `__init__` it replaces.
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"])
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    type.__setattr__(cls, "__init__", init)
    return cls
