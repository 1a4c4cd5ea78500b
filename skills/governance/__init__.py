"""Governance of a skill call's text: data privacy masking and Guardian screening.

Pure Python on purpose (no Django, no database): the run engine calls it on the rendered
prompt before any provider call, and the console's test boxes call it directly. Every control
fails closed: an error in a masking step or a detector raises `GovernanceError` naming the
control, and the call is not sent.
"""
