"""`invoke_skill SKILL_KEY --input JSON [--async] [--json]`: run a skill from the shell."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import parsers
from skills.choices import InvocationStatus, Source
from skills.models import Record
from skills.services.errors import SkillError
from skills.services.invocations import create_invocation, invoke_now
from skills.services.presentation import invocation_as_dict


class Command(BaseCommand):
    help = "Run a skill now (or queue it with --async) and print the invocation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("skill_key")
        parser.add_argument("--input", default="{}", help="JSON object of the skill's inputs.")
        parser.add_argument("--record", default="", help="Sample record number, e.g. INC0010001.")
        parser.add_argument("--user", default="", help="Username to run as (rate limits, log).")
        parser.add_argument(
            "--async", dest="run_async", action="store_true", help="Queue it for a worker."
        )
        parser.add_argument("--json", action="store_true", help="Print the invocation as JSON.")
        parser.add_argument("--idempotency-key", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = parsers.loads(options["input"])  # the API's rules for a skill's input
        except parsers.MalformedJSON as exc:
            raise CommandError(f"--input is not valid JSON ({exc.reason}).") from None
        record = None
        if options["record"]:
            record = Record.objects.filter(number=options["record"]).first()
            if record is None:
                raise CommandError(f"No sample record {options['record']!r}.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        kwargs: dict[str, Any] = {
            "user": user,
            "source": Source.CLI,
            "record": record,
            "idempotency_key": options["idempotency_key"] or None,
        }
        try:
            if options["run_async"]:
                invocation = create_invocation(options["skill_key"], data, **kwargs)
            else:
                invocation = invoke_now(options["skill_key"], data, **kwargs)
        except SkillError as exc:
            raise CommandError(exc.message) from None
        self._print(invocation, as_json=options["json"])
        if invocation.status == InvocationStatus.FAILED:
            raise CommandError(f"{invocation.error_code}: {invocation.error_message}")

    def _print(self, invocation: Any, *, as_json: bool) -> None:
        view = invocation_as_dict(invocation)
        if as_json:
            self.stdout.write(json.dumps(view, indent=2, ensure_ascii=False))
            return
        if view["status"] == InvocationStatus.QUEUED:
            self.stdout.write(f"Queued invocation {view['id']}.")
            return
        where = " ".join(
            f"{k}={view[k]}" for k in ("route", "provider", "connection", "model") if view[k]
        )
        self.stdout.write(f"{view['status']} {view['id']} {where}")
        if view["output"]:
            self.stdout.write(view["output"])
        tokens = view["tokens"]
        self.stdout.write(
            f"tokens {tokens['prompt']}+{tokens['completion']}, cost {view['cost']}, "
            f"{view['attempts']} attempt(s), {view['latency_ms']} ms"
        )
