"""Small helpers every action listener module shares."""
from __future__ import annotations


def ack_now(ack) -> None:
    """Acknowledge at once; the work follows in a lazy listener."""
    ack()


def first_action(body: dict) -> dict:
    """The clicked element of a block_actions payload ({} when malformed)."""
    return (body.get("actions") or [{}])[0]
