"""Skill execution: resolution, rendering, invocation lifecycle, retries, usage, housekeeping."""
