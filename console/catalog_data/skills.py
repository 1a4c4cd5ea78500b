"""The out-of-box skills and their default prompts.

Each skill lists its input fields (names match the sample records' fields, so a record can fill
them) and one default prompt, published as the skill's default variant for any provider.
Templates use `{{ field }}` placeholders over the input fields only; optional fields render
empty when not given, so every template reads well either way.
"""

from __future__ import annotations

from providers.choices import Tier
from skills.choices import RecordKind, ResponseFormat, SkillCapability, SkillGroup


def field(name: str, label: str, *, required: bool = True, type: str = "text") -> dict:
    """One input field of a skill: `type` is text (multi-line) or string (one line)."""
    return {"name": name, "label": label, "required": required, "type": type}


SKILLS: list[dict] = [
    {
        "key": "incident_summarization",
        "name": "Incident summarization",
        "description": "Summarizes an incident's problem, actions taken and current status so "
        "an agent picking it up understands it in seconds.",
        "group": SkillGroup.ITSM,
        "capability": SkillCapability.SUMMARIZE,
        "tier": Tier.LARGE,
        "record_kind": RecordKind.INCIDENT,
        "input_fields": [
            field("short_description", "Short description", type="string"),
            field("description", "Description"),
            field("priority", "Priority", required=False, type="string"),
            field("state", "State", required=False, type="string"),
            field("work_notes", "Work notes", required=False),
            field("comments", "Additional comments", required=False),
        ],
        "prompt": {
            "system_prompt": "You are an experienced IT service desk analyst. You write short, "
            "factual incident summaries for the next agent who picks up the ticket. Use only "
            "the information given; never invent hosts, people or times.",
            "template": "Summarize this incident.\n\n"
            "Short description: {{ short_description }}\n"
            "Priority: {{ priority }}\nState: {{ state }}\n\n"
            "Description:\n{{ description }}\n\n"
            "Work notes:\n{{ work_notes }}\n\n"
            "Customer comments:\n{{ comments }}\n\n"
            "Write three labelled sections: Issue (one or two sentences), Actions taken "
            "(bullet points, oldest first), Current status and next step (one sentence).",
            "temperature": "0.20",
            "max_tokens": 600,
            "response_format": ResponseFormat.TEXT,
        },
    },
    {
        "key": "resolution_notes_generation",
        "name": "Resolution notes generation",
        "description": "Drafts the resolution notes of a resolved incident from its history.",
        "group": SkillGroup.ITSM,
        "capability": SkillCapability.GENERATE,
        "tier": Tier.LARGE,
        "record_kind": RecordKind.INCIDENT,
        "input_fields": [
            field("short_description", "Short description", type="string"),
            field("description", "Description"),
            field("work_notes", "Work notes"),
            field("close_code", "Resolution code", required=False, type="string"),
        ],
        "prompt": {
            "system_prompt": "You are an IT support engineer writing resolution notes that "
            "will be reused by the knowledge team. Be precise and reproducible.",
            "template": "Write resolution notes for this incident.\n\n"
            "Short description: {{ short_description }}\n"
            "Resolution code: {{ close_code }}\n\n"
            "Description:\n{{ description }}\n\n"
            "Work notes:\n{{ work_notes }}\n\n"
            "Use three sections: Root cause, Resolution steps (numbered, each one action), "
            "Prevention (one or two recommendations). Do not mention people by name.",
            "temperature": "0.20",
            "max_tokens": 700,
            "response_format": ResponseFormat.TEXT,
        },
    },
    {
        "key": "chat_summarization",
        "name": "Chat summarization",
        "description": "Summarizes a live-agent or virtual-agent chat when it is transferred "
        "or closed.",
        "group": SkillGroup.CSM,
        "capability": SkillCapability.SUMMARIZE,
        "tier": Tier.SMALL,
        "record_kind": RecordKind.CHAT_TRANSCRIPT,
        "input_fields": [
            field("transcript", "Chat transcript"),
            field("customer", "Customer", required=False, type="string"),
            field("channel", "Channel", required=False, type="string"),
        ],
        "prompt": {
            "system_prompt": "You summarize support chats for the agent who takes over. Keep "
            "the customer's own words for the problem statement when they are precise.",
            "template": "Summarize this {{ channel }} conversation with {{ customer }}.\n\n"
            "Transcript:\n{{ transcript }}\n\n"
            "Answer with: Customer issue (one sentence), What was tried (bullets), "
            "Open questions or commitments made to the customer (bullets, or 'none').",
            "temperature": "0.20",
            "max_tokens": 400,
            "response_format": ResponseFormat.TEXT,
        },
    },
    {
        "key": "kb_article_generation",
        "name": "KB article generation",
        "description": "Turns a resolved incident or case into a draft knowledge article.",
        "group": SkillGroup.ITSM,
        "capability": SkillCapability.GENERATE,
        "tier": Tier.LARGE,
        "record_kind": RecordKind.INCIDENT,
        "input_fields": [
            field("short_description", "Short description", type="string"),
            field("description", "Description"),
            field("resolution_notes", "Resolution notes"),
            field("category", "Category", required=False, type="string"),
        ],
        "prompt": {
            "system_prompt": "You are a technical writer for an IT knowledge base. Articles "
            "must help an end user or a first-line agent solve the problem without help.",
            "template": "Draft a knowledge article from this resolved issue.\n\n"
            "Problem: {{ short_description }}\nCategory: {{ category }}\n\n"
            "Details:\n{{ description }}\n\n"
            "How it was resolved:\n{{ resolution_notes }}\n\n"
            "Format: a title; Symptoms; Cause; Resolution (numbered steps); Applies to. "
            "Plain language, no internal ticket numbers or names.",
            "temperature": "0.30",
            "max_tokens": 1200,
            "response_format": ResponseFormat.TEXT,
        },
    },
    {
        "key": "email_recommendation",
        "name": "Email recommendation",
        "description": "Drafts a reply e-mail to the customer about their case.",
        "group": SkillGroup.CSM,
        "capability": SkillCapability.GENERATE,
        "tier": Tier.SMALL,
        "record_kind": RecordKind.CASE,
        "input_fields": [
            field("short_description", "Subject", type="string"),
            field("description", "Case details"),
            field("customer_message", "Customer's latest message"),
            field("contact", "Contact name", required=False, type="string"),
            field("tone", "Tone", required=False, type="string"),
        ],
        "prompt": {
            "system_prompt": "You are a customer service agent writing e-mails on behalf of "
            "the support team. Be courteous and concrete; promise nothing the case does not "
            "support.",
            "template": "Draft a reply to {{ contact }} about: {{ short_description }}.\n\n"
            "Case details:\n{{ description }}\n\n"
            "Their latest message:\n{{ customer_message }}\n\n"
            "Preferred tone: {{ tone }}\n\n"
            "Write a greeting, two to four short paragraphs that answer every question asked "
            "and state the next step with its owner, and a sign-off from 'The Support Team'.",
            "temperature": "0.40",
            "max_tokens": 600,
            "response_format": ResponseFormat.TEXT,
        },
    },
    {
        "key": "change_request_summarization",
        "name": "Change request summarization",
        "description": "Summarizes a change request and its risk for the change advisory board.",
        "group": SkillGroup.ITSM,
        "capability": SkillCapability.SUMMARIZE,
        "tier": Tier.LARGE,
        "record_kind": RecordKind.CHANGE_REQUEST,
        "input_fields": [
            field("short_description", "Short description", type="string"),
            field("description", "Description"),
            field("implementation_plan", "Implementation plan"),
            field("backout_plan", "Backout plan", required=False),
            field("risk", "Risk", required=False, type="string"),
        ],
        "prompt": {
            "system_prompt": "You brief a change advisory board. Be neutral, flag gaps, and "
            "never downplay risk.",
            "template": "Summarize this change request for CAB review.\n\n"
            "Change: {{ short_description }}\nStated risk: {{ risk }}\n\n"
            "Description:\n{{ description }}\n\n"
            "Implementation plan:\n{{ implementation_plan }}\n\n"
            "Backout plan:\n{{ backout_plan }}\n\n"
            "Give: Purpose (one sentence), What changes (bullets), Risk and impact, "
            "Backout readiness, Questions the board should ask.",
            "temperature": "0.20",
            "max_tokens": 700,
            "response_format": ResponseFormat.TEXT,
        },
    },
    {
        "key": "case_summarization",
        "name": "Case summarization",
        "description": "Summarizes a customer service case for hand-over or escalation.",
        "group": SkillGroup.CSM,
        "capability": SkillCapability.SUMMARIZE,
        "tier": Tier.LARGE,
        "record_kind": RecordKind.CASE,
        "input_fields": [
            field("short_description", "Subject", type="string"),
            field("description", "Description"),
            field("account", "Account", required=False, type="string"),
            field("comments", "Case activity", required=False),
        ],
        "prompt": {
            "system_prompt": "You summarize customer cases for account managers and "
            "escalation engineers. Separate facts from the customer's claims.",
            "template": "Summarize this case for {{ account }}.\n\n"
            "Subject: {{ short_description }}\n\n"
            "Description:\n{{ description }}\n\n"
            "Activity:\n{{ comments }}\n\n"
            "Give: Customer problem, Business impact, Steps taken so far, "
            "Recommended next action.",
            "temperature": "0.20",
            "max_tokens": 600,
            "response_format": ResponseFormat.TEXT,
        },
    },
    {
        "key": "code_generation",
        "name": "Code generation",
        "description": "Writes a script from a plain-language request (Now Assist for Code).",
        "group": SkillGroup.CREATOR,
        "capability": SkillCapability.GENERATE,
        "tier": Tier.LARGE,
        "record_kind": "",
        "input_fields": [
            field("request", "What the code should do"),
            field("language", "Language", required=False, type="string"),
            field("context", "Existing code or context", required=False),
        ],
        "prompt": {
            "system_prompt": "You are a senior developer. Return working, idiomatic code with "
            "brief comments, handle errors explicitly, and never include credentials.",
            "template": "Write {{ language }} code for this request:\n{{ request }}\n\n"
            "Existing code or context (may be empty):\n{{ context }}\n\n"
            "Return one code block, then at most three sentences on assumptions made.",
            "temperature": "0.10",
            "max_tokens": 1500,
            "response_format": ResponseFormat.TEXT,
        },
    },
    {
        "key": "sentiment_analysis",
        "name": "Sentiment analysis",
        "description": "Classifies the sentiment of a customer message so that unhappy "
        "customers are routed first.",
        "group": SkillGroup.CSM,
        "capability": SkillCapability.SENTIMENT,
        "tier": Tier.SMALL,
        "record_kind": "",
        "input_fields": [field("text", "Text to analyse")],
        "prompt": {
            "system_prompt": "You classify the sentiment of customer messages. Answer with "
            "JSON only, no prose.",
            "template": "Classify the sentiment of this message:\n\n{{ text }}\n\n"
            'Answer as JSON: {"sentiment": "positive" | "neutral" | "negative", '
            '"score": a number from -1 (very negative) to 1 (very positive), '
            '"reason": one short sentence}.',
            "temperature": "0.00",
            "max_tokens": 200,
            "response_format": ResponseFormat.JSON,
        },
    },
    {
        "key": "generic_prompt",
        "name": "Generic prompt",
        "description": "Sends a free-form prompt to the selected model (Skill Kit playground).",
        "group": SkillGroup.PLATFORM,
        "capability": SkillCapability.GENERIC,
        "tier": Tier.LARGE,
        "record_kind": "",
        "input_fields": [field("prompt", "Prompt")],
        "prompt": {
            "system_prompt": "You are a helpful assistant for IT and customer service teams. "
            "Answer accurately and concisely; say so when you do not know.",
            "template": "{{ prompt }}",
            "temperature": "0.70",
            "max_tokens": 1000,
            "response_format": ResponseFormat.TEXT,
        },
    },
]
