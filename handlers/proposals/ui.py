"""The proposal desk's Slack vocabulary: callback and action ids, its strings, modal helpers,
and reading a submitted view's values."""
from __future__ import annotations

import json

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block, Option, PlainTextObject
from slack_sdk.models.views import View

from handlers.blocks import clip

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


def _options(items: list[tuple[str, str]]) -> list[Option]:
    return [Option(value=v, text=_pt(clip(label, 75))) for v, label in items]


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


def quick_client(client: WebClient) -> WebClient:
    """The same Web API, with a short timeout and no retries: for calls inside a 3-second ack."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=QUICK_TIMEOUT, retry_handlers=[])
