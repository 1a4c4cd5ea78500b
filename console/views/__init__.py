"""The console's pages, one module per page family; each view is a thin caller of services."""

from __future__ import annotations

from console.views.agents import (
    agent_edit,
    agent_list,
    agent_new,
    agent_run,
    agent_run_live,
    agent_tool_add,
    agent_tool_remove,
)
from console.views.alerts import alert_history, alerts, channel_edit, channel_test, rule_edit
from console.views.aliases import alias_list, alias_map, alias_map_form
from console.views.audit import audit_list
from console.views.auth import AdminLoginView, LoginView
from console.views.connections import (
    connection_deactivate,
    connection_edit,
    connection_list,
    connection_rotate,
    connection_test,
)
from console.views.governance import (
    pattern_try,
    settings_edit,
    settings_page,
    settings_remove,
)
from console.views.integrations import dashboard, provider_card, switch_mode
from console.views.logs import (
    invocation_detail,
    invocation_live,
    invocations,
    outbound_detail,
    validation,
    validation_share,
)
from console.views.model_providers import model_provider_deactivate, model_providers
from console.views.prompts import (
    prompt_draft_new,
    prompt_publish,
    prompt_rollback,
    prompt_run,
    prompt_try,
    prompt_variant,
    prompts,
)
from console.views.reports import health_detail, health_list, overview, usage, usage_csv
from console.views.setup import setup_byok, setup_connection, setup_page, setup_validate
from console.views.skills import skill_detail, skill_list
from console.views.versions import (
    version_instance,
    version_list,
    version_skills,
    version_target_remove,
)

__all__ = [
    "AdminLoginView",
    "LoginView",
    "agent_edit",
    "agent_list",
    "agent_new",
    "agent_run",
    "agent_run_live",
    "agent_tool_add",
    "agent_tool_remove",
    "alert_history",
    "alerts",
    "alias_list",
    "alias_map",
    "alias_map_form",
    "audit_list",
    "channel_edit",
    "channel_test",
    "connection_deactivate",
    "connection_edit",
    "connection_list",
    "connection_rotate",
    "connection_test",
    "dashboard",
    "health_detail",
    "health_list",
    "invocation_detail",
    "invocation_live",
    "invocations",
    "model_provider_deactivate",
    "model_providers",
    "outbound_detail",
    "overview",
    "pattern_try",
    "prompt_draft_new",
    "prompt_publish",
    "prompt_rollback",
    "prompt_run",
    "prompt_try",
    "prompt_variant",
    "prompts",
    "provider_card",
    "rule_edit",
    "settings_edit",
    "settings_page",
    "settings_remove",
    "setup_byok",
    "setup_connection",
    "setup_page",
    "setup_validate",
    "skill_detail",
    "skill_list",
    "switch_mode",
    "usage",
    "usage_csv",
    "validation",
    "validation_share",
    "version_instance",
    "version_list",
    "version_skills",
    "version_target_remove",
]
