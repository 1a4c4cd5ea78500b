"""The one error every governance control raises, so callers can fail closed uniformly."""

from __future__ import annotations

CONTROLS = ("privacy", "guardian", "budget", "allowance")


class GovernanceError(Exception):
    """A control refused or failed; the call must not be sent.

    `control` names the control ("privacy", "guardian", "budget", "allowance"); `message`
    says what failed. Neither ever holds the text being screened: the error is logged and
    shown, and the screened text may hold the very data the control protects.
    """

    def __init__(self, control: str, message: str) -> None:
        super().__init__(control, message)
        self.control = control
        self.message = message

    def __str__(self) -> str:
        return f"{self.control}: {self.message}"
