"""The proposal desk on Slack: modals, messages, the staff check and the outbox sender.

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

import json
import logging
import threading
import weakref

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.models.blocks import (ActionsBlock, Block, ConfirmObject, DatePickerElement, EmailInputElement,
                                     InputBlock, Option, PlainTextInputElement, PlainTextObject,
                                     RadioButtonsElement, StaticSelectElement)
from slack_sdk.models.views import View

from bot.db import quick
from bot.proposals import status as st
from bot.proposals.advice import timing_advice
from bot.proposals.outbox import Outgoing, Posted, deliver_outbox, run_outbox_job
from bot.proposals.service import (ChallengeView, ProposalView, add_challenge, add_note, assign_department,
                                   get_by_id, list_challenges, submit)
from bot.proposals.staff import Actor, StaffDirectory
from bot.proposals.text import receipt as receipt_text
from bot.proposals.text import status_notice, when
from bot.proposals.validation import METHODS, NEEDS_BUDGET, SUMMARY_MAX, ValidationFailed
from handlers.blocks import (A_PROPOSE, button, clip, context, divider, escape, header, pack,
                             propose_button, section, unpack)
from handlers.deps import Deps, deps_of
from handlers.views.screens import home_section

log = logging.getLogger(__name__)

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

S = {
    "form_title": ("公民連携の提案", "Propose a partnership"),
    "submit": ("送信", "Submit"),
    "cancel": ("キャンセル", "Cancel"),
    "close": ("閉じる", "Close"),
    "intro": ("市への提案をお寄せください。受付番号と、予算のスケジュールから見た進め方をすぐにお知らせします。",
              "Tell us your proposal. You get a reference number at once, with advice on timing from the "
              "city's budget calendar."),
    "organisation": ("団体名(会社名)", "Organisation"),
    "contact_name": ("ご担当者名", "Contact person"),
    "email": ("メールアドレス", "E-mail"),
    "title": ("提案の件名", "Title"),
    "summary": ("提案の概要(3,000文字以内)", "Summary (up to 3,000 characters)"),
    "summary_hint": ("解決したい課題、提案する内容、期待する効果、費用の見込みなど",
                     "The issue, what you propose, the expected effect, rough cost"),
    "challenge_id": ("対応する市の課題(任意)", "City challenge it answers (optional)"),
    "method": ("希望する連携の手法", "Preferred method"),
    "needs_budget": ("市の予算が必要ですか", "Does it need city budget?"),
    "receipt_title": ("受付完了", "Received"),
    "not_staff": ("申し訳ありません。この操作は公民連携デスクの職員の方のみが行えます。"
                  "ご自身の提案の状況は `/desk my-proposals` でご覧いただけます。",
                  "Sorry, only the partnership desk staff can do this. You can see your own proposals with "
                  "`/desk my-proposals`."),
    "not_found": ("受付番号 {ref} の提案は見つかりませんでした(ご自身の提案のみ表示できます)。",
                  "No proposal {ref} that you can see (you can see your own proposals only)."),
    "challenge_form": ("市の課題を追加", "Add a city challenge"),
    "ch_title": ("課題のタイトル", "Title"),
    "department": ("担当課", "Department"),
    "description": ("課題の説明", "Description"),
    "desired_outcome": ("期待する成果", "Desired outcome"),
    "open_until": ("募集期限(任意)", "Open until (optional)"),
    "note_form": ("メモを追加", "Add a note"),
    "note": ("メモ(職員のみ閲覧)", "Note (staff only)"),
    "assign_form": ("担当課を設定", "Assign a department"),
    "dept_pick": ("登録済みの担当課から選ぶ", "Pick a department"),
    "dept_new": ("または新しい担当課名", "or type a new one"),
    "dept_missing": ("担当課を選ぶか入力してください", "Pick or type a department"),
    "saved": ("保存しました", "Saved"),
    "not_saved": ("ただいま一時的に保存できませんでした。入力内容はそのまま残っています。少し時間をおいて、もう一度「送信」を押してください。",
                  "Your proposal could not be saved just now. What you typed is still here: please press "
                  "Submit again in a moment."),
}


def s(key: str, lang: str = "ja", **kw) -> str:
    ja, en = S[key]
    return (en if lang == "en" else ja).format(**kw)


def _pt(text: str) -> PlainTextObject:
    return PlainTextObject(text=text, emoji=True)


def _modal(title: str, blocks: list[Block], lang: str, *, callback_id: str | None = None,
           submit_label: str | None = None, private_metadata: dict | None = None) -> dict:
    view = View(type="modal", callback_id=callback_id, title=_pt(clip(title, 24)),
                submit=_pt(submit_label) if submit_label else None,
                close=_pt(s("cancel" if submit_label else "close", lang)),
                private_metadata=json.dumps(private_metadata or {}, ensure_ascii=False), blocks=blocks)
    view.validate_json()
    return view.to_dict()


# ---- the staff check ----------------------------------------------------------------------------

_directories: "weakref.WeakKeyDictionary[Deps, StaffDirectory]" = weakref.WeakKeyDictionary()
_dir_lock = threading.Lock()


def _channel_members(client: WebClient, channel: str) -> set[str]:
    members: set[str] = set()
    cursor = None
    while True:
        resp = client.conversations_members(channel=channel, limit=1000, cursor=cursor)
        members.update(resp.get("members") or [])
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return members


def staff_directory(deps: Deps, client: WebClient) -> StaffDirectory:
    """One cached directory per app (its Deps)."""
    from bot.proposals.settings import get_proposal_settings

    with _dir_lock:
        d = _directories.get(deps)
        if d is None:
            channel = deps.settings.desk_staff_channel
            fetch = (lambda: _channel_members(client, channel)) if channel else None
            d = StaffDirectory(deps.settings.staff_user_ids, fetch,
                               ttl_seconds=get_proposal_settings().proposal_staff_cache_seconds)
            _directories[deps] = d
        return d


def actor_of(deps: Deps, client: WebClient, user_id: str) -> Actor:
    return staff_directory(deps, client).actor(user_id)


# ---- the proposal form --------------------------------------------------------------------------

def _options(items: list[tuple[str, str]]) -> list[Option]:
    return [Option(value=v, text=_pt(clip(label, 75))) for v, label in items]


def proposal_form(lang: str, challenges: list[ChallengeView], *, challenge_id: int | None = None,
                  summary: str | None = None, method: str | None = None, needs_budget: str | None = None,
                  advice: dict | None = None) -> dict:
    """The proposal modal; block ids are the core's field names (so errors map one to one).
    `summary`, `method`, `needs_budget`, `challenge_id`: pre-filled (from the idea advisor);
    `advice`: the advice given, carried in the modal and kept with the stored proposal."""
    initial = {"summary": clip(summary.strip(), SUMMARY_MAX) if summary and summary.strip() else None}

    def text_input(name: str, max_len: int, *, multiline: bool = False, hint: str | None = None) -> InputBlock:
        return InputBlock(block_id=name, label=_pt(s(name, lang)),
                          element=PlainTextInputElement(action_id=name, max_length=max_len, multiline=multiline,
                                                        initial_value=initial.get(name)),
                          hint=_pt(hint) if hint else None)

    blocks: list[Block] = [section(s("intro", lang)),
                           text_input("organisation", 200), text_input("contact_name", 100),
                           InputBlock(block_id="email", label=_pt(s("email", lang)),
                                      element=EmailInputElement(action_id="email")),
                           text_input("title", 200),
                           text_input("summary", SUMMARY_MAX, multiline=True, hint=s("summary_hint", lang))]
    if challenges:
        opts = _options([(str(c.id), c.title) for c in challenges[:100]])
        initial = next((o for o in opts if o.value == str(challenge_id)), None)
        blocks.append(InputBlock(block_id="challenge_id", label=_pt(s("challenge_id", lang)), optional=True,
                                 element=StaticSelectElement(action_id="challenge_id", options=opts,
                                                             initial_option=initial)))
    m_opts = _options([(k, c.label(lang)) for k, c in METHODS.items()])
    blocks.append(InputBlock(block_id="method", label=_pt(s("method", lang)), element=StaticSelectElement(
        action_id="method", options=m_opts, initial_option=next((o for o in m_opts if o.value == method), None))))
    nb_opts = _options([(k, c.label(lang)) for k, c in NEEDS_BUDGET.items()])
    blocks.append(InputBlock(block_id="needs_budget", label=_pt(s("needs_budget", lang)), element=RadioButtonsElement(
        action_id="needs_budget", options=nb_opts,
        initial_option=next((o for o in nb_opts if o.value == needs_budget), None))))
    meta = {"l": lang, **({"a": advice} if advice else {})}
    return _modal(s("form_title", lang), blocks, lang, callback_id=CB_PROPOSAL, submit_label=s("submit", lang),
                  private_metadata=meta)


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


def open_proposal_form(deps: Deps, client: WebClient, trigger_id: str, lang: str, *,
                       challenge_id: int | None = None, push: bool = False, summary: str | None = None,
                       method: str | None = None, needs_budget: str | None = None, advice: dict | None = None) -> None:
    view = proposal_form(lang, list_challenges(deps.db), challenge_id=challenge_id, summary=summary,
                         method=method, needs_budget=needs_budget, advice=advice)
    (client.views_push if push else client.views_open)(trigger_id=trigger_id, view=view)


def quick_client(client: WebClient) -> WebClient:
    """The same Web API, with a short timeout and no retries: for calls inside a 3-second ack."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=QUICK_TIMEOUT, retry_handlers=[])


def receipt_view(v: ProposalView, lang: str, *, staff_notified: bool) -> dict:
    advice = timing_advice(v.submitted_on, v.needs_budget, lang)
    text = receipt_text(v, advice.text, staff_notified=staff_notified)
    head, _, rest = text.partition("\n")
    blocks: list[Block] = [header(head)] + [section(escape(p)) for p in rest.strip().split("\n\n") if p.strip()]
    blocks.append(context(f"`/desk my-proposals` — {'your proposals and their status' if lang == 'en' else 'ご提案の一覧と状況'}"))
    return _modal(s("receipt_title", lang), blocks, lang)


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
            sub = submit(deps.db, form_values(view), submitter=user, idempotency_key=key,
                         team_id=(body.get("team") or {}).get("id"), lang=lang, advice=advice,
                         enrich=_enricher(deps))
    except ValidationFailed as e:
        errors = {k: v for k, v in e.errors.items() if k in present} or {"title": next(iter(e.errors.values()))}
        ack(response_action="errors", errors=errors)
        return
    except Exception:  # noqa: BLE001 — database away (or a bug): keep the form and what was typed
        log.exception("proposal from %s not stored; the form stays open with its input", user)
        ack(response_action="errors", errors={"title" if "title" in present else next(iter(present), "title"):
                                              s("not_saved", lang)})
        return
    v = sub.proposal
    if sub.created:
        # One quick try, so the receipt can tell the truth; a failure stays in the outbox.
        try:
            with quick():
                deliver_outbox(deps.db, SlackOutboxSender(quick_client(client), deps.settings.desk_staff_channel),
                               proposal_id=v.id, kinds=("staff_new",))
                v = get_by_id(deps.db, v.id) or v
        except Exception as e:  # noqa: BLE001 — stored; the outbox posts it later
            log.warning("proposal %s: quick staff post skipped (%s)", v.ref, type(e).__name__)
    ack(response_action="update", view=receipt_view(v, lang, staff_notified=v.staff_ts is not None))


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


def flush_outbox(deps: Deps, client: WebClient, *, force: bool = False) -> None:
    run_outbox_job(deps.db, SlackOutboxSender(client, deps.settings.desk_staff_channel), force=force)


# ---- staff modals: challenge, note, department ----------------------------------------------------

def challenge_form(lang: str) -> dict:
    blocks: list[Block] = [
        InputBlock(block_id="title", label=_pt(s("ch_title", lang)), element=PlainTextInputElement(action_id="title", max_length=200)),
        InputBlock(block_id="department", label=_pt(s("department", lang)), element=PlainTextInputElement(action_id="department", max_length=100)),
        InputBlock(block_id="description", label=_pt(s("description", lang)),
                   element=PlainTextInputElement(action_id="description", multiline=True, max_length=SUMMARY_MAX)),
        InputBlock(block_id="desired_outcome", label=_pt(s("desired_outcome", lang)),
                   element=PlainTextInputElement(action_id="desired_outcome", multiline=True, max_length=SUMMARY_MAX)),
        InputBlock(block_id="open_until", label=_pt(s("open_until", lang)), optional=True,
                   element=DatePickerElement(action_id="open_until")),
    ]
    return _modal(s("challenge_form", lang), blocks, lang, callback_id=CB_CHALLENGE, submit_label=s("submit", lang),
                  private_metadata={"l": lang})


def note_form(ref: str, lang: str) -> dict:
    blocks: list[Block] = [section(f"*{ref}*"), InputBlock(block_id="text", label=_pt(s("note", lang)),
                           element=PlainTextInputElement(action_id="text", multiline=True, max_length=3000))]
    return _modal(s("note_form", lang), blocks, lang, callback_id=CB_NOTE, submit_label=s("submit", lang),
                  private_metadata={"l": lang, "r": ref})


def assign_form(ref: str, departments: list[str], current: str | None, lang: str) -> dict:
    blocks: list[Block] = [section(f"*{ref}*")]
    if departments:
        opts = _options([(d, d) for d in departments[:100]])
        blocks.append(InputBlock(block_id="pick", label=_pt(s("dept_pick", lang)), optional=True,
                                 element=StaticSelectElement(action_id="pick", options=opts,
                                                             initial_option=next((o for o in opts if o.value == current), None))))
    blocks.append(InputBlock(block_id="department", label=_pt(s("dept_new", lang)), optional=bool(departments),
                             element=PlainTextInputElement(action_id="department", max_length=100)))
    return _modal(s("assign_form", lang), blocks, lang, callback_id=CB_ASSIGN, submit_label=s("submit", lang),
                  private_metadata={"l": lang, "r": ref})


def _staff_or_error(ack, deps, client, body, lang: str, block: str):
    actor = actor_of(deps, client, (body.get("user") or {}).get("id", ""))
    if not actor.is_staff:
        ack(response_action="errors", errors={block: s("not_staff", lang)[:150]})
        return None
    return actor


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
    ack(response_action="update", view=_modal(s("saved", lang), [section(f"✅ *{escape(c.title)}*" + (
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
        ack(response_action="errors", errors={"department": s("dept_missing", lang)})
        return
    try:
        assign_department(deps.db, meta.get("r", ""), name, actor)
    except ValidationFailed as e:
        ack(response_action="errors", errors={"department": next(iter(e.errors.values()))})
        return
    ack()


def after_staff_change(body, client, context):
    flush_outbox(deps_of(context), client)


# ---- messages -----------------------------------------------------------------------------------

def _fields(v: ProposalView, lang: str = "ja") -> str:
    method = METHODS[v.method].label(lang) if v.method in METHODS else v.method
    budget = NEEDS_BUDGET[v.needs_budget].label(lang) if v.needs_budget in NEEDS_BUDGET else v.needs_budget
    rows = [("団体名", escape(v.organisation)), ("担当者", f"{escape(v.contact_name)}({escape(v.email)})"),
            ("手法", method), ("市の予算", budget), ("対応する課題", escape(v.challenge_title or "なし")),
            ("状況", f"*{st.label(v.status)}*"), ("担当課", escape(v.department or "未定"))]
    return "\n".join(f"*{k}*: {val}" for k, val in rows)


def staff_card(v: ProposalView) -> tuple[str, list[dict]]:
    """The staff channel's message for a proposal, with the triage buttons (kept current)."""
    notes = f" · メモ {len(v.notes)}件" if v.notes else ""
    blocks: list[Block] = [
        header(f"📨 {v.ref} {escape(v.title)}"),
        section(_fields(v)),
        section(escape(clip(v.summary, 2900))),
        context(f"受付 {when(v.submitted_at)} · 提出者 <@{v.submitter}> · 状況更新 {when(v.status_changed_at)}{notes}"),
    ]
    blocks += connection_blocks(v)
    blocks.append(triage_actions(v))
    return escape(f"新しい提案 {v.ref}: {v.organisation}「{v.title}」({st.label(v.status)})"), [b.to_dict() for b in blocks]


def connection_blocks(v: ProposalView) -> list[Block]:
    """The staff card's links (情報蓄積): the advice the proposer was given, the nearest precedents
    and similar earlier proposals (bot/proposals/connections.py)."""
    a = v.advice or {}
    if not a:
        return []

    def name(c: dict) -> str:
        where = c.get("municipality") or ""
        return f"{escape(where)}「{escape(c.get('title', ''))}」" if where else f"「{escape(c.get('title', ''))}」"

    lines = []
    if a.get("given_methods"):
        lines.append("*アイデア相談でのアドバイス*: " + "、".join(escape(m) for m in a["given_methods"]))
    if "precedents" in a:
        lines.append("*近い事例*: " + ("、".join(name(c) for c in a["precedents"] if isinstance(c, dict))
                                       if a["precedents"] else "記録された事例に近いものはありません"))
    if a.get("similar"):
        lines.append("*似た過去の提案*:\n" + "\n".join(
            f"• {escape(x.get('ref', ''))} {escape(x.get('organisation', ''))}「{escape(clip(x.get('title', ''), 80))}」"
            f"({'同じ会社' if x.get('same_company') else '似た内容'})" for x in a["similar"][:3]))
    elif "similar" in a:
        lines.append("*似た過去の提案*: なし")
    return [section("\n".join(lines))] if lines else []


def triage_actions(v: ProposalView) -> ActionsBlock:
    """The staff's buttons for a proposal: the next statuses, department, note."""
    buttons = []
    for new in v.next_statuses():
        b = button(f"→ {st.label(new)}", f"{A_STATUS}:{new}", pack(r=v.ref, o=v.status),
                   style="danger" if new == st.DECLINED else None)
        if new == st.DECLINED:
            b.confirm = ConfirmObject(title="見送りにしますか", text=f"{v.ref} を「見送り」にし、提案者に通知します。",
                                      confirm="見送りにする", deny="戻る")
        buttons.append(b)
    buttons.append(button("🏢 担当課を設定", A_ASSIGN, pack(r=v.ref)))
    buttons.append(button("📝 メモを追加", A_NOTE, pack(r=v.ref)))
    return ActionsBlock(block_id=f"triage:{v.ref}", elements=buttons)


def detail_blocks(v: ProposalView, lang: str, *, staff: bool) -> list[dict]:
    blocks: list[Block] = [header(f"{v.ref} {escape(v.title)}"), section(_fields(v, lang)),
                           section(escape(clip(v.summary, 2900)))]
    lines = []
    for e in v.events:
        what = st.label(e.new, lang) if e.field == "status" else f"担当課: {e.new}"
        lines.append(f"• {when(e.at)} {escape(what)}" + (f" (<@{e.by}>)" if staff and not e.by.startswith("cli:") else "")
                     + (f" — {escape(e.comment)}" if staff and e.comment else ""))
    blocks.append(section(("*History*\n" if lang == "en" else "*経過*\n") + "\n".join(lines)))
    if staff and v.notes:
        blocks.append(section("*メモ(職員のみ)*\n" + "\n".join(
            f"• {when(n.at)} <@{n.author}>: {escape(clip(n.text, 500))}" for n in v.notes[-10:])))
    if staff:
        blocks.append(triage_actions(v))
    return [b.to_dict() for b in blocks]


def list_blocks(views: list[ProposalView], title: str, lang: str, *, limit: int = 40) -> list[dict]:
    blocks: list[Block] = [header(title)]
    if not views:
        blocks.append(section("該当する提案はありません。" if lang != "en" else "No proposals."))
    lines = [f"• *{v.ref}* [{st.label(v.status, lang)}{' / ' + escape(v.department) if v.department else ''}] "
             f"{escape(v.organisation)}: {escape(clip(v.title, 80))} ({when(v.submitted_at)[:10]})" for v in views[:limit]]
    for i in range(0, len(lines), 20):
        blocks.append(section("\n".join(lines[i:i + 20])))
    if len(views) > limit:
        blocks.append(context(f"ほか {len(views) - limit} 件(`deskbot proposals export` で全件)"))
    return [b.to_dict() for b in blocks]


def challenge_blocks(challenges: list[ChallengeView], lang: str, *, staff: bool) -> list[Block]:
    blocks: list[Block] = []
    for c in challenges[:15]:
        until = (f"{c.open_until:%Y-%m-%d} まで" if lang != "en" else f"until {c.open_until:%Y-%m-%d}") \
            if c.open_until else ("随時" if lang != "en" else "open")
        blocks.append(section(f"*{escape(c.title)}* ({escape(c.department or '')} · {until})\n"
                              f"{escape(clip(c.description, 1200))}\n*{'Desired outcome' if lang == 'en' else '期待する成果'}*: "
                              f"{escape(clip(c.desired_outcome, 800))}",
                              accessory=button("この課題に提案する" if lang != "en" else "Propose", A_PROPOSE,
                                               pack(l=lang, c=c.id), style="primary")))
    return blocks


def challenges_message(challenges: list[ChallengeView], lang: str, *, staff: bool) -> tuple[str, list[dict]]:
    title = "市の課題(テーマ型提案の募集)" if lang != "en" else "City challenges open for proposals"
    blocks: list[Block] = [header(title)]
    blocks += challenge_blocks(challenges, lang, staff=staff) or [
        section("現在募集中の課題はありません。自由な提案は `/desk propose` からどうぞ。" if lang != "en" else
                "No challenges are open right now. Free proposals are welcome: `/desk propose`.")]
    if staff:
        blocks += [divider(), ActionsBlock(elements=[button("➕ 課題を追加" if lang != "en" else "➕ Add a challenge",
                                                            A_ADD_CHALLENGE, pack(l=lang))])]
    return title, [b.to_dict() for b in blocks]


@home_section
def home_proposals(deps: Deps, user_id: str, lang: str) -> list[Block]:
    """App Home: the propose button and the user's own proposals with their status."""
    from bot.proposals.service import my_proposals

    mine = my_proposals(deps.db, user_id)[:10]
    head = "*公民連携の提案*" if lang != "en" else "*Proposals to the city*"
    lines = [f"• *{v.ref}* {escape(clip(v.title, 60))} — {st.label(v.status, lang)}" for v in mine]
    body = "\n".join(lines) if lines else ("提案はまだありません。市の課題は `/desk challenges` でご覧いただけます。" if lang != "en"
                                         else "No proposals yet. See the city's challenges with `/desk challenges`.")
    return [divider(), section(f"{head}\n{body}", accessory=propose_button(lang))]


def not_staff_text(lang: str) -> str:
    return s("not_staff", lang)


# ---- delivering the outbox ----------------------------------------------------------------------

class SlackOutboxSender:
    """Renders one outbox message and posts it; raises on failure (the outbox retries).
    A `bot.proposals.outbox.Sender`: the scheduler builds it with `from_settings`."""

    def __init__(self, client: WebClient, staff_channel: str | None):
        self.client, self.staff_channel = client, staff_channel

    @classmethod
    def from_settings(cls, settings) -> "SlackOutboxSender":
        from handlers.app import build_client   # retries 429 / 5xx / connection errors

        return cls(build_client(settings), settings.desk_staff_channel)

    def _staff_channel(self) -> str:
        ch = self.staff_channel
        if not ch:
            raise RuntimeError("DESK_STAFF_CHANNEL is not set")
        return ch

    def __call__(self, msg: Outgoing) -> Posted | None:
        v = msg.proposal
        if msg.kind == "staff_new" and v:
            text, blocks = staff_card(v)
            resp = self.client.chat_postMessage(channel=self._staff_channel(), text=text, blocks=blocks,
                                                unfurl_links=False)
            return Posted(resp["channel"], resp["ts"])
        if msg.kind == "staff_update" and v:
            if v.staff_ts and v.staff_channel:      # not posted yet: the first post shows the current state
                text, blocks = staff_card(v)
                self.client.chat_update(channel=v.staff_channel, ts=v.staff_ts, text=text, blocks=blocks)
            return None
        if msg.kind == "proposer_receipt" and v and msg.target:
            advice = timing_advice(v.submitted_on, v.needs_budget, v.lang)
            text = escape(receipt_text(v, advice.text, staff_notified=v.staff_ts is not None))
            self.client.chat_postMessage(channel=msg.target, text=text, blocks=[section(p).to_dict()
                                         for p in text.split("\n\n") if p.strip()][:40])
            return None
        if msg.kind == "proposer_status" and v and msg.target:
            text = escape(status_notice(v, msg.payload.get("old", ""), msg.payload.get("new", v.status)))
            more = ("Details: `/desk proposal {ref}`" if v.lang == "en" else "詳しくは `/desk proposal {ref}`").format(ref=v.ref)
            self.client.chat_postMessage(channel=msg.target, text=text,
                                         blocks=[section(text).to_dict(), context(more).to_dict()])
            return None
        if msg.kind == "staff_nudge":
            days = msg.payload.get("days")
            head = f"⏰ {days}日以上状況が変わっていない提案が {len(msg.proposals)} 件あります"
            text, blocks = head, list_blocks(list(msg.proposals), head, "ja")
            self.client.chat_postMessage(channel=self._staff_channel(), text=text, blocks=blocks)
            return None
        log.warning("outbox message %s of kind %s has nothing to send; dropped", msg.id, msg.kind)
        return None


# ---- registration -------------------------------------------------------------------------------

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

