"""Version management in a real browser: an administrator sets an instance target through
htmx and updates the model version of two skills at once, from the keyboard-usable page."""

from __future__ import annotations

import pytest

from console.services.catalog import seed_catalog
from providers.models import ModelVersion, Provider
from skills.choices import OverrideScope, PolicyScope
from skills.models import Skill, VersionOverride
from skills.services.policies import activate_policy
from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_admin_updates_the_model_version_of_chosen_skills(page, live_server, admin_user):
    seed_catalog()
    azure = Provider.objects.get(kind="azure_openai")
    activate_policy(PolicyScope.INSTANCE, azure)  # every skill served by Azure OpenAI (OEM)
    chosen = list(Skill.objects.filter(is_active=True).order_by("name")[:2])
    left_alone = Skill.objects.filter(is_active=True).order_by("name")[2]
    target = ModelVersion.objects.get(name="gpt-5")
    login(page, live_server, admin_user.username)
    page.click("nav.mainnav a:has-text('Versions')")
    page.wait_for_url(f"{live_server.url}/versions/")
    assert "No target set yet" in page.locator("#history").inner_text()

    # Instance level: Azure OpenAI's target, swapped in place (no reload).
    card = page.locator("#instance-azure_openai")
    card.locator("select[name=model_version]").select_option(str(target.pk))
    card.locator("button[type=submit]").click()
    page.locator("#instance-azure_openai .target strong", has_text="gpt-5").wait_for()
    assert page.url == f"{live_server.url}/versions/"
    assert VersionOverride.objects.get(
        scope=OverrideScope.INSTANCE, provider=azure
    ).model_version == (target)

    # The deprecated version is not offered to the bulk action.
    bulk = page.locator("#bulk select[name=model_version]")
    assert "gpt-4o" not in bulk.inner_text()

    # Bulk: tick two skills from the keyboard, choose the version, update.
    for skill in chosen:
        page.focus(f"#pick-{skill.key}")
        page.keyboard.press("Space")
    bulk.select_option(str(ModelVersion.objects.get(name="gpt-5-mini").pk))
    page.click("#bulk button[type=submit]:has-text('Update model version')")
    page.locator(".alert", has_text="2 skill(s) now target gpt-5-mini").wait_for()
    for skill in chosen:
        assert page.locator(f"#skill-{skill.key} td.target").inner_text() == "gpt-5-mini"
    assert page.locator(f"#skill-{left_alone.key} td.target").inner_text() == "none"
    overrides = VersionOverride.objects.filter(scope=OverrideScope.SKILL, is_active=True)
    assert {o.skill_id for o in overrides} == {s.pk for s in chosen}
    screenshot(page, "versions-bulk-update")

    # Remove one skill's target: back to the default.
    page.locator(f"#skill-{chosen[0].key} button:has-text('Remove')").click()
    page.locator(".alert", has_text="uses the default").wait_for()
    assert page.locator(f"#skill-{chosen[0].key} td.target").inner_text() == "none"
    assert overrides.all().count() == 1  # a fresh query, not the list read above
