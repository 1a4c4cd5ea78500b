from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from console.services.config_io import ConfigDocumentError, import_document
from core import parsers
from core.audit import AuditSource


class Command(BaseCommand):
    help = (
        "Import the BYOK configuration document (JSON). The whole document is validated "
        "first; nothing is written unless all of it is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of the JSON document, or - for standard input.")

    def handle(self, *args: Any, **options: Any) -> None:
        doc = load_document(options["file"])
        try:
            result = import_document(doc, actor=None, source=AuditSource.IMPORT)
        except ConfigDocumentError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(
                f"{len(exc.errors)} error(s) in {options['file']}; nothing was imported."
            ) from None
        self.stdout.write(f"Imported {options['file']}: {result.summary()}.")


def load_document(name: str) -> Any:
    """Read and parse the file, turning every failure into one readable line."""
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_bytes()
    except FileNotFoundError:
        raise CommandError(f"{name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{name}: cannot read the file ({exc.__class__.__name__})") from None
    try:
        return parsers.loads(text)  # the API's own rules: depth, duplicate keys, numbers
    except parsers.MalformedJSON as exc:
        raise CommandError(f"{name}: not valid JSON ({exc.reason})") from None
