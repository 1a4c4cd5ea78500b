"""Prompt rendering: plain substitution over the input and the sample record, nothing else."""

from __future__ import annotations

import pytest

from skills.models import Record
from skills.services.errors import InputError, TemplateError
from skills.services.rendering import render, render_prompt, validate_input
from tests.skills.conftest import World


@pytest.fixture
def incident(db: None) -> Record:
    return Record.objects.create(
        kind="incident",
        number="INC0010001",
        short_description="Email down",
        description="Exchange cluster unreachable",
        fields={"priority": 1, "caller": "Beth"},
    )


def test_it_substitutes_inputs_and_record_fields(incident: Record) -> None:
    text = render(
        "{{ short_description }} / {{record.caller}} / P{{ record.priority }} / "
        "{{ record.description }} / [{{ record.missing }}]",
        {"short_description": "Mail"},
        incident,
    )
    assert text == "Mail / Beth / P1 / Exchange cluster unreachable / []"


def test_it_never_expands_placeholders_inside_input_values() -> None:
    assert render("{{ a }}", {"a": "{{ b }}", "b": "secret"}) == "{{ b }}"


def test_it_refuses_attribute_access_on_inputs() -> None:
    with pytest.raises(TemplateError) as exc:
        render("{{ a.__class__ }}", {"a": "x"})
    assert "{{ a.__class__ }}" in exc.value.message


def test_it_reads_no_python_attribute_of_the_record(incident: Record) -> None:
    assert (
        render("[{{ record.__class__ }}][{{ record.pk }}][{{ record.number }}]", {}, incident)
        == "[][][]"
    )


def test_it_leaves_template_engine_syntax_inert() -> None:
    template = "{% load static %}{{ a|upper }}{{ a.b.c }}{# c #}"
    assert render(template, {"a": "x"}) == template


def test_it_refuses_a_template_naming_an_undeclared_input(world: World) -> None:
    with pytest.raises(TemplateError) as exc:
        render_prompt(world.skill, "{{ nope }}", "", {"short_description": "x"}, None)
    assert "{{ nope }}" in exc.value.message


def test_it_needs_a_record_when_the_template_reads_one(world: World) -> None:
    with pytest.raises(InputError):
        render_prompt(world.skill, "{{ record.caller }}", "", {"short_description": "x"}, None)


def test_it_refuses_unknown_and_missing_inputs_in_one_message(world: World) -> None:
    with pytest.raises(InputError) as exc:
        validate_input(world.skill, {"details": "d", "colour": "red"})
    assert "unknown input colour" in exc.value.message
    assert "short_description is required" in exc.value.message


def test_it_refuses_blank_required_and_structured_values(world: World) -> None:
    with pytest.raises(InputError) as exc:
        validate_input(world.skill, {"short_description": "  ", "details": {"x": 1}})
    assert "short_description is required" in exc.value.message
    assert "details must be text" in exc.value.message


def test_it_refuses_a_record_of_another_kind(world: World) -> None:
    case = Record.objects.create(kind="case", number="CS001", short_description="c")
    with pytest.raises(InputError) as exc:
        validate_input(world.skill, {"short_description": "x"}, case)
    assert "this skill reads incident records" in exc.value.message
