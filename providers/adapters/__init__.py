"""Provider adapters: one module per provider behind the interface in `base`.

`get_adapter(connection)` returns the shared adapter of a connection. Adapters (and the SDK
clients inside them) are cached per connection, secret version and settings, so a changed key
or endpoint builds a new client while concurrent calls reuse one connection pool.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from django.conf import settings

from core.crypto import SecretDecryptionError
from providers.adapters.base import Adapter, ErrorKind, ProviderError
from providers.choices import ProviderKind

if TYPE_CHECKING:
    from providers.models import Connection

_cache: dict[tuple, Adapter] = {}
_lock = threading.Lock()
MAX_CACHED = 512


def _adapter_class(kind: str) -> type[Adapter]:
    if kind == ProviderKind.AZURE_OPENAI:
        from providers.adapters.azure_openai import AzureOpenAIAdapter

        return AzureOpenAIAdapter
    if kind == ProviderKind.AWS_BEDROCK:
        from providers.adapters.bedrock import BedrockAdapter

        return BedrockAdapter
    if kind == ProviderKind.GOOGLE_GEMINI:
        from providers.adapters.gemini import GeminiAdapter

        return GeminiAdapter
    if kind in (ProviderKind.GENERIC_LLM, ProviderKind.NOW_LLM):
        from providers.adapters.openai_compat import OpenAICompatAdapter

        return OpenAICompatAdapter
    raise ProviderError(f"No adapter for provider kind {kind!r}.", kind=ErrorKind.CONFIG)


def cache_key(connection: Connection) -> tuple:
    return (
        connection.pk,
        connection.created_at,
        connection.secret_version,
        connection.provider.kind,
        connection.endpoint,
        connection.api_version,
        connection.api_style,
        connection.resource_path,
        connection.region,
        connection.access_key_id,
        connection.role_arn,
        connection.bedrock_api,
        connection.mode,
        connection.project,
        connection.location,
        connection.header_name,
        connection.timeout_seconds,
        connection.owner,
        settings.BYOK_CA_BUNDLE,
    )


def _build(connection: Connection) -> Adapter:
    cls = _adapter_class(connection.provider.kind)
    try:
        return cls(connection)  # type: ignore[call-arg]
    except SecretDecryptionError as exc:
        raise ProviderError(
            f"The credentials of connection {connection.name} cannot be used: {exc}.",
            kind=ErrorKind.CONFIG,
        ) from None


def unsaved_adapter(connection: Connection) -> Adapter:
    """An adapter for a connection's *unsaved* state (a candidate secret under test).

    Never cached: the cache is keyed by the secret version, and a candidate that is then
    refused must not leave a client with its secret behind under a version a later save
    could reach.
    """
    return _build(connection)


def get_adapter(connection: Connection) -> Adapter:
    """The cached adapter of `connection`; raises ProviderError(CONFIG) if it cannot be built."""
    key = cache_key(connection)
    adapter = _cache.get(key)
    if adapter is not None:
        return adapter
    with _lock:
        adapter = _cache.get(key)
        if adapter is None:
            adapter = _build(connection)
            stale = [k for k in _cache if k[0] == connection.pk and connection.pk is not None]
            for k in stale:
                _cache.pop(k, None)
            if len(_cache) >= MAX_CACHED:
                _cache.pop(next(iter(_cache)))
            _cache[key] = adapter
    return adapter


def clear_cache() -> None:
    with _lock:
        _cache.clear()
