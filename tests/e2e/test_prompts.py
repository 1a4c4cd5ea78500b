"""Prompts in a real browser: an administrator edits a draft of a skill's prompt, tries it,
compares it with the published version and publishes it."""

from __future__ import annotations

import pytest

from console.services.catalog import seed_catalog
from skills.choices import VariantStatus
from skills.models import SkillVariant
from tests.e2e.conftest import login, screenshot
from tests.e2e.test_csp_browser import COLLECT_VIOLATIONS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_admin_edits_a_draft_and_publishes_it(page, live_server, admin_user):
    seed_catalog()
    live = SkillVariant.objects.get(
        skill__key="incident_summarization", status=VariantStatus.PUBLISHED
    )
    page.context.add_init_script(COLLECT_VIOLATIONS)
    login(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/skills/incident_summarization/")
    page.click("a:has-text('Prompt variants and versions')")
    page.wait_for_url(f"{live_server.url}/skills/incident_summarization/prompts/")
    page.click("table.variants button:has-text('Edit as draft')")
    page.locator("#draft-form").wait_for()
    draft = SkillVariant.objects.get(skill=live.skill, status=VariantStatus.DRAFT)

    # A placeholder the skill does not take comes back as a field error; nothing saved.
    page.fill("#draft-form textarea[name=template]", "Summarize {{ ghost }}")
    page.click("#draft-form button[type=submit]")
    page.locator("#draft-form .field.invalid", has_text="not an input of the skill").wait_for()
    draft.refresh_from_db()
    assert draft.template == live.template

    # A good edit is saved, and the diff from the published version shows it.
    page.fill(
        "#draft-form textarea[name=template]",
        "Summarize for the next agent: {{ short_description }}\n{{ description }}",
    )
    page.fill("#draft-form input[name=temperature]", "0.5")
    page.click("#draft-form button[type=submit]")
    page.locator("table.diff ins", has_text="Summarize for the next agent").wait_for()
    draft.refresh_from_db()
    assert str(draft.temperature) == "0.50"

    # Try it renders the draft on a sample input without a reload (htmx).
    page.fill("input[name=short_description]", "VPN down")
    page.fill("textarea[name=description]", "Users in Lyon cannot connect.")
    page.click("button:has-text('Render prompt')")
    page.locator("#try-result pre.rendered-prompt", has_text="VPN down").wait_for()
    screenshot(page, "prompts-draft")

    # Publish: the draft goes live and the old version is archived.
    page.click(f"button:has-text('Publish v{draft.version}')")
    page.locator("h1 .badge", has_text="Published").wait_for()
    draft.refresh_from_db()
    live.refresh_from_db()
    assert (draft.status, draft.is_default) == (VariantStatus.PUBLISHED, True)
    assert live.status == VariantStatus.ARCHIVED
    screenshot(page, "prompts-published")
    assert page.evaluate("window.__cspViolations || []") == []
