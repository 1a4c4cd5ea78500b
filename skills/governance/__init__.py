"""Governance of a skill call's text: data privacy masking and Guardian screening.

Pure Python on purpose (no Django, no database): the run engine calls it on the rendered
prompt before any provider call, and the console's test boxes call it directly. Every control
fails closed: an error in a masking step or a detector raises `GovernanceError` naming the
control, and the call is not sent.

A call's order: build a `Masker` from the policy's patterns (`patterns.BUILTIN_PATTERNS`,
`custom.custom_pattern`, `custom.name_pattern` for the record's names); mask every text of
the call into one `masking.Vault` (`mask_json` for tool-call arguments); screen the masked
prompt with a `guardian.Guardian` and `guardian.decide` by the policy's modes; send and log
only masked text; restore the answer with `Vault.restore` or, streamed, `StreamRestorer`;
record `Vault.counts()` and the findings (neither holds any value).
"""
