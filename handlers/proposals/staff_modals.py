"""The staff's modals: add a city challenge, add a note, assign a department (staff only; a
forged submission by anyone else is refused in the modal)."""
from __future__ import annotations

from slack_sdk.models.blocks import Block, DatePickerElement, InputBlock, PlainTextInputElement, StaticSelectElement

from bot.proposals.service import add_challenge, add_note, assign_department
from bot.proposals.validation import SUMMARY_MAX, ValidationFailed
from handlers.blocks import escape, section, unpack
from handlers.deps import deps_of
from handlers.proposals.challenges import challenge_blocks
from handlers.proposals.form import flush_outbox
from handlers.proposals.staff import _staff_or_error
from bot.i18n import t
from handlers.proposals.ui import CB_ASSIGN, CB_CHALLENGE, CB_NOTE, _modal, _options, _pt, form_values


def challenge_form(lang: str) -> dict:
    blocks: list[Block] = [
        InputBlock(block_id="title", label=_pt(t("proposal.ch_title", lang)), element=PlainTextInputElement(action_id="title", max_length=200)),
        InputBlock(block_id="department", label=_pt(t("proposal.department", lang)), element=PlainTextInputElement(action_id="department", max_length=100)),
        InputBlock(block_id="description", label=_pt(t("proposal.description", lang)),
                   element=PlainTextInputElement(action_id="description", multiline=True, max_length=SUMMARY_MAX)),
        InputBlock(block_id="desired_outcome", label=_pt(t("proposal.desired_outcome", lang)),
                   element=PlainTextInputElement(action_id="desired_outcome", multiline=True, max_length=SUMMARY_MAX)),
        InputBlock(block_id="open_until", label=_pt(t("proposal.open_until", lang)), optional=True,
                   element=DatePickerElement(action_id="open_until")),
    ]
    return _modal(t("proposal.challenge_form", lang), blocks, lang, callback_id=CB_CHALLENGE, submit_label=t("proposal.submit", lang),
                  private_metadata={"l": lang})


def note_form(ref: str, lang: str) -> dict:
    blocks: list[Block] = [section(f"*{ref}*"), InputBlock(block_id="text", label=_pt(t("proposal.note", lang)),
                           element=PlainTextInputElement(action_id="text", multiline=True, max_length=3000))]
    return _modal(t("proposal.note_form", lang), blocks, lang, callback_id=CB_NOTE, submit_label=t("proposal.submit", lang),
                  private_metadata={"l": lang, "r": ref})


def assign_form(ref: str, departments: list[str], current: str | None, lang: str) -> dict:
    blocks: list[Block] = [section(f"*{ref}*")]
    if departments:
        opts = _options([(d, d) for d in departments[:100]])
        blocks.append(InputBlock(block_id="pick", label=_pt(t("proposal.dept_pick", lang)), optional=True,
                                 element=StaticSelectElement(action_id="pick", options=opts,
                                                             initial_option=next((o for o in opts if o.value == current), None))))
    blocks.append(InputBlock(block_id="department", label=_pt(t("proposal.dept_new", lang)), optional=bool(departments),
                             element=PlainTextInputElement(action_id="department", max_length=100)))
    return _modal(t("proposal.assign_form", lang), blocks, lang, callback_id=CB_ASSIGN, submit_label=t("proposal.submit", lang),
                  private_metadata={"l": lang, "r": ref})


def submit_challenge(ack, body, client, context):
    deps, view = deps_of(context), body.get("view") or {}
    lang = unpack(view.get("private_metadata")).get("l") or "ja"
    actor = _staff_or_error(ack, deps, client, body, lang, "title")
    if actor is None:
        return
    try:
        c = add_challenge(deps.db, form_values(view), actor, lang=lang)
    except ValidationFailed as e:
        ack(response_action="errors", errors=e.errors)
        return
    ack(response_action="update", view=_modal(t("proposal.saved", lang), [section(f"✅ *{escape(c.title)}*" + (
        f"({escape(c.department)})" if c.department else ""))] + challenge_blocks([c], lang, staff=False), lang))


def submit_note(ack, body, client, context):
    deps, view = deps_of(context), body.get("view") or {}
    meta = unpack(view.get("private_metadata"))
    lang = meta.get("l") or "ja"
    actor = _staff_or_error(ack, deps, client, body, lang, "text")
    if actor is None:
        return
    try:
        add_note(deps.db, meta.get("r", ""), form_values(view).get("text") or "", actor)
    except ValidationFailed as e:
        ack(response_action="errors", errors={"text": next(iter(e.errors.values()))})
        return
    ack()


def submit_assign(ack, body, client, context):
    deps, view = deps_of(context), body.get("view") or {}
    meta = unpack(view.get("private_metadata"))
    lang = meta.get("l") or "ja"
    actor = _staff_or_error(ack, deps, client, body, lang, "department")
    if actor is None:
        return
    values = form_values(view)
    name = (values.get("department") or "").strip() or values.get("pick") or ""
    if not name:
        ack(response_action="errors", errors={"department": t("proposal.dept_missing", lang)})
        return
    try:
        assign_department(deps.db, meta.get("r", ""), name, actor)
    except ValidationFailed as e:
        ack(response_action="errors", errors={"department": next(iter(e.errors.values()))})
        return
    ack()


def after_staff_change(body, client, context):
    flush_outbox(deps_of(context), client)
