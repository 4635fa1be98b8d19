"""The city's challenges (テーマ型提案) on Slack: the list for `/desk challenges` and App Home's
proposals section."""
from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.proposals import status as st
from bot.proposals.service import ChallengeView
from handlers.blocks import A_PROPOSE, button, clip, divider, escape, header, pack, propose_button, section
from handlers.deps import Deps
from handlers.proposals.ui import A_ADD_CHALLENGE
from handlers.views.screens import home_section


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
