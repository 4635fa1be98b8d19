"""The proposal desk: company proposals, staff triage, city challenges, timing advice.

- models.py      tables (proposal, history, notes, departments, challenges, outbox)
- status.py      the status machine (受付 → 検討中 → … → 採択 / 見送り / 完了)
- validation.py  field-level validation of proposals and challenges; the method/budget choices
- service.py     submit, read (owner or staff), triage, challenges, stale nudges
- intake.py      receiving a proposal on any surface: store, one quick staff post, the receipt's facts
- outbox.py      delivering queued messages through a sender the Slack side supplies, with retries
- staff.py       who is staff (staff channel members, cached, plus configured ids)
- advice.py      timing advice from the budget calendar (bot/fiscal.py)
- export.py      CSV export;  text.py  plain-text wording;  cli.py  `deskbot advise|proposals`
Slack code lives in handlers/ (handlers/proposals/, commands/propose.py, actions/proposal.py).
"""
