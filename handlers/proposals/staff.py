"""Who is desk staff: members of DESK_STAFF_CHANNEL (conversations.members, cached per app)
plus DESK_STAFF_USER_IDS; the refusal for everyone else."""
from __future__ import annotations

import threading
import weakref

from slack_sdk import WebClient

from bot.proposals.staff import Actor, StaffDirectory
from handlers.deps import Deps
from bot.i18n import t

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


def not_staff_text(lang: str) -> str:
    return t("proposal.not_staff", lang)


def _staff_or_error(ack, deps, client, body, lang: str, block: str):
    actor = actor_of(deps, client, (body.get("user") or {}).get("id", ""))
    if not actor.is_staff:
        ack(response_action="errors", errors={block: t("proposal.not_staff", lang)[:150]})
        return None
    return actor
