"""The proposal desk on Slack, one small file per job:

- `ui.py`: callback/action ids, the strings, modal helpers; `staff.py`: the staff check;
- `form.py`: the proposal form, its submission and the receipt; `staff_modals.py`: challenge,
  note and department modals; `cards.py`: the staff card, details, lists; `challenges.py`: the
  city's challenges and App Home's section; `sender.py`: `SlackOutboxSender`;
- this module: the start-up flush middleware and `register(app)`. The buttons are in
  handlers/actions/proposal.py, the `/desk` sub-commands in handlers/commands/propose.py.

In more detail:

- Modals (slack_sdk.models): the proposal form, the receipt, and the staff's "add challenge",
  "add note" and "assign department" forms; their `view_submission` listeners are here. Field
  errors go back as `response_action: errors`, keyed by the block ids (= the core's field names).
- Messages: the staff card (with the triage buttons of handlers/actions/proposal.py), the
  proposer's status notices, the stale nudge, lists and details for `/desk` sub-commands.
- `staff_directory(deps, client)`: members of DESK_STAFF_CHANNEL (conversations.members, cached)
  plus DESK_STAFF_USER_IDS.
- `SlackOutboxSender`: renders and posts one outbox message (bot/proposals/outbox.py retries).

On submit the proposal is stored first; then one quick attempt posts it to the staff channel,
so the receipt can say honestly whether the staff have it; whatever is left (a failed post, the
receipt DM) is delivered right after the acknowledgement, at the next submit, at start-up, and by
the scheduler's minute tick (bot/reminders/scheduler.py, through `handlers.senders.SlackSenders`).
"""
from __future__ import annotations

import threading

from slack_bolt import App

from handlers.proposals.form import after_submit, flush_outbox, submit_proposal
from handlers.proposals.staff_modals import after_staff_change, submit_assign, submit_challenge, submit_note
from handlers.proposals.ui import CB_ASSIGN, CB_CHALLENGE, CB_NOTE, CB_PROPOSAL


def _startup_flush(app: App):
    """On the first request after start-up, retry every pending message (whatever its backoff),
    on the app's worker pool after the ack."""
    done = threading.Event()

    def middleware(context, next):
        if not done.is_set() and "deps" in context:
            done.set()
            deps = context["deps"]
            deps.defer(flush_outbox, deps, app.client, force=True)
        next()

    return middleware


def register(app: App) -> None:
    app.middleware(_startup_flush(app))
    app.view(CB_PROPOSAL)(ack=submit_proposal, lazy=[after_submit])
    app.view(CB_CHALLENGE)(submit_challenge)
    app.view(CB_NOTE)(ack=submit_note, lazy=[after_staff_change])
    app.view(CB_ASSIGN)(ack=submit_assign, lazy=[after_staff_change])
