"""Views: the App Home tab (published on `app_home_opened`) and the screens shared with `/desk`
(`screens.py`). Modals are opened by the buttons in `handlers/actions/`."""
from __future__ import annotations

import logging

from slack_bolt import App

from handlers.deps import deps_of
from handlers.send import reason
from handlers.views.screens import home_view

log = logging.getLogger(__name__)


def _ack(ack):
    ack()


def publish_home(event, client, context):
    if event.get("tab", "home") != "home":
        return                                   # the Messages tab: nothing to draw
    user = event["user"]
    try:
        view = home_view(deps_of(context), user, client=client)
    except Exception:  # noqa: BLE001
        log.exception("building App Home for %s failed", user)
        return
    try:
        client.views_publish(user_id=user, view=view)
    except Exception as e:  # noqa: BLE001
        log.error("views.publish for %s failed: %s", user, reason(e))


def register(app: App) -> None:
    app.event("app_home_opened")(ack=_ack, lazy=[publish_home])
    __import__("handlers.views.remind", fromlist=["register"]).register(app)     # reminders: App Home button
    __import__("handlers.views.idea", fromlist=["register"]).register(app)       # the idea advisor
