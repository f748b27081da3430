"""Declarative base and column types shared by every table of the core."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, MetaData, Numeric, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator, TypeEngine

from brickwork import jsonio

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class JsonText(TypeDecorator[Any]):
    """JSON stored as canonical text: exact Decimals and byte-identical on every database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return jsonio.canonical_dumps(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return jsonio.loads(value, stored=True)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every database (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware value")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


MAX_DECIMAL_PRECISION = 38
SQLITE_INT_LIMIT = 2**63


class ExactDecimal(TypeDecorator[Decimal]):
    """Exact decimals on every database.

    PostgreSQL stores ``NUMERIC(precision, scale)``. SQLite has no exact decimal type (its
    NUMERIC affinity silently turns values into binary floats), so there the value is stored as a
    scaled integer (minor units: 12.34 at scale 2 is 1234). ``SUM`` over such a column is exact
    integer arithmetic and comes back through this type, so aggregates stay exact too. Values with
    more decimal places than ``scale`` are refused, never rounded here: rounding is the form
    engine's explicit decision.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int, precision: int = MAX_DECIMAL_PRECISION) -> None:
        super().__init__()
        if not 0 <= scale <= precision <= MAX_DECIMAL_PRECISION:
            raise ValueError(f"invalid decimal precision/scale {precision}/{scale}")
        self.scale = scale
        self.precision = precision
        self._unit = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if type(value) is not Decimal:
            if isinstance(value, float) or not isinstance(value, Decimal | int):
                raise TypeError(f"exact decimal columns take Decimal or int, not {type(value)!r}")
            value = Decimal(value)
        if not value.is_finite():
            raise ValueError("NaN and infinite values cannot be stored")
        minor = value.scaleb(self.scale)
        if minor != minor.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        if dialect.name == "sqlite":
            number = int(minor)
            if not -SQLITE_INT_LIMIT <= number < SQLITE_INT_LIMIT:
                raise ValueError(f"{value} is outside the storable range at scale {self.scale}")
            return number
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, float):
                raise TypeError("a float reached an exact decimal column; refusing to guess")
            return Decimal(int(value)).scaleb(-self.scale).quantize(self._unit)
        return Decimal(value).quantize(self._unit)

    def coerce_compared_value(self, op: Any, value: Any) -> Any:
        return self
