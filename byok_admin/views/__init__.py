"""The console's pages, one module per page family; each view is a thin caller of services."""

from __future__ import annotations

from .aliases import alias_list, alias_map, alias_map_form
from .audit import audit_list
from .connections import (
    connection_deactivate,
    connection_edit,
    connection_list,
    connection_test,
)
from .integrations import dashboard, switch_mode
from .logs import invocation_detail, invocations, validation
from .skills import skill_detail, skill_list

__all__ = [
    "alias_list",
    "alias_map",
    "alias_map_form",
    "audit_list",
    "connection_deactivate",
    "connection_edit",
    "connection_list",
    "connection_test",
    "dashboard",
    "invocation_detail",
    "invocations",
    "skill_detail",
    "skill_list",
    "switch_mode",
    "validation",
]
