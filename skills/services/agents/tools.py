"""The built-in tools an agent may call: server-side functions over the sample records.

A model chooses the tool and writes its arguments, so neither is trusted: the arguments are
validated against the tool's JSON Schema before anything runs, and every failure (unknown
tool, bad arguments, unknown record, a skill that failed) becomes a `ToolOutcome` with
`ok=False` whose message is fed back to the model — a tool never crashes the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from skills.choices import InvocationStatus, RecordKind, Source, ToolKind
from skills.models import AgentRun, AgentTool, Record, Skill
from skills.services.errors import SkillError
from skills.services.rendering import RECORD_ATTRIBUTES, SCALARS, input_names

SEARCH_LIMIT_DEFAULT = 5
SEARCH_LIMIT_MAX = 20  # whatever the schema or the model says
SEARCH_CANDIDATES = 200
NOTE_MAX_CHARS = 2000
WORK_NOTES = "work_notes"


_NUMBER = {"type": "string", "description": "Record number, e.g. INC0010001."}

# The schema a tool of each kind takes when its administrator left `parameters` blank.
DEFAULT_PARAMETERS: dict[str, dict[str, Any]] = {
    ToolKind.SEARCH_RECORDS: {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "Keywords to look for."},
            "kind": {"type": "string", "enum": list(RecordKind.values)},
            "limit": {"type": "integer", "minimum": 1, "maximum": SEARCH_LIMIT_MAX},
        },
        "required": ["query"],
        "additionalProperties": False,
    },
    ToolKind.GET_RECORD: {
        "type": "object",
        "properties": {"number": _NUMBER},
        "required": ["number"],
        "additionalProperties": False,
    },
    ToolKind.UPDATE_RECORD: {
        "type": "object",
        "properties": {
            "number": _NUMBER,
            "note": {"type": "string", "description": "The work note to append."},
        },
        "required": ["number", "note"],
        "additionalProperties": False,
    },
    ToolKind.RUN_SKILL: {
        "type": "object",
        "properties": {"skill": {"type": "string"}, "number": _NUMBER},
        "required": ["skill"],
        "additionalProperties": False,
    },
}


def parameters_of(tool: AgentTool) -> dict[str, Any]:
    """The JSON Schema offered to the model and enforced on its arguments."""
    return tool.parameters or DEFAULT_PARAMETERS.get(tool.kind, {"type": "object"})


@dataclass
class ToolOutcome:
    """What a tool call produced: `result` is the JSON the model reads back."""

    ok: bool
    result: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def error(cls, message: str) -> ToolOutcome:
        return cls(ok=False, result={"error": message})


class ToolFailure(Exception):
    """A tool refused its (valid-looking) arguments; the message goes back to the model."""


def execute(tools: dict[str, AgentTool], name: str, arguments: Any, run: AgentRun) -> ToolOutcome:
    """Run tool `name` of the agent with `arguments`; never raises for the model's mistakes."""
    tool = tools.get(name)
    if tool is None:
        offered = ", ".join(sorted(tools)) or "none"
        return ToolOutcome.error(f"Unknown tool {name!r}; this agent's tools are: {offered}.")
    problems = argument_problems(tool, arguments)
    if problems:
        return ToolOutcome.error(f"Invalid arguments for {name}: " + "; ".join(problems) + ".")
    handler = HANDLERS.get(tool.kind)
    if handler is None:
        return ToolOutcome.error(f"Tool {name} has an unsupported kind {tool.kind!r}.")
    try:
        return ToolOutcome(ok=True, result=handler(tool, arguments, run))
    except ToolFailure as exc:
        return ToolOutcome.error(str(exc))


def argument_problems(tool: AgentTool, arguments: Any) -> list[str]:
    """Every way `arguments` break the tool's JSON Schema (empty when they fit)."""
    if not isinstance(arguments, dict):
        return ["the arguments must be a JSON object"]
    schema = parameters_of(tool)
    try:
        validator = Draft202012Validator(schema)
        errors = sorted(validator.iter_errors(arguments), key=lambda e: list(e.path))
    except SchemaError:
        return [f"the tool's own parameter schema is invalid; fix tool {tool.name} on Agents"]
    problems = []
    for error in errors[:10]:
        where = ".".join(str(p) for p in error.path)
        problems.append(f"{where}: {error.message}" if where else error.message)
    return problems


# -- the tools ---------------------------------------------------------------------------------


def _record(number: Any) -> Record:
    record = Record.objects.filter(number=str(number).strip().upper()).first()
    if record is None:
        raise ToolFailure(f"No record {number!r}; use search_records to find record numbers.")
    return record


def _summary(record: Record) -> dict[str, Any]:
    return {
        "number": record.number,
        "kind": record.kind,
        "short_description": record.short_description,
    }


def search_records(tool: AgentTool, args: dict[str, Any], run: AgentRun) -> dict[str, Any]:
    """Records matching any word of the query, best match (most words) first, capped."""
    cap = min(int(tool.config.get("max_results", SEARCH_LIMIT_MAX)), SEARCH_LIMIT_MAX)
    limit = max(1, min(int(args.get("limit") or SEARCH_LIMIT_DEFAULT), cap))
    terms = [w.lower() for w in str(args.get("query", "")).split() if len(w) > 1][:20]
    rows = Record.objects.all()
    if args.get("kind"):
        rows = rows.filter(kind=args["kind"])
    if terms:
        match = Q()
        for term in terms:
            match |= (
                Q(number__iexact=term)
                | Q(short_description__icontains=term)
                | Q(description__icontains=term)
            )
        rows = rows.filter(match)
    candidates = list(rows[:SEARCH_CANDIDATES])

    def score(record: Record) -> int:
        text = f"{record.number} {record.short_description} {record.description}".lower()
        return sum(1 for term in terms if term in text)

    ranked = sorted(candidates, key=lambda r: (-score(r), r.number))[:limit]
    return {"count": len(ranked), "records": [_summary(r) for r in ranked]}


def get_record(tool: AgentTool, args: dict[str, Any], run: AgentRun) -> dict[str, Any]:
    record = _record(args.get("number", ""))
    return {**_summary(record), "description": record.description, "fields": record.fields}


def update_record(tool: AgentTool, args: dict[str, Any], run: AgentRun) -> dict[str, Any]:
    """Append a work note, the only change an agent may make (records are samples, not config,
    so the run's step is the audit trail)."""
    note = " ".join(str(args.get("note", "")).split())[:NOTE_MAX_CHARS]
    if not note:
        raise ToolFailure("The note is empty; write the work note to append.")
    with transaction.atomic():
        record = _record(args.get("number", ""))
        record = Record.objects.select_for_update().get(pk=record.pk)
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        line = f"{stamp} [agent {run.agent.key}] {note}"
        existing = record.fields.get(WORK_NOTES) or ""
        fields = dict(record.fields)
        fields[WORK_NOTES] = f"{existing}\n{line}" if existing else line
        record.fields = fields
        record.save(update_fields=["fields", "updated_at"])
    return {"number": record.number, "appended_work_note": line}


def inputs_from_record(skill: Skill, record: Record) -> dict[str, Any]:
    """The skill's inputs filled from the record (field names match by design)."""
    data: dict[str, Any] = {}
    for name in input_names(skill):
        attribute = name in RECORD_ATTRIBUTES
        value = getattr(record, name) if attribute else record.fields.get(name)
        if isinstance(value, SCALARS) and value != "":
            data[name] = value
    return data


def run_skill(tool: AgentTool, args: dict[str, Any], run: AgentRun) -> dict[str, Any]:
    """Run a skill in-process as the run's user; its invocation is linked in the result."""
    from skills.services.invocations import invoke_now

    key = str(args.get("skill", ""))
    allowed = tool.config.get("allowed_skills")
    if allowed is not None and key not in allowed:
        raise ToolFailure(f"Skill {key!r} is not allowed here; allowed: {', '.join(allowed)}.")
    record = _record(args["number"]) if args.get("number") else None
    skill = Skill.objects.filter(key=key).first()
    if skill is None:
        raise ToolFailure(f"Unknown skill {key!r}.")
    data = inputs_from_record(skill, record) if record is not None else {}
    try:
        invocation = invoke_now(
            key, data, user=run.requested_by, source=Source.AGENT, record=record
        )
    except SkillError as exc:
        raise ToolFailure(f"Skill {key} refused the call: {exc.message}") from None
    if invocation.status != InvocationStatus.SUCCEEDED:
        raise ToolFailure(
            f"Skill {key} failed ({invocation.error_code}): {invocation.error_message}"
        )
    return {"skill": key, "invocation": str(invocation.pk), "output": invocation.output}


Handler = Callable[[AgentTool, dict[str, Any], AgentRun], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    ToolKind.SEARCH_RECORDS: search_records,
    ToolKind.GET_RECORD: get_record,
    ToolKind.UPDATE_RECORD: update_record,
    ToolKind.RUN_SKILL: run_skill,
}
