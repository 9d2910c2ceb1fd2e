"""Model fields for amounts in 万元.

Amounts are `Decimal` in Python.  They are stored as their exact decimal text
(`"495.0"`, `"800.00"`) rather than in a fixed-scale NUMERIC column: the
official forms print amounts with the scale the department typed, and an
export must give back exactly what was imported.  SQLite's DECIMAL affinity
would otherwise turn `800.00` into `800`, and a fixed scale would turn `495.0`
into `495.00`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

MAX_AMOUNT_DIGITS = 18


def parse_amount(raw: object) -> Decimal | None:
    """Read an amount as typed: `1,055.4`, ` 12 `, `１２．５` → Decimal; blank → None.

    Raises ValueError with a Chinese message for anything that is not a number.
    """
    value = _decimal(raw)
    if value is None:
        return None
    if not value.is_finite():
        raise ValueError(f"“{raw}”不是有效的金额")
    digits = len(value.as_tuple().digits)
    # Exponent notation (`1e40`, `1e-30`) has few digits but a long written-out form; bound both
    # ends before anything writes it out (the column holds the exact text, 32 characters).
    if (
        digits > MAX_AMOUNT_DIGITS
        or value.adjusted() >= MAX_AMOUNT_DIGITS
        or value.as_tuple().exponent < -MAX_AMOUNT_DIGITS
    ):
        raise ValueError(f"“{raw}”位数过多（最多{MAX_AMOUNT_DIGITS}位）")
    return value


def _decimal(raw: object) -> Decimal | None:
    """The number in a value of any type a form, a spreadsheet or JSON gives; None when blank."""
    if raw is None or isinstance(raw, Decimal):
        return raw
    if isinstance(raw, bool):
        raise ValueError("金额不能是真/假值")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        # Spreadsheet cells arrive as floats; repr gives the shortest exact text.
        return Decimal(repr(raw))
    if isinstance(raw, str):
        return _decimal_text(raw)
    raise ValueError(f"“{raw}”不是有效的金额")


def _decimal_text(raw: str) -> Decimal | None:
    text = raw.strip().translate(_FULLWIDTH)
    text = text.replace(",", "").replace("，", "").replace(" ", "")
    if text.endswith("万元"):
        text = text[:-2]
    if text == "":
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"“{raw}”不是有效的金额（应为数字，单位万元）") from exc


def format_amount(value: Decimal | None) -> str | None:
    """The exact decimal text, never in exponent notation."""
    if value is None:
        return None
    return format(value, "f")


_FULLWIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")


class AmountField(models.CharField):
    """A Decimal amount stored as its exact text (see the module docstring)."""

    description = "Decimal amount kept with its printed scale"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 32:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        return Decimal(value)

    def to_python(self, value):
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return parse_amount(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def run_validators(self, value):
        # CharField's max-length validator measures the stored text, not the Decimal.
        super().run_validators(format_amount(value) if isinstance(value, Decimal) else value)

    def get_prep_value(self, value):
        value = self.to_python(value)
        return format_amount(value)

    def formfield(self, **kwargs):
        defaults = {"form_class": forms.DecimalField, "max_digits": MAX_AMOUNT_DIGITS, "decimal_places": 6}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)

    def value_to_string(self, obj):
        return format_amount(self.value_from_object(obj)) or ""
