from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from console.services.config_io import export_document


class Command(BaseCommand):
    help = "Export the BYOK configuration as one JSON document (never with secrets)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", help="Write to this file instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = json.dumps(export_document(), indent=2, ensure_ascii=False) + "\n"
        out = options.get("out")
        if not out:
            self.stdout.write(text, ending="")
            return
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{out}: cannot write the file ({exc.strerror})") from None
        self.stderr.write(f"Exported the configuration to {out}.")
