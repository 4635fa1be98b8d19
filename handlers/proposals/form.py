"""The proposal form: the modal (pre-filled from the idea advisor), its submission (stored first,
then one quick staff post so the receipt tells the truth), the receipt, and the delivery of what
is left after the ack."""
from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block, EmailInputElement, InputBlock, PlainTextInputElement, RadioButtonsElement, StaticSelectElement

from bot.db import quick
from bot.fiscal import calendar_for
from bot.proposals.advice import timing_advice
from bot.proposals.intake import receive
from bot.proposals.outbox import run_outbox_job
from bot.proposals.service import ChallengeView, ProposalView, list_challenges
from bot.proposals.text import receipt as receipt_text
from bot.proposals.validation import METHODS, NEEDS_BUDGET, SUMMARY_MAX, ValidationFailed
from handlers.blocks import clip, context, escape, header, section, unpack
from handlers.deps import Deps, deps_of
from handlers.proposals.sender import SlackOutboxSender
from bot.i18n import t
from handlers.proposals.ui import CB_PROPOSAL, _modal, _options, _pt, form_values, quick_client

log = logging.getLogger(__name__)


def proposal_form(lang: str, challenges: list[ChallengeView], *, challenge_id: int | None = None,
                  summary: str | None = None, method: str | None = None, needs_budget: str | None = None,
                  advice: dict | None = None) -> dict:
    """The proposal modal; block ids are the core's field names (so errors map one to one).
    `summary`, `method`, `needs_budget`, `challenge_id`: pre-filled (from the idea advisor);
    `advice`: the advice given, carried in the modal and kept with the stored proposal."""
    initial = {"summary": clip(summary.strip(), SUMMARY_MAX) if summary and summary.strip() else None}

    def text_input(name: str, max_len: int, *, multiline: bool = False, hint: str | None = None) -> InputBlock:
        return InputBlock(block_id=name, label=_pt(t(f"proposal.{name}", lang)),
                          element=PlainTextInputElement(action_id=name, max_length=max_len, multiline=multiline,
                                                        initial_value=initial.get(name)),
                          hint=_pt(hint) if hint else None)

    blocks: list[Block] = [section(t("proposal.intro", lang)),
                           text_input("organisation", 200), text_input("contact_name", 100),
                           InputBlock(block_id="email", label=_pt(t("proposal.email", lang)),
                                      element=EmailInputElement(action_id="email")),
                           text_input("title", 200),
                           text_input("summary", SUMMARY_MAX, multiline=True, hint=t("proposal.summary_hint", lang))]
    if challenges:
        opts = _options([(str(c.id), c.title) for c in challenges[:100]])
        initial = next((o for o in opts if o.value == str(challenge_id)), None)
        blocks.append(InputBlock(block_id="challenge_id", label=_pt(t("proposal.challenge_id", lang)), optional=True,
                                 element=StaticSelectElement(action_id="challenge_id", options=opts,
                                                             initial_option=initial)))
    m_opts = _options([(k, c.label(lang)) for k, c in METHODS.items()])
    blocks.append(InputBlock(block_id="method", label=_pt(t("proposal.method", lang)), element=StaticSelectElement(
        action_id="method", options=m_opts, initial_option=next((o for o in m_opts if o.value == method), None))))
    nb_opts = _options([(k, c.label(lang)) for k, c in NEEDS_BUDGET.items()])
    blocks.append(InputBlock(block_id="needs_budget", label=_pt(t("proposal.needs_budget", lang)), element=RadioButtonsElement(
        action_id="needs_budget", options=nb_opts,
        initial_option=next((o for o in nb_opts if o.value == needs_budget), None))))
    meta = {"l": lang, **({"a": advice} if advice else {})}
    return _modal(t("proposal.form_title", lang), blocks, lang, callback_id=CB_PROPOSAL, submit_label=t("proposal.submit", lang),
                  private_metadata=meta)


def open_proposal_form(deps: Deps, client: WebClient, trigger_id: str, lang: str, *,
                       challenge_id: int | None = None, push: bool = False, summary: str | None = None,
                       method: str | None = None, needs_budget: str | None = None, advice: dict | None = None) -> None:
    view = proposal_form(lang, list_challenges(deps.db), challenge_id=challenge_id, summary=summary,
                         method=method, needs_budget=needs_budget, advice=advice)
    (client.views_push if push else client.views_open)(trigger_id=trigger_id, view=view)


def receipt_view(v: ProposalView, lang: str, *, staff_notified: bool, calendar) -> dict:
    advice = timing_advice(v.submitted_on, v.needs_budget, lang, calendar=calendar)
    text = receipt_text(v, advice.text, staff_notified=staff_notified)
    head, _, rest = text.partition("\n")
    blocks: list[Block] = [header(head)] + [section(escape(p)) for p in rest.strip().split("\n\n") if p.strip()]
    blocks.append(context(f"`/desk my-proposals` — {'your proposals and their status' if lang == 'en' else 'ご提案の一覧と状況'}"))
    return _modal(t("proposal.receipt_title", lang), blocks, lang)


def submit_proposal(ack, body, client, context):
    """view_submission of the proposal form: errors in the modal, or store → staff post → receipt."""
    deps = deps_of(context)
    view = body.get("view") or {}
    meta = unpack(view.get("private_metadata"))
    lang = meta.get("l") or "ja"
    user = (body.get("user") or {}).get("id", "")
    key = f"slack-view:{view.get('id')}"
    present = set(((view.get("state") or {}).get("values") or {}))
    advice = meta.get("a") if isinstance(meta.get("a"), dict) else None
    try:
        with quick():        # Slack waits 3 s for this ack: a database that is away fails fast
            got = receive(deps.db, form_values(view), submitter=user, idempotency_key=key,
                          staff_sender=outbox_sender(deps, quick_client(client)),
                          team_id=(body.get("team") or {}).get("id"), lang=lang, advice=advice,
                          enrich=_enricher(deps))
    except ValidationFailed as e:
        errors = {k: v for k, v in e.errors.items() if k in present} or {"title": next(iter(e.errors.values()))}
        ack(response_action="errors", errors=errors)
        return
    except Exception:  # noqa: BLE001 — database away (or a bug): keep the form and what was typed
        log.exception("proposal from %s not stored; the form stays open with its input", user)
        ack(response_action="errors", errors={"title" if "title" in present else next(iter(present), "title"):
                                              t("proposal.not_saved", lang)})
        return
    ack(response_action="update", view=receipt_view(got.proposal, lang, staff_notified=got.staff_notified,
                                                    calendar=calendar_for(deps.settings)))


def _enricher(deps: Deps):
    """Nearest precedents and similar earlier proposals for the staff card (None when the
    answer engine cannot be loaded: the proposal is stored without them)."""
    try:
        from bot.advisor import advisor_for
        from bot.proposals.connections import enricher

        return enricher(advisor_for(deps.desk))
    except Exception as e:  # noqa: BLE001
        log.warning("proposal connections unavailable (%s)", type(e).__name__)
        return None


def after_submit(body, client, context):
    """Lazy: the receipt DM, and every message still waiting (a post that failed a moment ago, or
    earlier, is retried now with the full client's retries)."""
    flush_outbox(deps_of(context), client, force=True)


def outbox_sender(deps: Deps, client: WebClient) -> SlackOutboxSender:
    return SlackOutboxSender(client, deps.settings.desk_staff_channel, calendar_for(deps.settings))


def flush_outbox(deps: Deps, client: WebClient, *, force: bool = False) -> None:
    run_outbox_job(deps.db, outbox_sender(deps, client), force=force)
