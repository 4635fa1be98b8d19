"""Small helpers every action listener module shares."""
from __future__ import annotations

import logging

from handlers.send import reason

log = logging.getLogger(__name__)


def ack_now(ack) -> None:
    """Acknowledge at once; the work follows in a lazy listener."""
    ack()


def first_action(body: dict) -> dict:
    """The clicked element of a block_actions payload ({} when malformed)."""
    return (body.get("actions") or [{}])[0]


def open_modal(client, body: dict, view: dict) -> None:
    """A modal for the clicker: pushed onto the modal they clicked in, else opened (App Home,
    messages). A failure is logged; there is nothing else to tell the user through."""
    try:
        if (body.get("view") or {}).get("type") == "modal":
            client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)
    except Exception as e:  # noqa: BLE001
        user = (body.get("user") or {}).get("id", "?")
        log.error("views.open/push for %s failed: %s", user, reason(e))
