"""Form fields every door's forms share."""

from __future__ import annotations

from typing import Any

from django import forms

#: The most digits an id column's value has (a 64-bit integer).
MAX_ID_DIGITS = 18


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen by id: a value no id column can hold ("²", a 40-digit number) is an
    invalid choice, not an overflow in the database's lookup."""

    def clean(self, value: Any) -> Any:
        for pk in value or ():
            text = str(pk)
            if not (text.isascii() and text.isdigit()) or len(text) > MAX_ID_DIGITS:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": text[:20]},
                )
        return super().clean(value)
