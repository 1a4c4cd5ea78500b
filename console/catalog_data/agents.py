"""The two sample AI agents and their built-in tools (JSON Schema parameters)."""

from __future__ import annotations

from providers.choices import Tier
from skills.choices import RecordKind, ToolKind

RECORD_KINDS = list(RecordKind.values)

SEARCH_RECORDS = {
    "name": "search_records",
    "kind": ToolKind.SEARCH_RECORDS,
    "description": "Search the sample records (incidents, cases, changes, chats, knowledge "
    "articles) by keywords; returns numbers and short descriptions.",
    "parameters": {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "Keywords to look for."},
            "kind": {"type": "string", "enum": RECORD_KINDS, "description": "Record type."},
            "limit": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
        },
        "required": ["query"],
        "additionalProperties": False,
    },
}

GET_RECORD = {
    "name": "get_record",
    "kind": ToolKind.GET_RECORD,
    "description": "Read one record with all its fields, by number (e.g. INC0010001).",
    "parameters": {
        "type": "object",
        "properties": {"number": {"type": "string", "description": "Record number."}},
        "required": ["number"],
        "additionalProperties": False,
    },
}

RUN_SKILL = {
    "name": "run_skill",
    "kind": ToolKind.RUN_SKILL,
    "description": "Run a Now Assist skill on a record and return its output.",
    "parameters": {
        "type": "object",
        "properties": {
            "skill": {
                "type": "string",
                "enum": ["incident_summarization", "resolution_notes_generation"],
            },
            "number": {"type": "string", "description": "The record the skill works on."},
        },
        "required": ["skill", "number"],
        "additionalProperties": False,
    },
    "config": {"allowed_skills": ["incident_summarization", "resolution_notes_generation"]},
}

AGENTS: list[dict] = [
    {
        "key": "incident_triage",
        "name": "Incident triage agent",
        "role": "Triage new and in-progress incidents for the service desk.",
        "instructions": "You help service desk agents triage incidents. For the incident you "
        "are given: read it with get_record, look for similar incidents and knowledge "
        "articles with search_records, and summarise it with run_skill "
        "(incident_summarization). Then answer with: a suggested priority and assignment "
        "group with one-line reasons, related records by number, and the next best action. "
        "Never change a record; say when information is missing.",
        "tier": Tier.LARGE,
        "max_steps": 8,
        "tools": [SEARCH_RECORDS, GET_RECORD, RUN_SKILL],
    },
    {
        "key": "kb_curator",
        "name": "Knowledge curator agent",
        "role": "Find knowledge gaps and propose knowledge articles.",
        "instructions": "You curate the knowledge base. Given a topic or a record number, "
        "search existing knowledge articles and resolved incidents with search_records, read "
        "the relevant ones with get_record, and report whether an article already covers the "
        "topic (cite its number) or propose an outline for a new article with the incidents "
        "it is based on.",
        "tier": Tier.SMALL,
        "max_steps": 6,
        "tools": [SEARCH_RECORDS, GET_RECORD],
    },
]
