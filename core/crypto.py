"""Secrets at rest: MultiFernet over BYOK_ENCRYPTION_KEYS (the first key encrypts, all decrypt).

A token that no configured key opens raises `SecretDecryptionError`; ciphertext is never handed
back as if it were the value.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TOKEN_PREFIX = "fernet:"


class SecretDecryptionError(Exception):
    """A stored secret cannot be opened with any key in BYOK_ENCRYPTION_KEYS."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "a stored secret cannot be decrypted with any key in BYOK_ENCRYPTION_KEYS; "
            "restore the key that encrypted it or re-enter the secret"
        )


@functools.cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "BYOK_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)"
        ) from exc


def get_fernet() -> MultiFernet:
    keys = tuple(settings.BYOK_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("BYOK_ENCRYPTION_KEYS is empty")
    return _fernet_for(keys)


def encrypt(plaintext: str) -> str:
    return TOKEN_PREFIX + get_fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token.startswith(TOKEN_PREFIX):
        raise SecretDecryptionError("a stored secret is not in the encrypted format")
    try:
        return get_fernet().decrypt(token[len(TOKEN_PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError() from None


def rotate(token: str) -> str:
    """Re-encrypt a token under the first key (raises if no key opens it)."""
    if not token.startswith(TOKEN_PREFIX):
        raise SecretDecryptionError("a stored secret is not in the encrypted format")
    try:
        return TOKEN_PREFIX + get_fernet().rotate(token[len(TOKEN_PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError() from None


def encrypted_with_primary(token: str) -> bool:
    """True when the first (encrypting) key opens the token."""
    primary = Fernet(settings.BYOK_ENCRYPTION_KEYS[0].encode())
    try:
        primary.decrypt(token[len(TOKEN_PREFIX) :].encode())
    except InvalidToken:
        return False
    return True


def mask(value: str | None) -> str:
    """`••••abcd`: the last four characters of a secret, for display only."""
    if not value:
        return ""
    tail = value[-4:] if len(value) >= 12 else ""
    return "••••" + tail


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True)
