"""Names and titles without control characters, for both apps' models.

A title or name is one line of printed text that also ends up in file names,
sheet names and HTTP headers. Every way text enters (the editor, imports of
every kind, the accounts import, the admin) writes through the model, so the
rule lives on the model field: `NameField` cleans on validation, on save and
in `update()`/`bulk_create()`. It lives in `indicators` because `tables`
depends on `indicators` and never the reverse, and indicator names need it too.
"""

from __future__ import annotations

import re

from django.db import models

# Every C0 and C1 control and DEL. Line and field separators become a space (a title
# pasted from Word carries \x0b for a line break); the rest are dropped.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"[\t\n\x0b\x0c\r\x1c-\x1f\x85]+")


def clean_name(text: str) -> str:
    """`text` without control characters; line breaks and tabs become one space."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", _BREAKS.sub(" ", text)).strip()


class NameField(models.CharField):
    """A CharField for titles and names: control characters never reach the database."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_name(value) if isinstance(value, str) else value

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = clean_name(value)
            setattr(model_instance, self.attname, value)  # the saved object shows what was stored
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return clean_name(value) if isinstance(value, str) else value
