"""The proposal desk's Slack vocabulary: callback and action ids, its strings, modal helpers,
and reading a submitted view's values."""
from __future__ import annotations

import json

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block, Option, PlainTextObject
from slack_sdk.models.views import View

from bot.i18n import t
from handlers.blocks import clip

# callback ids (modals) and action ids (buttons)
CB_PROPOSAL = "desk_proposal_form"
CB_CHALLENGE = "desk_challenge_form"
CB_NOTE = "desk_proposal_note_form"
CB_ASSIGN = "desk_proposal_assign_form"
A_STATUS = "desk_prop_status"           # desk_prop_status:<new status>
A_ASSIGN = "desk_prop_assign"
A_NOTE = "desk_prop_note"
A_ADD_CHALLENGE = "desk_challenge_add"

QUICK_TIMEOUT = 2  # seconds: the staff post tried inside a view_submission acknowledgement




def _pt(text: str) -> PlainTextObject:
    return PlainTextObject(text=text, emoji=True)


def _modal(title: str, blocks: list[Block], lang: str, *, callback_id: str | None = None,
           submit_label: str | None = None, private_metadata: dict | None = None) -> dict:
    view = View(type="modal", callback_id=callback_id, title=_pt(clip(title, 24)),
                submit=_pt(submit_label) if submit_label else None,
                close=_pt(t("proposal.cancel" if submit_label else "proposal.close", lang)),
                private_metadata=json.dumps(private_metadata or {}, ensure_ascii=False), blocks=blocks)
    view.validate_json()
    return view.to_dict()


def _options(items: list[tuple[str, str]]) -> list[Option]:
    return [Option(value=v, text=_pt(clip(label, 75))) for v, label in items]


def form_values(view: dict) -> dict:
    """{block_id: value} from a submitted view's state (text, e-mail, select, radio, date)."""
    out: dict = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for a in actions.values():
            if a.get("type") in ("static_select", "radio_buttons"):
                out[block_id] = (a.get("selected_option") or {}).get("value")
            elif a.get("type") == "datepicker":
                out[block_id] = a.get("selected_date")
            else:
                out[block_id] = a.get("value")
    return out


def quick_client(client: WebClient) -> WebClient:
    """The same Web API, with a short timeout and no retries: for calls inside a 3-second ack."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=QUICK_TIMEOUT, retry_handlers=[])
