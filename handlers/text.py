"""The Slack app's own UI strings, Japanese and English (answers themselves come from the knowledge base).

`t("key", lang, **fields)` picks the language ("en" → English, anything else → Japanese).
"""
from __future__ import annotations

import re

STRINGS: dict[str, dict[str, str]] = {
    "source": {"ja": "出典: {source}", "en": "Source: {source}"},
    "related": {"ja": "関連する項目", "en": "Related"},
    "helpful_q": {"ja": "この回答は役に立ちましたか?", "en": "Was this helpful?"},
    "helpful_yes": {"ja": "👍 役に立った", "en": "👍 Helpful"},
    "helpful_no": {"ja": "👎 役に立たなかった", "en": "👎 Not helpful"},
    "thanks_up": {"ja": "フィードバックありがとうございます。記録しました 👍",
                  "en": "Thanks for the feedback — recorded 👍"},
    "thanks_down": {"ja": "フィードバックありがとうございます。回答の改善に使います 👎",
                    "en": "Thanks for the feedback — we'll use it to improve the answers 👎"},
    "did_you_mean": {"ja": "もしかして:", "en": "Did you mean:"},
    "handoff_button": {"ja": "デスク職員に聞く", "en": "Ask the desk staff"},
    "handoff_done": {"ja": "ご質問を公民連携デスクの職員に伝えました。担当者からご連絡します。",
                     "en": "Your question has been passed on to the partnership desk staff; they will get back to you."},
    "handoff_again": {"ja": "このご質問はすでに職員に伝えてあります。",
                      "en": "This question has already been passed on to the staff."},
    "handoff_unset": {"ja": "職員への取り次ぎ先が設定されていません。公民連携デスクへ直接お問い合わせください。",
                      "en": "No staff channel is configured; please contact the partnership desk directly."},
    "handoff_staff": {"ja": "*取り次ぎ #{id}*: <@{user}> さんから{where}の質問です。",
                      "en": "*Hand-off #{id}*: a question from <@{user}>{where}."},
    "handoff_clicker": {"ja": "取り次ぎボタンを押したのは <@{user}> さんです(質問者とは別の人)。",
                        "en": "The hand-off button was pressed by <@{user}> (not the asker)."},
    "handoff_seen": {"ja": "質問者に表示した回答", "en": "The answer the asker saw"},
    "handoff_state": {"ja": "状態", "en": "Status"},
    "handoff_owner": {"ja": "担当 <@{user}>", "en": "owner <@{user}>"},
    "handoff_take": {"ja": "🙋 担当します", "en": "🙋 I'll take it"},
    "handoff_close": {"ja": "✅ 対応済み", "en": "✅ Done"},
    "handoff_missing": {"ja": "この取り次ぎは見つかりませんでした。", "en": "That hand-off was not found."},
    "handoff_already": {"ja": "取り次ぎ #{id} はすでに「{state}」です(担当 <@{user}>)。変更していません。",
                        "en": "Hand-off #{id} is already {state} (owner <@{user}>); nothing changed."},
    "handoff_taken_staff": {"ja": "取り次ぎ #{id} を担当にしました。質問者に伝えました。",
                            "en": "You took hand-off #{id}; the asker has been told."},
    "handoff_closed_staff": {"ja": "取り次ぎ #{id} を対応済みにしました。", "en": "Hand-off #{id} is marked done."},
    "handoff_taken_asker": {"ja": "公民連携デスクの <@{user}> さんが、あなたのご質問「{q}」を担当します。追ってご連絡します。",
                            "en": "<@{user}> at the partnership desk has taken your question (“{q}”) and will get back to you."},
    "handoffs_title": {"ja": "未対応の取り次ぎ", "en": "Open hand-offs"},
    "handoffs_none": {"ja": "未対応の取り次ぎはありません。", "en": "No open hand-offs."},
    "handoffs_staff_only": {"ja": "`/desk handoffs` はデスク職員だけが使えます。", "en": "`/desk handoffs` is for the desk staff only."},
    "feedback_offer": {"ja": "お役に立てずすみません。担当職員に直接聞くこともできます。",
                       "en": "Sorry that did not help. You can ask the desk staff directly."},
    "remind_button": {"ja": "🔔 リマインダーを受け取る", "en": "🔔 Get reminders"},
    "items_title": {"ja": "開く", "en": "Open"},
    "handoff_where": {"ja": " <#{channel}> で", "en": " in <#{channel}>"},
    "handoff_where_dm": {"ja": " bot との DM で", "en": " in a DM with the bot"},
    "handoff_link": {"ja": "元のメッセージ", "en": "original message"},
    "post_failed": {"ja": "すみません、回答を送れませんでした。少し時間をおいてもう一度お試しください。",
                    "en": "Sorry, the answer could not be sent. Please try again in a moment."},
    "error": {"ja": "すみません、エラーが起きました。少し時間をおいてもう一度お試しください。",
              "en": "Sorry, something went wrong. Please try again in a moment."},
    "empty_question": {"ja": "ご質問をどうぞ。例: `/desk ネーミングライツとは` ・ `/desk help`",
                       "en": "Ask me a question, e.g. `/desk what is PFI` or `/desk help`."},
    "open": {"ja": "開く", "en": "Open"},
    "more": {"ja": "…ほか {n} 件。キーワードで絞り込めます: `/desk cases キーワード`",
             "en": "…and {n} more. Narrow it down: `/desk cases KEYWORD`"},
    "trimmed": {"ja": "(長いため一部を省略しました)", "en": "(shortened: too long for one message)"},
    # /desk help
    "help_title": {"ja": "公民連携デスク bot の使い方", "en": "How to use the partnership desk bot"},
    "help_body": {
        "ja": ("• `/desk 質問` — 質問に答えます(例: `/desk 提案はいつまでに出せばいい?`)\n"
               "• `/desk calendar` — 今年度の予算スケジュールと、今提案すると間に合う年度\n"
               "• `/desk methods` — 公民連携の手法の一覧\n"
               "• `/desk cases [キーワード | 手法 | 市町村]` — 他の自治体の事例\n"
               "• `/desk help` — この説明\n"
               "チャンネルで <@{bot}> とメンションするか、DM で話しかけても答えます。\n"
               "English: `/desk help en`"),
        "en": ("• `/desk QUESTION` — answers a question (e.g. `/desk when should we propose?`)\n"
               "• `/desk calendar` — this fiscal year's budget milestones and which budget year a proposal made today can reach\n"
               "• `/desk methods` — the partnership methods\n"
               "• `/desk cases [keyword | method | city]` — precedents from other municipalities\n"
               "• `/desk help` — this help\n"
               "You can also mention <@{bot}> in a channel or send it a DM."),
    },
    "extra_commands": {"ja": "その他のコマンド", "en": "More commands"},
    "unknown_sub": {"ja": "`/desk {name}` というコマンドはありません。使えるコマンドは次のとおりです。",
                    "en": "There is no `/desk {name}` command. These are the commands:"},
    # calendar
    "cal_title": {"ja": "{fy}年度の予算スケジュール", "en": "Budget calendar, fiscal year {fy}"},
    "cal_today": {"ja": "今日", "en": "today"},
    "cal_reach": {"ja": "今日提案すると、間に合うのは *{fy}年度* の予算です。",
                  "en": "A proposal made today can reach the *FY{fy}* budget."},
    "cal_none": {"ja": "予算スケジュールがまだ登録されていません。", "en": "No budget calendar is available yet."},
    # methods / cases
    "methods_title": {"ja": "公民連携の手法", "en": "Partnership methods"},
    "cases_title": {"ja": "事例", "en": "Cases"},
    "cases_filtered": {"ja": "事例: 「{q}」", "en": "Cases: “{q}”"},
    "cases_none": {"ja": "「{q}」に当てはまる事例は見つかりませんでした。`/desk cases` で一覧を表示します。",
                   "en": "No cases match “{q}”. `/desk cases` lists them all."},
    # App Home
    "home_title": {"ja": "公民連携デスク", "en": "Partnership desk"},
    "home_intro": {"ja": "市への提案や公民連携の進め方について、いつでも質問してください。DM でも `/desk 質問` でも答えます。",
                   "en": "Ask anything about proposing to the city and public–private partnership, by DM or with `/desk QUESTION`."},
    "home_steps_title": {"ja": "提案の流れ(5ステップ)", "en": "How to propose, in five steps"},
    # Five steps, condensed from the knowledge entry how-to-propose (the button opens it in full).
    "home_steps": {
        "ja": ("1. *デスクに相談する* — まず公民連携デスクへ。市の課題を整理し、担当の部署につなぎます。\n"
               "2. *市の仕組みと課題を知る* — 自治体の仕組みを知り、課題を市と一緒に言葉にします。\n"
               "3. *予算の時期に合わせる* — 新規事業の提案は{window}。予算は{passage}に成立するので早めに。\n"
               "4. *小さく始める* — 実証実験や連携協定で、まず一緒に実績をつくります。\n"
               "5. *続ける* — 職員の異動や年度をまたいでも関係を続けます。軸は「市民のためになるか」。"),
        "en": ("1. *Talk to the desk* — start with the partnership desk; it sorts out the issue and connects you to the department.\n"
               "2. *Learn how the city works* — understand the municipality and put the issue into words together.\n"
               "3. *Fit the budget calendar* — new projects are proposed in {window}; the budget passes in {passage}, so be early.\n"
               "4. *Start small* — build a first joint track record with a pilot or a partnership agreement.\n"
               "5. *Keep going* — across staff transfers and fiscal years; the yardstick is what helps residents."),
    },
    "home_next": {"ja": "次の予算スケジュール", "en": "Next budget milestones"},
    "home_contact": {"ja": "*{desk}の連絡先*", "en": "*Contact {desk}*"},
    "home_contact_none": {"ja": "{desk}の連絡先はまだ設定されていません。質問への回答の「デスク職員に聞く」ボタンから職員に取り次げます。",
                          "en": "The contact details of {desk} are not configured yet; the \"Ask the desk staff\" button under an answer reaches the staff."},
    "home_handoffs": {"ja": "*未対応の取り次ぎ(職員向け)*", "en": "*Open hand-offs (staff)*"},
    "btn_calendar": {"ja": "📅 予算スケジュール", "en": "📅 Budget calendar"},
    "btn_methods": {"ja": "🧰 連携の手法", "en": "🧰 Methods"},
    "btn_cases": {"ja": "🏙 事例", "en": "🏙 Cases"},
    "close": {"ja": "閉じる", "en": "Close"},
}


def t(key: str, lang: str | None = "ja", **fields) -> str:
    s = STRINGS[key]["en" if lang == "en" else "ja"]
    return s.format(**fields) if fields else s


_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z]")


def ui_lang(text: str | None, default: str = "ja") -> str:
    """The language of the app's own strings for a sub-command argument: Japanese unless the
    argument is Latin-script only (answers themselves get their language from the engine)."""
    if not text:
        return default
    if _JA.search(text):
        return "ja"
    return "en" if _LATIN.search(text) else default
