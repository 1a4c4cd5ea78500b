"""Deterministic answers: derived from the prompt, useful enough to assert on."""

from __future__ import annotations

from sandbox.content import first_sentence


def test_it_leads_a_record_summary_with_what_the_record_is_about() -> None:
    prompt = (
        "Summarize this incident.\n\nShort description: Email down for Paris office\n"
        "Priority: 1\n\nDescription:\nUsers cannot send mail."
    )
    assert first_sentence(prompt) == "Email down for Paris office"
