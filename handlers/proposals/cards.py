"""The proposal desk's messages: the staff card (with the triage buttons of
handlers/actions/proposal.py and the links to precedents), details and lists for `/desk`."""
from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ConfirmObject

from bot.i18n import t
from bot.proposals import status as st
from bot.proposals.service import ProposalView
from bot.proposals.text import when
from bot.proposals.validation import METHODS, NEEDS_BUDGET
from handlers.blocks import button, clip, context, escape, header, pack, section
from handlers.proposals.ui import A_ASSIGN, A_NOTE, A_STATUS


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
        head = "*参考: 比較的近い記録(近い事例はなし)*" if a.get("precedents_reference") else "*近い事例*"
        lines.append(head + ": " + ("、".join(name(c) for c in a["precedents"] if isinstance(c, dict))
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
    blocks.append(section(t("proposal.history", lang) + "\n".join(lines)))
    if staff and v.notes:
        blocks.append(section("*メモ(職員のみ)*\n" + "\n".join(
            f"• {when(n.at)} <@{n.author}>: {escape(clip(n.text, 500))}" for n in v.notes[-10:])))
    if staff:
        blocks.append(triage_actions(v))
    return [b.to_dict() for b in blocks]


def list_blocks(views: list[ProposalView], title: str, lang: str, *, limit: int = 40) -> list[dict]:
    blocks: list[Block] = [header(title)]
    if not views:
        blocks.append(section(t("proposal.none", lang)))
    lines = [f"• *{v.ref}* [{st.label(v.status, lang)}{' / ' + escape(v.department) if v.department else ''}] "
             f"{escape(v.organisation)}: {escape(clip(v.title, 80))} ({when(v.submitted_at)[:10]})" for v in views[:limit]]
    for i in range(0, len(lines), 20):
        blocks.append(section("\n".join(lines[i:i + 20])))
    if len(views) > limit:
        blocks.append(context(f"ほか {len(views) - limit} 件(`deskbot proposals export` で全件)"))
    return [b.to_dict() for b in blocks]
