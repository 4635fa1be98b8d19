"""Do greetings, closings and context around a question change its answer? A check without labels
of its own: training-part questions (never validation) are asked as they are and wrapped in what
people put around a question in Slack (a greeting or an introduction before, a closing that asks
for the reply after, a sentence about the asker); every wrapped reply that differs from the
question's own is counted, and called a loss when the bare question got its labelled entry and the
wrapped one does not (a gain the other way round).

    .venv/bin/python bench/eval_wrapped.py [--n 500] [--seed 1] [--show] [--wrappers FILE]

`--wrappers`: other wrappings, a JSON file {"ja": [[before, after], …], "en": […]} (a set written
by someone who never saw the built-in ones measures what they do not).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import evalsets  # noqa: E402
from bot.config import get_settings  # noqa: E402
from bot.engine import Desk  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402

WRAPS = {
    "ja": [("お世話になっております。", "よろしくお願いいたします。"), ("お疲れ様です。", ""), ("", "ありがとうございます!"),
           ("こんにちは!ちょっと質問です。", ""), ("株式会社ミナトの山田です。", "お忙しいところ恐縮ですが、ご教示いただけますと幸いです。"),
           ("おはようございます!", "教えてもらえると助かります。"), ("", "お手すきの際にご回答ください。"),
           ("静岡で小さなIT会社をやっています。", "")],
    "en": [("Hi there! ", " Thanks in advance."), ("Good morning. Quick question: ", ""), ("", " Thanks!"),
           ("Hello, ", " Best regards."), ("Hi, Ken from Acme here. ", " Any help appreciated!"),
           ("Hello team! ", " Let me know, thanks."), ("", " Cheers, Tom"), ("We are a small IT firm in Shizuoka. ", "")],
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500, help="questions sampled from the training parts")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", action="store_true", help="print every reply the wrapping changed")
    ap.add_argument("--wrappers", type=Path, help="JSON {ja: [[before, after], …], en: […]} instead of the built-in ones")
    args = ap.parse_args()
    wraps = json.loads(args.wrappers.read_text(encoding="utf-8")) if args.wrappers else WRAPS
    desk = Desk(load_knowledge(get_settings().knowledge_dir), engine=None)
    items = [it for it in evalsets.load("train") if it["style"] != "long" and not it["fallback"]]
    items = random.Random(args.seed).sample(items, min(args.n, len(items)))
    changed = lost = gained = total = 0
    for it in items:
        q, lang = it["q"], ("en" if it["lang"] == "en" else "ja")
        bare = desk.answer(q)
        for pre, post in wraps[lang]:
            end = "" if not post or q.rstrip()[-1:] in "。.!?！？" else ("?" if lang == "en" else "。")
            r = desk.answer(pre + q + end + post)
            total += 1
            if (r.kind, r.entry_id, r.intent) == (bare.kind, bare.entry_id, bare.intent):
                continue
            changed += 1
            was, now = bare.entry_id in it["entries"], r.entry_id in it["entries"]
            lost += was and not now
            gained += now and not was
            if args.show:
                tag = "LOSS" if was and not now else "GAIN" if now and not was else "CHG "
                print(f"{tag} {bare.kind}/{bare.entry_id} -> {r.kind}/{r.entry_id} | {pre + q + end + post}")
    print(f"{total} wrapped questions ({len(items)} training questions × their language's {len(wraps['ja'])} wrappings): "
          f"{changed} replies changed by the wrapping, {lost} lost the labelled entry, {gained} gained it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
