"""`EncryptedJSONField`: a dict of secrets stored as one Fernet token.

The column holds only ciphertext. Decryption is lazy (on attribute access), so rows whose
secrets cannot be decrypted can still be listed, and the failure surfaces as a clear
`SecretDecryptionError` where the secret is actually needed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from core import crypto


class Ciphertext(str):
    """A token read from the database and not yet decrypted."""


class _EncryptedAttribute(DeferredAttribute):
    """A data descriptor (it defines __set__), so reads always pass through __get__."""

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Ciphertext):
            token = value
            value = json.loads(crypto.decrypt(token))
            instance.__dict__[self.field.attname] = value
            # Remember what was read, so saving an unchanged value keeps the stored token.
            field = cast("EncryptedJSONField", self.field)
            instance.__dict__[field.original_attname] = (
                token,
                json.dumps(value, sort_keys=True),
            )
        return value


class EncryptedJSONField(models.Field):
    """Holds a JSON object of secrets, encrypted with MultiFernet, in a text column."""

    if TYPE_CHECKING:  # what the model attribute holds, for the type checker
        _pyi_private_set_type: dict[str, Any]
        _pyi_private_get_type: dict[str, Any]

    descriptor_class = _EncryptedAttribute

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", dict)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        return "TextField"

    @property
    def original_attname(self) -> str:
        """Where the descriptor keeps the token and value as read (see _EncryptedAttribute)."""
        return f"_{self.attname}_as_read"

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        raw = model_instance.__dict__.get(self.attname)
        original = model_instance.__dict__.get(self.original_attname)
        if original and not isinstance(raw, Ciphertext):
            token, plain = original
            if json.dumps(raw, sort_keys=True) == plain:
                return Ciphertext(token)
        return raw

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return {}
        return Ciphertext(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        if value in (None, ""):
            return {}
        if isinstance(value, str) and value.startswith(crypto.TOKEN_PREFIX):
            return Ciphertext(value)
        return json.loads(value)

    def get_prep_value(self, value: Any) -> str:
        if isinstance(value, Ciphertext):
            return str(value)
        if not value:
            return ""
        return crypto.encrypt(crypto.dumps(value))

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisation (dumpdata) carries ciphertext only, never plaintext.
        raw = obj.__dict__.get(self.attname)
        if isinstance(raw, Ciphertext):
            return str(raw)
        return self.get_prep_value(raw)
