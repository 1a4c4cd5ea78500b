"""`run_agent AGENT_KEY --goal TEXT [--async] [--json]`: run an AI agent from the shell."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from skills.choices import InvocationStatus, Source
from skills.services.agents import create_agent_run, run_agent_now
from skills.services.agents.presentation import agent_run_as_dict
from skills.services.errors import SkillError


class Command(BaseCommand):
    help = "Run an AI agent now (or queue it with --async) and print the run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agent_key")
        parser.add_argument("--goal", required=True, help="What the agent should do.")
        parser.add_argument("--user", default="", help="Username to run as (tools, log).")
        parser.add_argument(
            "--async", dest="run_async", action="store_true", help="Queue it for a worker."
        )
        parser.add_argument("--json", action="store_true", help="Print the run as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        try:
            if options["run_async"]:
                run = create_agent_run(
                    options["agent_key"], options["goal"], user=user, source=Source.CLI
                )
            else:
                run = run_agent_now(options["agent_key"], options["goal"], user=user)
        except SkillError as exc:
            raise CommandError(exc.message) from None
        view = agent_run_as_dict(run)
        if options["json"]:
            self.stdout.write(json.dumps(view, indent=2, ensure_ascii=False))
        elif view["status"] == InvocationStatus.QUEUED:
            self.stdout.write(f"Queued agent run {view['id']}.")
        else:
            self._print(view)
        if run.status == InvocationStatus.FAILED:
            raise CommandError(f"{run.error_code}: {run.error_message}")

    def _print(self, view: dict[str, Any]) -> None:
        where = " ".join(
            f"{k}={view[k]}" for k in ("route", "provider", "connection", "model") if view[k]
        )
        self.stdout.write(f"{view['status']} {view['id']} {where}")
        for step in view["steps"]:
            what = step["tool"] or step["kind"]
            self.stdout.write(f"  #{step['index']} {what} {'ok' if step['ok'] else 'error'}")
        if view["output"]:
            self.stdout.write(view["output"])
        tokens = view["tokens"]
        self.stdout.write(
            f"tokens {tokens['prompt']}+{tokens['completion']}, {view['attempts']} attempt(s)"
        )
