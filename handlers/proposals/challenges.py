"""The city's challenges (テーマ型提案) on Slack: the list for `/desk challenges` and App Home's
proposals section."""
from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.i18n import t
from bot.proposals import status as st
from bot.proposals.service import ChallengeView
from handlers.blocks import A_PROPOSE, button, clip, divider, escape, header, pack, propose_button, section
from handlers.deps import Deps
from handlers.proposals.ui import A_ADD_CHALLENGE
from handlers.views.screens import home_section


def challenge_blocks(challenges: list[ChallengeView], lang: str, *, staff: bool) -> list[Block]:
    blocks: list[Block] = []
    for c in challenges[:15]:
        until = t("challenge.until", lang, date=f"{c.open_until:%Y-%m-%d}") if c.open_until else \
            t("challenge.open", lang)
        blocks.append(section(f"*{escape(c.title)}* ({escape(c.department or '')} · {until})\n"
                              f"{escape(clip(c.description, 1200))}\n*{t('challenge.desired_outcome', lang)}*: "
                              f"{escape(clip(c.desired_outcome, 800))}",
                              accessory=button(t("challenge.propose", lang), A_PROPOSE,
                                               pack(l=lang, c=c.id), style="primary")))
    return blocks


def challenges_message(challenges: list[ChallengeView], lang: str, *, staff: bool) -> tuple[str, list[dict]]:
    title = t("challenge.list_title", lang)
    blocks: list[Block] = [header(title)]
    blocks += challenge_blocks(challenges, lang, staff=staff) or [
        section(t("challenge.none", lang))]
    if staff:
        blocks += [divider(), ActionsBlock(elements=[button(t("challenge.add", lang),
                                                            A_ADD_CHALLENGE, pack(l=lang))])]
    return title, [b.to_dict() for b in blocks]


@home_section
def home_proposals(deps: Deps, user_id: str, lang: str) -> list[Block]:
    """App Home: the propose button and the user's own proposals with their status."""
    from bot.proposals.service import my_proposals

    mine = my_proposals(deps.db, user_id)[:10]
    head = t("proposal.home_title", lang)
    lines = [f"• *{v.ref}* {escape(clip(v.title, 60))} — {st.label(v.status, lang)}" for v in mine]
    body = "\n".join(lines) if lines else t("proposal.home_none", lang)
    return [divider(), section(f"{head}\n{body}", accessory=propose_button(lang))]
