from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from console import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("integrations/<slug:kind>/mode/", views.switch_mode, name="switch_mode"),
    path("integrations/<slug:kind>/card/", views.provider_card, name="provider_card"),
    path("connections/", views.connection_list, name="connections"),
    path("connections/new/", views.connection_edit, name="connection_new"),
    path("connections/<int:pk>/", views.connection_edit, name="connection_edit"),
    path("connections/<int:pk>/test/", views.connection_test, name="connection_test"),
    path("connections/<int:pk>/rotate/", views.connection_rotate, name="connection_rotate"),
    path(
        "connections/<int:pk>/deactivate/",
        views.connection_deactivate,
        name="connection_deactivate",
    ),
    path("aliases/", views.alias_list, name="aliases"),
    path("model-providers/", views.model_providers, name="model_providers"),
    path(
        "model-providers/<int:pk>/deactivate/",
        views.model_provider_deactivate,
        name="model_provider_deactivate",
    ),
    path("versions/", views.version_list, name="versions"),
    path("versions/instance/", views.version_instance, name="version_instance"),
    path("versions/skills/", views.version_skills, name="version_skills"),
    path(
        "versions/targets/<int:pk>/remove/",
        views.version_target_remove,
        name="version_target_remove",
    ),
    path("aliases/<slug:key>/map/", views.alias_map, name="alias_map"),
    path("aliases/<slug:key>/map/form/", views.alias_map_form, name="alias_map_form"),
    path("skills/", views.skill_list, name="skills"),
    path("skills/<slug:key>/", views.skill_detail, name="skill_detail"),
    path("skills/<slug:key>/prompts/", views.prompts, name="skill_prompts"),
    path("skills/<slug:key>/prompts/draft/", views.prompt_draft_new, name="prompt_draft_new"),
    path("skills/<slug:key>/prompts/<int:pk>/", views.prompt_variant, name="prompt_variant"),
    path("skills/<slug:key>/prompts/<int:pk>/try/", views.prompt_try, name="prompt_try"),
    path("skills/<slug:key>/prompts/<int:pk>/run/", views.prompt_run, name="prompt_run"),
    path(
        "skills/<slug:key>/prompts/<int:pk>/publish/", views.prompt_publish, name="prompt_publish"
    ),
    path(
        "skills/<slug:key>/prompts/<int:pk>/rollback/",
        views.prompt_rollback,
        name="prompt_rollback",
    ),
    path("invocations/", views.invocations, name="invocations"),
    path("invocations/<uuid:pk>/", views.invocation_detail, name="invocation_detail"),
    path("invocations/<uuid:pk>/live/", views.invocation_live, name="invocation_live"),
    path("audit/", views.audit_list, name="audit"),
    path("settings/", views.settings_page, name="settings_home"),
    path("settings/data-patterns/try/", views.pattern_try, name="pattern_try"),
    path("settings/<slug:section>/", views.settings_page, name="settings"),
    path("settings/<slug:section>/<int:pk>/", views.settings_edit, name="settings_edit"),
    path(
        "settings/<slug:section>/<int:pk>/remove/",
        views.settings_remove,
        name="settings_remove",
    ),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/history/", views.alert_history, name="alert_history"),
    path("alerts/rules/new/", views.rule_edit, name="alert_rule_new"),
    path("alerts/rules/<int:pk>/", views.rule_edit, name="alert_rule_edit"),
    path("alerts/channels/new/", views.channel_edit, name="alert_channel_new"),
    path("alerts/channels/<int:pk>/", views.channel_edit, name="alert_channel_edit"),
    path("alerts/channels/<int:pk>/test/", views.channel_test, name="alert_channel_test"),
    path("validation/", views.validation, name="validation"),
    path("validation/share/", views.validation_share, name="validation_share"),
    path("validation/<int:pk>/", views.outbound_detail, name="outbound_detail"),
    path("overview/", views.overview, name="overview"),
    path("usage/", views.usage, name="usage"),
    path("usage/export.csv", views.usage_csv, name="usage_csv"),
    path("health/", views.health_list, name="health"),
    path("health/<int:pk>/", views.health_detail, name="health_detail"),
]
