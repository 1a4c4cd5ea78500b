"""The one permission check of the REST API: a role capability per action."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from core.roles import has_capability


class RoleCapability(BasePermission):
    """Views declare `read_capability` and `write_capability` (see core.roles)."""

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            capability = getattr(view, "read_capability", "view_config")
        else:
            capability = getattr(view, "write_capability", "configure")
        return has_capability(request.user, capability)
