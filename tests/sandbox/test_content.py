"""Deterministic answers, and the neutral prompt the protocol parsers build them from."""

from __future__ import annotations

from sandbox.content import Prompt, Transcript, first_sentence, split_even


def test_it_leads_a_record_summary_with_what_the_record_is_about() -> None:
    prompt = (
        "Summarize this incident.\n\nShort description: Email down for Paris office\n"
        "Priority: 1\n\nDescription:\nUsers cannot send mail."
    )
    assert first_sentence(prompt) == "Email down for Paris office"


def test_a_transcript_takes_the_last_question_or_the_tool_result_answering_it() -> None:
    transcript = Transcript()
    transcript.turn(["Create an incident"], [], from_caller=True)
    transcript.turn(["On it."], [], from_caller=False)
    transcript.call('{"title": "Mail"}', call_id="c1", name="create_incident")
    transcript.turn([], [(transcript.tool_name("c1"), "INC001")], from_caller=True)
    prompt = transcript.prompt(system="Be brief")
    assert prompt.user_text == "Create an incident"
    assert (prompt.tool_result_name, prompt.tool_result) == ("create_incident", "INC001")
    assert prompt.all_text == 'Create an incident\nOn it.\n{"title": "Mail"}\nINC001'
    assert prompt.system == "Be brief"
    assert transcript.tool_name("unknown") == "tool"
    transcript.turn(["And now?"], [], from_caller=True)
    follow_up = transcript.prompt()
    assert (follow_up.user_text, follow_up.tool_result) == ("And now?", None)


def test_tool_call_ids_are_stable_per_prompt_and_name() -> None:
    prompt = Prompt(user_text="Create an incident")
    assert prompt.call_id("create", "call_", 24) == prompt.call_id("create", "call_", 24)
    assert prompt.call_id("create", "call_", 24) != prompt.call_id("search", "call_", 24)
    assert len(prompt.call_id("create", "tooluse_", 22)) == len("tooluse_") + 22


def test_arguments_are_cut_into_at_most_the_asked_pieces_and_join_back() -> None:
    arguments = '{"title": "Mail down", "urgency": 2}'
    for parts in (1, 2, 3):
        pieces = split_even(arguments, parts)
        assert len(pieces) <= parts
        assert "".join(pieces) == arguments
    assert split_even("", 3) == []
