from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.roles import ALL_CAPABILITIES, has_capability


def role_flags(request: HttpRequest) -> dict[str, Any]:
    """`can.<capability>` in every template (navigation, buttons), evaluated only when used."""
    user = getattr(request, "user", None)
    return {
        "can": SimpleLazyObject(
            lambda: {c: user is not None and has_capability(user, c) for c in ALL_CAPABILITIES}
        )
    }
