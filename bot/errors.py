"""Operator mistakes: a setting, file or value that is wrong, said in one line.

Raise `OperatorError("SETTING … is …; expected …")` anywhere; the CLI (`bot.cli.main`) prints
`deskbot: <message>` on stderr, without a traceback, and exits with status 2.
"""
from __future__ import annotations


class OperatorError(Exception):
    """A wrong setting, file or value: the message names it and says what is expected."""

    exit_code = 2
