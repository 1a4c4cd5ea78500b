from __future__ import annotations

from rest_framework.routers import SimpleRouter

from skills.api import governance, runs, views

router = SimpleRouter()
router.register("skills", views.SkillViewSet, basename="skill")
router.register("skill-variants", views.SkillVariantViewSet, basename="skill-variant")
router.register(
    "model-provider-policies", views.ModelProviderPolicyViewSet, basename="model-provider-policy"
)
router.register("version-overrides", views.VersionOverrideViewSet, basename="version-override")
router.register("invocations", runs.InvocationViewSet, basename="invocation")
router.register("agents", views.AgentViewSet, basename="agent")
router.register("agent-runs", runs.AgentRunViewSet, basename="agent-run")
router.register("guardrails", governance.GuardrailSettingViewSet, basename="guardrail")
router.register("data-patterns", governance.DataPatternViewSet, basename="data-pattern")
router.register("privacy-policies", governance.PrivacyPolicyViewSet, basename="privacy-policy")
router.register(
    "allowed-providers", governance.ProviderAllowanceViewSet, basename="allowed-provider"
)
router.register("budgets", governance.BudgetViewSet, basename="budget")
urlpatterns = router.urls
