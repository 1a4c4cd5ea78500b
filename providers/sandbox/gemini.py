"""Stub."""

from __future__ import annotations


def add_routes(app) -> None:
    return None
