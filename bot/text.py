"""Text normalisation and tokenisation for matching Japanese (and English) questions.

`fold()` gives the canonical form both queries and knowledge entries are reduced to:
NFKC (full-width letters, half-width kana), lower case, hiragana → katakana (jaconv), long-vowel
marks and punctuation dropped. `tokens()` cuts a folded text into the units the index counts:
character bigrams inside runs of kanji or kana (Japanese has no spaces, and bigrams survive typos
and inflection), stemmed words for Latin script (snowball), and numbers as they are.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jaconv
import snowballstemmer

from bot.courtesy import is_courtesy
from bot.kana import mostly_kana

MAX_QUERY_CHARS = 2000      # longer questions get a clear message instead of an answer
MATCH_CHARS = 1200          # only this much of a message is matched (keeps latency bounded)

_stemmer = snowballstemmer.stemmer("english")

# Long-vowel marks and the dash-like characters people type for them (ｰ becomes ー under NFKC).
_LONG_VOWEL = re.compile(r"(?<=[\u3041-\u30ff])[〜~\-‐－―─](?=[\u3041-\u30ff])|ー")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")

# Script runs. Kanji includes 々 and ヶ (as in 一ヶ月); kana is katakana after folding.
_RUN = re.compile(
    r"(?P<kanji>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]+)"
    r"|(?P<hira>[\u3041-\u3096\u309d\u309e]+)"
    r"|(?P<kata>[\u30a1-\u30fa\u30fd-\u30ff]+)"
    r"|(?P<latin>[a-z][a-z'’]*)"
    r"|(?P<num>[0-9]+(?:\.[0-9]+)?)"
)

# English words that carry no topic (question scaffolding).
EN_STOPWORDS = frozenset("""
a an the is are was were be been being am do does did doing have has had of to in on at by for
with from about into over as and or but if then so than that this these those there here it its
i me my we our you your he she they them their what which who whom whose when where why how
can could should would will shall may might must please tell explain know want like need get
any some much many more most other such only own same just also very s t don't dont isn't
mean means
""".split())


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: str, keep_lines: bool = False) -> str:
    """NFKC and control characters removed; the text a person would recognise as theirs.
    Lone surrogates (invalid UTF-8 read with surrogateescape, JSON "\\ud800") become U+FFFD.
    `keep_lines`: line breaks stay, for `message_core`, which reads them as sentence ends."""
    text = unicodedata.normalize("NFKC", _ANSI.sub(" ", _SURROGATE.sub("\ufffd", text)))
    if keep_lines:
        return "\n".join(_CONTROL.sub(" ", line).strip() for line in text.splitlines()).strip()
    return _CONTROL.sub(" ", text).strip()


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Canonical matching form: NFKC, lower case, no long-vowel marks.

    Hiragana and katakana stay apart here so `tokens()` can tell a hiragana particle run from a
    katakana word; each kana run is turned into katakana there.
    """
    return _LONG_VOWEL.sub("", clean(text).lower())


def is_japanese(text: str) -> bool:
    return any(("\u3040" <= ch <= "\u30ff") or ("\u4e00" <= ch <= "\u9fff") for ch in text)


def detect_lang(text: str) -> str:
    """The one language detector lives in bot.i18n (kept here as an alias for the engine)."""
    from bot.i18n import detect_lang as detect

    return detect(text)


def has_words(folded: str) -> bool:
    """True when the text has something to match on: a kanji, a kana word or a Latin word."""
    return any(script != "num" for _, script in tokens_with_script(folded))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word.replace("’", "'").rstrip("'"))


def tokens(folded: str) -> list[str]:
    """Units counted by the index. `folded` must come from `fold()`.

    Kanji/kana runs give overlapping bigrams (a lone kanji gives itself); Latin words
    are stemmed and prefixed with '#' so that they never collide with a kana bigram.
    """
    return [t for t, _ in tokens_with_script(folded)]


def tokens_with_script(folded: str) -> list[tuple[str, str]]:
    """`tokens()`, each with the script run it came from (kanji, hira, kata, latin, num)."""
    out: list[tuple[str, str]] = []
    for m in _RUN.finditer(folded):
        kind = m.lastgroup
        s = m.group()
        if kind in ("kanji", "hira", "kata"):
            if kind == "hira":
                s = jaconv.hira2kata(s)
            if len(s) == 1:
                if kind == "kanji":      # a lone kana is a particle (の, を): no topic
                    out.append((s, kind))
            else:
                out.extend((s[i:i + 2], kind) for i in range(len(s) - 1))
        elif kind == "latin":
            if s in EN_STOPWORDS or len(s) < 2:
                continue
            out.append(("#" + stem(s), kind))
        else:
            out.append((s, kind))
    return out


_kakasi = None


@lru_cache(maxsize=65536)
def reading(text: str) -> str:
    """Katakana reading of a text (pykakasi), so 「していかんりしゃ」 can find 指定管理者."""
    global _kakasi
    if _kakasi is None:
        import pykakasi

        _kakasi = pykakasi.kakasi()
    return _LONG_VOWEL.sub("", "".join(part["kana"] for part in _kakasi.convert(text)))


def text_form(folded: str) -> str:
    """The folded text in katakana, without spaces and punctuation, for substring/fuzzy checks."""
    return jaconv.hira2kata("".join(m.group() for m in _RUN.finditer(folded)))


# ---- greetings, thanks and closings around a question ----------------------------------------
# Phrases people wrap a question in. They are stripped where they open or close a sentence, so
# 「お疲れ様です。PFIについて教えてください。よろしくお願いします」 is answered as the PFI question;
# a message that is nothing but these is answered as a greeting or thanks (`pleasantry_kind`).
# Common nouns a 「〇〇の××です」 sentence may end in that are no one's name (建設会社の提案です,
# 予算要求をしている課です): the self-introduction patterns below leave such a sentence alone.
_NOT_A_NAME_JA = r"(?!(?:提案|事例|予算|相談|質問|案件|企画|計画|事業|担当|担当者|会社|団体|企業|部署|法人|組織|自治体|市役所|職員|窓口|件|話|者|方|人|例|方法|内容|目的|予定|意見|要望)(?:です|でございます))"
_GREET_JA = (r"(?:いつも|平素より|平素は|大変|これから|今後)*(?:お疲れ様です|お疲れさまです|おつかれさまです|お疲れ様でございます|お疲れさまでございます"
             r"|お世話になっております|お世話になっています|お世話になります|お世話様です)"
             r"|やあ|やっほー*|おっす|おはよ[うー〜~]*(?:ござ[いー]*ます)?|こんにち[はわ]ー*|こんばん[はわ]ー*|はじめまして|初めまして|失礼いたします|失礼します|どうもー*(?!ありがと|有難|有り難)|どーも(?!ありがと)|どもー*(?=[、,。!！\s]|$)"
             r"|突然のご連絡失礼いたします|突然のご連絡失礼します|突然すみません|すみません|すいません|恐れ入ります"
             r"|お邪魔します|おじゃまします|お邪魔いたします|(?:朝早く|夜分遅く|夜分|夜遅く|遅く|遅い時間|早い時間|早朝|お休みのところ|休日)(?:から|に)?(?=すみません|すいません|失礼|恐れ入|申し訳)"
             r"|ご担当者様|ご担当者さま|担当者様|公民連携デスク(?:御中|様|さま)|デスクの皆様|皆様|みなさま|お忙しいところ"
             r"|[^。!?！？]{1,40}と申します"       # a self-introduction (〇〇社の田中と申します)
             r"|[^。!?！？をがは]{1,40}(?:と|って)?(?:言い|いい)ます(?=[。.!！\s]|$)"   # (…の岡田いいます, …って言います; not 「…をPFIと言います」)
             # (or a name after an organisation, its department or what it does: NPO法人まちづくりネットの中村です😊,
             # 株式会社グリーンフィールド 営業部の鈴木でございます, 印刷会社を経営しております、高橋です)
             r"|[^。!?！？\n]{0,40}?(?:株式会社|有限会社|合同会社|㈱|\(株\)|NPO|法人|会社|商事|商店|工業|産業|建設|工務店|銀行|協会|組合|大学|事務所|センター|グループ|チーム|[部課室係店社])"
             r"(?:[一-龥ぁ-ねは-んァ-ヶー々A-Za-zＡ-Ｚａ-ｚ0-9・&\s\u3000]{0,30}?[の\s\u3000]|[^。!?！？\n]{0,30}?[、,])\s*"
             rf"{_NOT_A_NAME_JA}[一-龥ァ-ヶー々]{{1,6}}(?:です|でございます)(?![\w])"
             # (the season, an earlier meeting, a long silence: 寒くなってきましたね, 新緑の候, 先日はありがとうございました,
             # 先週のセミナーではお世話になりました, ご無沙汰しております, 平素は格別のご高配を賜り…)
             r"|[^。!?！？\n]{0,30}(?:寒|暑|涼し|暖か|梅雨|雨|雪|桜|紅葉|新緑|陽気|季節|気温|日が続)[^。!?！？\n]{0,20}?(?:ですね|ますね|ませんね|ね)(?![\w])"
             r"|[^。!?！？\n]{0,12}の候"
             r"|(?:先日|先週|先月|昨日|この間|この前|以前|前回)(?:は|の[^。!?！？\n]{0,20}(?:では|で|は))?(?:大変|誠に|どうも|本当に)?(?:ありがとうございました|お世話になりました|失礼しました|失礼いたしました)"
             r"|ご無沙汰しております|ご無沙汰しています|ご無沙汰です|お久しぶりです|久しぶりです|まいど|毎度(?:お世話になっております)?"
             r"|(?:度々|たびたび|何度も)(?:すみません|すいません|失礼します|失礼いたします|申し訳ありません|恐れ入ります)"
             r"|(?:突然の(?:ご連絡|ご質問|メッセージ|投稿)|長文|乱文)(?:で)?(?:大変|誠に)?(?:失礼(?:いたしました|しました|いたします|します)|申し訳ありません|すみません)"
             # (a request to be told, before the question: ちょっと教えてください🙇)
             r"|(?:ちょっと|少し|すこし)?(?:教えてください|教えて下さい|教えてほしいです|教えてくれませんか|お聞きしたいです|伺いたいです)(?=[、,。!！\s]|$|[^\w])"
             r"|平素は?格別の(?:ご高配|ご愛顧|お引き立て)を賜り[^。!?！？\n]{0,10}(?:御礼|お礼)申し上げます|(?:厚く)?御礼申し上げます"
             # (a name after what the asker does: ITベンチャーで広報やってる井上です〜, 営業を担当しております鈴木です)
             r"|[^。!?！？\n]{0,24}?(?:てる|ている|ております|てます|ています|担当の|の者の)[、,\s\u3000]*"
             rf"{_NOT_A_NAME_JA}[一-龥ァ-ヶー々]{{2,6}}(?<![員者課部係長室])(?:です|でございます)(?![\w])"
             # (a letter's opening and closing words: 拝啓 時下ますますご清栄のこととお慶び申し上げます … 敬具)
             r"|(?:拝啓|謹啓|前略)(?:[\s\u3000]*[^。!?！？\n]{0,30}(?:お慶び|お喜び)申し上げます)?|敬具|謹白|草々"
             r"|[^。!?！？\n]{0,20}(?:ご清栄|ご清祥|ご健勝|ご隆盛)[^。!?！？\n]{0,20}(?:お慶び|お喜び)申し上げます"
             # (or 丸山商事の田中です, 広報チームの森です: an organisation, then a name)
             r"|(?:株式会社|有限会社|合同会社|㈱|\(株\))[^\s。、,!?！？の]{1,20}の[一-龥ァ-ヶー々]{1,6}(?:です|でございます)(?=[、,。!！\s]|$)"
             rf"|[一-龥ァ-ヶー々A-Za-z0-9・&]{{0,15}}(?:会社|商事|商店|工業|産業|建設|工務店|銀行|㈱|\(株\)|チーム|協会|組合|法人|大学|事務所|センター|グループ|[課部室係])の{_NOT_A_NAME_JA}[一-龥ァ-ヶー々]{{1,6}}(?:です|でございます)(?=[、,。!！\s]|$)"
             # (and a first post: 初めて書き込みます)
             r"|(?:初めて|はじめて)(?:書き込み|投稿|利用|質問|連絡|ご連絡|メッセージ)(?:し|いたし|致し|させていただき)?ます"
             # (a question announced before it is asked: ちょっと質問です, 一つお聞きしたいことがあります)
             r"|(?:ちょっと|少し|すこし|一つ|ひとつ|1つ|１つ|一点|1点|いくつか|簡単な|素朴な)?(?:質問|ご質問|お尋ね|おたずね|お聞きしたいこと|お伺いしたいこと|伺いたいこと|聞きたいこと|教えていただきたいこと|教えてほしいこと)"
             r"(?:です|があります|がございます|があるのですが|があるんですが|なのですが|なんですが|させてください|させて下さい|よろしいですか|いいですか)(?=[、,。!！?？:：\s]|$)")
# A word of degree (とても助かりました, 本当にありがとう) and what the thanks is for (ご丁寧な回答
# ありがとうございます, 早速のご返信ありがとう) belong to the thanks.
_DEGREE_JA = r"(?:どうも|とても|大変|たいへん|本当に|ほんとうに|ほんとに|本当|すごく|非常に|誠に|まことに|心より|おかげさまで|おかげで)?"
_FOR_JA = (r"(?:(?:ご丁寧に|丁寧に|詳しく|くわしく|わかりやすく|分かりやすく|ご親切に|親切に|すぐに|迅速に|早速|さっそく|ご丁寧な|丁寧な|迅速な|素早い|わかりやすい|分かりやすい|詳しい|早速の|さっそくの)?"
           r"(?:ご回答|回答|ご説明|説明|ご対応|対応|ご返信|返信|お返事|返事|ご案内|案内|ご教示|情報)?(?:を|の)?"
           r"(?:(?:教え|説明し|答え|お答えし|回答し|ご回答し|対応し|ご対応し|調べ|案内し|ご案内し|返信し|ご返信し)て)?"
           r"(?:いただき|頂き|していただき|して頂き|いただいて|頂いて|くださり|下さり|くださって|下さって|くれて)?[、,]?\s*)")
# Casual spellings count too: ありがとー / ありがと, りょうかいです.
_THANKS_JA = (rf"{_DEGREE_JA}(?:{_FOR_JA}{_DEGREE_JA}(?:ありがとうございました|ありがとうございます|ありがとう|ありがとー*"
              r"|感謝します|感謝いたします|感謝申し上げます|感謝です|助かりました|助かります|さんきゅー*|サンキュー*))"
              r"|(?:了解|りょうかい)(?:しました|です|いたしました|(?=[、,。!！\s]|$))|承知しました|承知いたしました|わかりました|分かりました|よく分かりました|よくわかりました"
              r"|以上です|以上、?よろしくお願いします"
              r"|(?:大変|とても|非常に)?参考になりました|ではまた|それではまた|またお願いします|さようなら|さよなら"
              # (a closing that promises to come back: また連絡します, また相談させてください)
              r"|また(?:ご|お)?(?:連絡|相談|質問|問い合わせ|問合せ)(?:します|いたします|致します|させていただきます|させて頂きます|させてください)"
              # (or to take it back in-house: この内容で上司に報告してみます, 社内で検討します)
              r"|(?:(?:この|その|いただいた|頂いた)(?:内容|情報|資料)(?:で|を)、?)?(?:さっそく|早速|すぐに|一度|改めて)?、?(?:(?:上司|社内|部内|チーム|メンバー|同僚|みんな)(?:に|で)も?|持ち帰って|持ち帰り)"
              r"(?:報告|検討|相談|共有|展開|シェア)(?:して)?(?:みます|します|いたします|致します|させていただきます|させて頂きます)ね?"
              r"|りょ(?=[、,。!！\s]|$)")
_CLOSE_JA = (r"(?:(?:ご確認|ご検討|ご対応|ご回答|ご教示|ご返信)(?:の)?(?:ほど)?、?)?(?:どうぞ|何卒|なにとぞ|引き続き|今後とも|本日は|今日は)*(?:よろしく|宜しく)(?:(?:お願い|おねがい)(?:いた|致)?(?:します|します。|申し上げます|いたします)?|です|っす)"
             r"|ご回答(?:いただけますと|いただけると)?幸いです|ご教示(?:いただけますと|いただけると|ください)(?:幸いです)?|敬具|謹白|草々|以上(?=[、,。!！\s]|$)"
             r"|お手数(?:を)?(?:おかけ|お掛け)(?:します|いたします|致します)|(?:ご)?確認(?:の程|のほど)?(?:を)?(?:お願いします|お願いいたします|お願い致します)"
             # (asking for the reply itself: お忙しいところ恐縮ですが、ご教示いただけますと幸いです,
             # お手すきの際にご回答ください, 教えてもらえると助かります)
             r"|(?:(?:(?:ご多忙|お忙しい)(?:の)?(?:ところ|中)(?:[^、。!?！？]{0,12}(?:恐縮|恐れ入り)[^、。!?！？]{0,10}が)?|お手数(?:を)?(?:おかけしますが|ですが)|恐縮ですが|恐れ入りますが|お手すきの(?:際|時|とき)に|お時間のある(?:際|時|とき)に)[、,]?\s*)*"
             r"(?:(?:ご教示|ご回答|ご返答|ご返信|お返事|ご連絡|回答|返信|返事)(?:を)?(?:いただけますと|いただけると|頂けますと|頂けると|くださると|下さると)?(?:大変|とても|非常に|たいへん)?(?:幸いです|助かります|ありがたいです|嬉しいです|うれしいです)"
             r"|(?:ご教示|ご回答|ご返答|ご返信|お返事|回答|返信|返事)(?:を)?(?:ください|下さい|お願いします|お願いいたします|お願い致します|いただけますか|いただけますでしょうか|頂けますか)"
             r"|(?:教えて|お教え)(?:もらえる|もらえます|いただける|いただけます|頂ける|頂けます|くれる|くださる|下さる)と(?:助かります|幸いです|嬉しいです|うれしいです|ありがたいです)"
             r"|(?:ご確認|ご検討|ご対応)(?:いただけますと|いただけると|頂けますと|頂けると)(?:大変)?(?:助かります|幸いです|ありがたいです)"
             r"|(?:ご回答|ご教示|ご返信|ご返答|ご確認|ご指導)(?:を)?賜り(?:ます|たく)よう(?:お願い申し上げます|お願いいたします|お願い致します)"
             r"|(?:また)?[^。!?！？\n]{0,20}(?:楽しみにしております|楽しみにしています))"
             # (casual and dialect: よろしくですー, ほな、よろしゅう頼んます)
             r"|(?:ほな|では|じゃあ|じゃ)?、?\s*(?:よろしゅう|よろしく|宜しく)(?:です|っす|頼んます|たのんます|お願いします|おねがいします|ね|〜|ー)+")
_GREET_EN = (r"(?:(?:hi|hello|hey)(?: there)? again|yo|happy (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|new year|holidays)(?: (?:everyone|all|team|folks))?|hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|day)|morning(?=[,.!]|\s*$|,? (?:team|all|there|everyone|everybody|folks|desk|guys)\b))(?:,? (?:team|all|there|everyone|everybody|folks|desk|guys))?"
             # (a salutation, whoever it names: "Dear partnership desk,", "Dear Iwata City staff,")
             r"|dear (?:desk|team|sir|madam|all|staff)[^,.!?]*|dear (?:[\w'&-]+ ){0,4}[\w'&-]+(?=\s*[,!\n])|sorry to bother you(?: again)?|excuse me"
             r"|following up on [^,.!?]{0,50}(?:,? (?:i have|here'?s|just) [^.!?]{0,30})?|i'?m writing (?:to you )?(?:on behalf of|from) [^.!?]{0,80}|i am writing (?:to you )?(?:on behalf of|from) [^.!?]{0,80}"
             r"|this is (?-i:[A-Z][a-z]+),? (?:i am|i'?m|working|from|with|at|a|an|the) [^.!?]{0,80}|(?:i am|i'?m) (?-i:[A-Z][a-z]+),? (?:working|a|an|the|from|with|at) [^.!?]{0,80}"
             r"|(?:i am |i'?m )?sorry,? (?:for )?my (?:japanese|english) is (?:not (?:good|great|very good)|poor|limited)[^.!?]{0,40}|sorry for my (?:poor|bad|broken|limited) (?:english|japanese)"
             # (a newcomer saying so: "I'm new to this channel", "first time posting here")
             r"|i'?m new (?:to (?:this|the) (?:channel|workspace|desk|bot|slack)|here)|(?:it'?s )?(?:my )?first time (?:posting |writing |asking )?here"
             # (a name introduced: "Ken from Acme here.", "This is Mari at Blue Co.")
             r"|(?:this is |it'?s )?(?-i:[A-Z][a-z]+)(?: (?-i:[A-Z][a-z]+))? (?:from|at|of|with) [\w&.'-]+(?: [\w&.'-]+){0,3} here(?=\s*[,.!]|\s*$)"
             r"|this is (?-i:[A-Z][a-z]+)(?: (?-i:[A-Z][a-z]+))? (?:from|at|of|with) [\w&.'-]+(?: [\w&.'-]+){0,3}(?=\s*[,.!]|\s*$)"
             r"|(?-i:[A-Z][a-z]+) here(?: from [\w&.'-]+(?: [\w&.'-]+){0,3})?(?=\s*[,.!]|\s*$|\s+\W)"
             r"|(?:i'?m|i am) (?-i:[A-Z][a-z]+)(?: (?-i:[A-Z][a-z]+))? (?:from|at|of|with) [\w&.'-]+(?: [\w&.'-]+){0,3}(?=\s*[,.!]|\s*$)"
             r"|my name is (?-i:[A-Z][a-z]+)(?: (?-i:[A-Z][a-z]+))?(?:,? (?:and i|i) (?:work|am)[^.!?]{0,60}|,? (?:a|an|the) [^.!?]{0,60}| (?:from|at|of|with) [^.!?]{0,60})?(?=\s*[,.!]|\s*$)"
             # (a question announced before it is asked: "Quick question:", "I have a question for you -")
             r"|(?:just )?(?:a )?(?:quick|short|small|simple|brief) (?:question|one)(?: for you)?"
             r"|(?:i )?(?:have|'ve got|got) (?:a |one |two |a few |some )?(?:quick |short |small |simple )?questions?(?: for you)?|one (?:more )?question(?: for you)?|(?:a |one )?question for you")
# (where a greeting comes from belongs to it: "Good morning from Osaka.", "Hello from Acme,")
_GREET_EN = rf"(?:{_GREET_EN})(?: from (?:the )?[a-z][\w&'-]*(?: [a-z][\w&'-]*)?(?=\s*[,.!]|\s*$))?"
_THANKS_EN = (r"(?:(?:ok(?:ay)?|great|perfect|brilliant|awesome|excellent|wonderful|lovely|nice|cool|understood|noted|all right|alright)"
              r"[,.! ]+)*(?:(?:many |big )?thanks(?: a lot| a bunch| so much| very much| again| in advance)?(?: for [^.!?]{0,60})?"
              r"|thank you(?: so much| very much| kindly| again| in advance)?(?: for [^.!?]{0,60})?|(?:thanks?|ty|thx)(?: a lot| a bunch| so much| very much| again| in advance)?"
              r"|much appreciated|(?:i |really )?appreciate (?:it|that|your help)|cheers(?: for that)?|bye|goodbye|see you"
              r"|ok(?:ay)?,? got it|got it|understood|noted"
              r"|(?:that|this)(?:'s| is| was) (?:really |very |super |so |extremely )?(?:helpful|useful|great|clear|perfect)"
              r"|(?:that|this) (?:really )?helps(?: a lot)?|(?:that'?s|this is) exactly what i needed"
              r"|that'?s (?:all|it)(?: for now| for today)?|i'?ll (?:get back to you|be in touch)|(?:i|we)'?ll (?:discuss|share|take) (?:this|it|that)(?: back)? (?:with|to) (?:my|our|the) (?:team|boss|manager|colleagues|office)|(?:we'?ll|will) be in touch|talk (?:to you )?(?:later|soon)|nothing (?:else|more)(?: for now)?|no (?:more|further) questions)(?:,? (?:mate|mates|guys|all|everyone|folks|team|buddy|pal))?"
              r"|(?:ok(?:ay)?|great|perfect|brilliant|awesome|excellent|wonderful|lovely|cool|understood|noted|all right|alright)(?=[,.!]|$)")
_CLOSE_EN = (r"(?:best|kind|warm)? ?regards[^.!?]*|sincerely[^.!?]*"
             # (asking for the reply, a sign-off with a name: "Any help appreciated!", "Let me know,
             # thanks.", "Cheers, Tom", "Hope to hear from you soon")
             r"|any (?:help|advice|pointers|guidance)(?: (?:would be|is|will be))?(?: much| greatly| really)? appreciated"
             r"|(?:i )?hope (?:this|my) (?:message|e-?mail|note) finds you well|(?:i )?hope (?:you|everyone|all of you|you all)(?:'re| are|'s| is| have been)? (?:well|doing well|keeping well|staying (?:warm|cool|safe|dry|healthy)|having a (?:good|great|nice) (?:day|week))[^.!?]{0,30}"
             r"|(?:it was )?(?:nice|good|great|lovely) (?:meeting|to meet|talking to|talking with|seeing) you[^.!?]{0,40}|have a (?:great|good|nice|lovely|wonderful) (?:day|week|weekend|one)"
             r"|appreciate it|apologi[sz]e(?:s)? (?:in advance )?for (?:the|my|this) (?:long|lengthy|late|sudden)[^.!?]{0,30}|sorry for the (?:long|lengthy|sudden) (?:message|post|mail|e-?mail)"
             r"|quick intro(?:duction)?:?[^.!?]{0,80}|yours (?:faithfully|sincerely|truly)"
             r"|(?:please )?(?:kindly )?advi[sc]e(?: me| us)?(?: accordingly)?(?=[\s,.!]*$)|kindly do the needful"
             r"|(?:i )?wish you a (?:nice|good|great|lovely|wonderful) (?:day|week|weekend)[^.!?]{0,40}|(?:and )?sorry for (?:the |any )?(?:trouble|inconvenience|bother)"
             r"|(?:i )?(?:really )?appreciate any (?:help|advice|pointers|guidance)|(?:i|we) (?:would|will) be (?:very |most |really )?grateful for (?:your|any) [^.!?]{0,30}"
             r"|(?:i |we )?look(?:ing)? forward to (?:your|hearing)[^.!?]*"
             r"|(?:please )?let me know(?:,? (?:thanks|thank you|please))?(?=[\s,.!]*$)|(?:i )?hope to hear (?:from you|back)(?: soon)?"
             r"|i'?d (?:really )?appreciate (?:any|your) (?:help|advice|reply|answer|guidance)"
             r"|(?:cheers|thanks|best|regards|many thanks|thank you),? (?-i:[A-Z][a-z]+)(?: (?-i:[A-Z][a-z]+))?(?=\s*[.!]?\s*$)")
_PLEASANTRY = re.compile(
    rf"^(?:[\s\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]*(?:{_GREET_JA}|{_THANKS_JA}|{_CLOSE_JA}|(?i:(?:{_GREET_EN}|{_CLOSE_EN}|{_THANKS_EN})(?![a-z])))\s*[、,。.!！?？~〜ー…—–:;：\s\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F-]*)+")
# (capitalised, as a new sentence is, or after a question mark: "How do I say thanks" keeps its word)
_TRAILING_THANKS_EN = re.compile(r"(?:(?<=[A-Za-z0-9)])[,\s]+(?=[A-Z])|(?<=[?!])[,\s]*)(?i:(?:many )?thanks(?: a lot| so much| very much| in advance| again)?"
                                 r"|thank you(?: so much| very much| in advance| again)?|thx|cheers|(?:best |kind |warm )?regards)[.!\s]*$")
_ONLY_CLOSING = re.compile(rf"^(?:{_THANKS_JA}|{_CLOSE_JA}|(?i:(?:{_CLOSE_EN}|{_THANKS_EN})(?![a-z])))")
_ONLY_GREETING = re.compile(rf"^(?:{_GREET_JA}|(?i:(?:{_GREET_EN})(?![a-z])))")
_ONLY_THANKS = re.compile(rf"^(?:{_THANKS_JA}|(?i:(?:{_THANKS_EN})(?![a-z])))")
_SENTENCE = re.compile(r"[^。．！？!?\n]+[。．！？!?]*|[^。．！？!?\n]*[。．！？!?]+")
# (the full stop stays with its sentence, so that sentences joined again still read as several)
_EN_SENTENCE_END = re.compile(r"(?<=[A-Za-z0-9)\]\"']\.)\s+(?=[A-Za-z(\"'])")
# (a full stop before a lower-case word ends a sentence too, "…in Shizuoka. naming rights?", but
# not an abbreviation's: "e.g. parks", "Acme Inc. and the city")
_ABBREVIATION = re.compile(r"(?i)(?:^|[\s(])(?:e\.g|i\.e|etc|vs|approx|no|nos|mr|mrs|ms|dr|st|inc|ltd|co|corp|jr|sr|fig|dept|u\.s|u\.k|a\.m|p\.m|cf|al|ca)\.$")
_SLACK_EMOJI = re.compile(r"(?<![\w:]):[a-z][a-z0-9_+\-]*:(?![\w])")       # :pray: :bow: (Slack shows an emoji)
_SLACK_MARKUP = re.compile(r"<(?:[@#!][^<>|]*|https?://[^<>|]*)(?:\|([^<>]*))?>")
# (a message opening with a name typed after @, as in the console or text pasted from Slack:
# 「@deskbot わぴあの特徴」 addresses the bot; not info@… nor @ inside a sentence)
_AT_ADDRESS = re.compile(r"^\s*@[A-Za-z0-9_.\-]+(?:[\s,:、]+|$)")


def slack_plain(text: str) -> str:
    """Slack markup as a person reads it: mentions and broadcasts dropped, links to their label."""
    return _SLACK_EMOJI.sub(" ", _AT_ADDRESS.sub("", _SLACK_MARKUP.sub(lambda m: m.group(1) or " ", text)))


def sentences(text: str) -> list[str]:
    """The message cut into sentences (Japanese 。！？, line breaks, English '. ')."""
    out = []
    for line in text.splitlines():
        parts: list[str] = []
        for part in _EN_SENTENCE_END.split(line):
            if parts and part[:1].islower() and _ABBREVIATION.search(parts[-1]):
                parts[-1] += " " + part
            else:
                parts.append(part)
        for part in parts:
            out += [s.strip() for s in _SENTENCE.findall(part) if s.strip()]
    return out


def _content_chars(s: str) -> int:
    return sum(1 for ch in s if ch.isalnum())


_SIGNATURE_RULE = re.compile(r"(?:^|\s)(?:[―—=*_~]{2,}|-{2,}(?=\s))")
_SENTENCE_ENDING_JA = re.compile(r"(?:です|ます|でした|ました|ません|か|ね|よ|ください|下さい|たい|ない|る|た|て|も|は|が|を|に|で|と|の)[。.!！\s]*$")


def _is_signature(s: str) -> bool:
    if len(s) > 80 or re.search(r"[?？]", s):
        return False
    if is_japanese(s):
        return len(s) <= 40 and not _SENTENCE_ENDING_JA.search(s)
    words = re.findall(r"[A-Za-z][\w'.-]*", s)
    return (len(words) >= 2 and words[0].lower() not in _FOLLOW_UP_EN
            and all(w[0].isupper() or w in ("of", "and", "at", "for", "the", "in") for w in words))


# (words a question after the thanks starts with, not a name: "Thanks. Also PPP")
_FOLLOW_UP_EN = frozenset("also and plus then what how which who when where why is are can could do does did one another "
                          "what's how's p.s. ps".split())


def _pleasantry_of(sentence: str) -> str:
    return "thanks" if _ONLY_THANKS.match(sentence.strip()) else "greeting"


def _courtesy_wrapping(ss: list[str]) -> tuple[int, int]:
    """How many of the first and of the last sentences the learned model (bot/courtesy.py) takes
    for courtesy only: an opening or a closing the rules below do not know
    (「先日はご丁寧にご回答いただき、ありがとうございました！」). Only a run at either end, and
    never every sentence, never one with a question mark: what is left is what the rules work on."""
    if len(ss) < 2:
        return 0, 0
    # (a sentence with a question mark asks something: 「よろしくお願いします あと、PPPは?」 read
    # as one sentence when the message's line breaks are lost)
    flags = [not re.search(r"[?？]", s) and is_courtesy(s) and _courtesy_through(s) for s in ss]
    if all(flags):
        return 0, 0
    lead = next(i for i, f in enumerate(flags) if not f)
    trail = next(i for i, f in enumerate(reversed(flags)) if not f)
    return lead, trail


# Where a sentence's opening clause may end: 「ちょっと教えてほしいんやけど、…」 "Sorry to bother you again — …"
_CLAUSE_END = re.compile(r"[、,，:：…]+|\s[—–-]+\s")


def _courtesy_clause_off(s: str) -> str:
    """The sentence without an opening clause the learned model takes for courtesy only, when a
    question of its own follows in the same sentence (「度々すみません、さっきのとは別件なんですが、
    PFIの費用は?」): the longest such clause within the first 80 characters, if any."""
    if not is_japanese(s):      # (English puts its courtesy in sentences of their own)
        return s
    ends = [m for m in _CLAUSE_END.finditer(s[:80])][:4]
    for k in range(len(ends) - 1, -1, -1):
        m = ends[k]
        head, rest = s[:m.start()], s[m.end():]
        last = head[ends[k - 1].end():] if k else head      # (its last clause, courtesy on its own
        known = _PLEASANTRY.match(head)                     # (and what the rules do not strip of it:
        unknown = head[known.end():] if known else head     # 「おはようございます☀️ 番号カードは、…」)
        if (_content_chars(rest) >= 6 and _content_chars(last) and not re.search(r"[?？]", head)   # too:
                and is_courtesy(last) and (last == head or is_courtesy(head))   # 「おはようございます、DXの0次…の話」)
                and (not _content_chars(unknown) or is_courtesy(unknown))
                and not is_courtesy(rest)):     # (and what follows is not: "Good morning, everyone!")
            return rest.strip()
    return s


_CLOSING_AT_END = rf"(?:{_CLOSE_JA}|{_THANKS_JA})[。.!！\s]*$"
_TRAILING_CLOSE_JA = re.compile(rf"[、,\s]*{_CLOSING_AT_END}")
_SPACED_CLOSE_JA = re.compile(rf"\s+{_CLOSING_AT_END}")       # (after a space only)
# (a clause that runs on into the next sentence: 「…かもしれませんが」)
_RUNS_ON = re.compile(r"(?:が|けど|けれど|けども|ので|から|て)[、,\s]*$")


def _courtesy_through(s: str) -> bool:
    """Whether what follows a courtesy opening clause is courtesy too (「ちょっと教えてほしいんやけど、
    ねーみんぐらいつ 施設」 is a question after one)."""
    rest = _courtesy_clause_off(s)
    # (a rest that runs on into the next sentence asks nothing yet: 「すみません、初歩的なことかも
    # しれませんが」)
    if not (rest == s or is_courtesy(rest) or _RUNS_ON.search(rest) is not None):
        return False
    # Nor is one whose words before a closing the rules know, after a space (a full stop left
    # out), are not courtesy: 「前橋 めぶく よろしくおねがいします」 asks about Maebashi (a closing
    # after 、 belongs to its clause: 「ご回答いただき、ありがとうございました」).
    head = _SPACED_CLOSE_JA.sub("", s)
    return (head == s or _content_chars(head) < 2 or is_courtesy(head)
            or _RUNS_ON.search(head) is not None)


# Courtesy typed in katakana (old phones, half-width ｵﾂｶﾚｻﾏﾃﾞｽ, made full-width by `clean`): a run
# that is one of the known pleasantries in hiragana is read as that.
_KATAKANA_RUN = re.compile(r"[\u30A1-\u30FAー]{4,}")


def _courtesy_in_hiragana(m: re.Match) -> str:
    kana = jaconv.kata2hira(m.group(0))
    p = _PLEASANTRY.match(kana)
    return kana if p and p.end() == len(kana) else m.group(0)


def strip_pleasantries(text: str) -> tuple[str, str | None]:
    """(the message without greetings, thanks and closings around it, what was stripped).

    The second value is "greeting" or "thanks" when the message held nothing else, else None."""
    kept, first, closed = [], None, False
    # (a signature after a separator line: 「―――― 株式会社… 課長 高橋 健一」 "-- Maria Gonzalez …")
    cut = _SIGNATURE_RULE.search(text)
    if cut and _content_chars(text[:cut.start()]) and len(text) - cut.end() <= 120 and not re.search(r"[?？]", text[cut.end():]):
        text = text[:cut.start()]
    ss = sentences(_KATAKANA_RUN.sub(_courtesy_in_hiragana, text))
    lead, trail = _courtesy_wrapping(ss)
    if lead:
        first = _pleasantry_of(ss[0])
    # In a message of several sentences (the model's ground, as for whole ones above), the first
    # that asks may open with a courtesy clause.
    several = len(ss) > 1
    ss = ss[lead:len(ss) - trail]
    for s in ss:
        # (after a closing, a signature: a company, a role and a name with no question, no
        # sentence ending, in English every word capitalised: 「…幸いです。 株式会社ハヤシ物産 林」)
        if closed and _is_signature(s):
            continue
        m = _PLEASANTRY.match(s)
        rest = s[m.end():] if m else s
        if not kept and several:
            rest = _courtesy_clause_off(rest)
        if first is None and m:
            first = _pleasantry_of(s)
        # What remains after trailing closings (…ですが、よろしくお願いします).
        before = rest
        rest = _TRAILING_CLOSE_JA.sub("", rest) if _content_chars(rest) else rest
        # (and English ones after the question without a full stop: "what's the desk for? Thanks!")
        rest = _TRAILING_THANKS_EN.sub("", rest) if _content_chars(rest) else rest
        if _content_chars(rest) >= 2:
            kept.append(rest.strip())
            closed = rest != before          # (a closing ended the sentence: a signature may follow)
        elif m and kept and _ONLY_CLOSING.match(s.strip()):
            closed = True
    if kept:
        return " ".join(kept), None
    if _content_chars(text) == 0:
        return "", None
    return "", first or ("thanks" if _ONLY_THANKS.match(text.strip()) else "greeting")


# Fillers and hesitation sounds (「うーん」「ええと」 "hmm", "umm"), and one consonant typed over
# and over in lower case ("zzzz", "www"; not acronyms: DX, CSR, PPP): a message of nothing else
# asks nothing yet.
_FILLER_WORD = re.compile(
    r"(?:う+ー*ん+ー*|ううん|え+ー*っ?と+ー*|えっと|あ+のー*|ん+ー*|はて|うむ|むむ|ふむ|へえ|ほう"
    r"|e+r+m*|([b-df-hj-np-tv-xz])\1{2,}|(?i:e+r+m+|h+m+|u+m+|u+h+|a+h+|h+u+h+|o+h+|well|lol+|lmao|(?:ha){2,}|(?:he){2,}|w{3,}))")
_FILLERS_ONLY = re.compile(rf"^(?:{_FILLER_WORD.pattern}|[\s、,。.!！?？~〜ー…・—–-])+$")
# A hesitation with an acknowledgement ("hmm ok so", 「うーん、なるほど」) asks nothing either (an
# acknowledgement alone, "OK", is thanks).
_ACK_WORD = r"(?i:ok(?:ay)?|so|i see|right|alright|yeah|yes|got it)|なるほど|そうですか|そっか|そうか|はい"
_FILLERS_AND_ACKS = re.compile(rf"^(?:{_FILLER_WORD.pattern}|(?:{_ACK_WORD})(?![a-z])|[\s、,。.!！?？~〜ー…・—–-])+$")


def only_fillers(text: str) -> bool:
    """True when the message is nothing but fillers or hesitation sounds (and punctuation), or
    a hesitation with acknowledgements."""
    t = clean(text)
    if not t:
        return False
    return _FILLERS_ONLY.match(t) is not None or (
        _FILLERS_AND_ACKS.match(t) is not None and _FILLER_WORD.search(t) is not None)


# What opens a conversation without a greeting word: a first visit, a test message
_OPENING = re.compile(r"初めて|はじめて|テスト|てすと|(?i:\bfirst time\b|\btest(?:ing)?\b)")


def pleasantry_kind(text: str) -> str:
    """"greeting" when the message opens with a greeting or opens a conversation (「初めて利用
    します。よろしくお願いします」, a test message), else "thanks" (thanks, farewells)."""
    t = clean(text)
    return "greeting" if _ONLY_GREETING.match(t) or _OPENING.search(t) else "thanks"


def first_sentence(text: str) -> str:
    """The first sentence of an answer (Japanese 。 or English '. ')."""
    s = sentences(text.strip())
    return s[0] if s else text.strip()


_ROMAJI_WORD = re.compile(r"[a-z]{2,}")
_ROMAJI_OK = re.compile(r"[\u3041-\u3093ー]+")


def romaji_as_kana(text: str) -> str | None:
    """Japanese typed in romaji (「yosan satei wa itsu?」) as hiragana, so the kana readings of
    names find it; None when the text is not plainly romaji (English, acronyms, mixed scripts).

    jaconv transliterates; a word counts as romaji only when it becomes plain hiragana that neither
    starts nor ends in a stray っ (English consonant clusters do: "what" → うぁっ, "pfi" → っふぃ), and
    no word is an English function word.
    """
    # (Japanese punctuation may end romaji typed on a Japanese keyboard: 「… oshiete kudasai。」)
    if not re.sub(r"[。、．，！？「」・\u3000]", " ", text).isascii() or re.search(r"[A-Z]{2,}", text):
        return None
    words = re.findall(r"[A-Za-z]+", text)
    if len(words) < 2 or any(w.lower() in EN_STOPWORDS for w in words):
        return None
    kana: dict[str, str] = {}
    acronyms = set()
    for w in words:
        w = w.lower()
        k = jaconv.alphabet2kana(w)
        # Hepburn has no l, q, v, x, no c outside "ch", no word-final m ("team" is English);
        # only the particle って starts with a small っ (a lower-case acronym does, "pfi" → っふぃ)
        if (not _ROMAJI_WORD.fullmatch(w) or re.search(r"[lqvx]|c(?!h)|m$", w) or not _ROMAJI_OK.fullmatch(k)
                or k.endswith("っ") or (k.startswith("っ") and not k.startswith("って"))):
            if len(w) > 4 or len(re.findall(r"[aeiou]", w)) > 1:     # ("merit" is an English word)
                return None
            acronyms.add(w)          # one short word that is no romaji: an acronym ("ppp no jirei")
            continue
        kana[w] = k
    if len(acronyms) > 1 or not kana or (acronyms and len(kana) < 2):
        return None
    return re.sub(r"[A-Za-z]+", lambda m: kana.get(m.group().lower(), m.group().lower()), text)


def message_core(text: str, kana_words=None, english_words=None) -> tuple[str, str | None, bool]:
    """What the engine matches of a cleaned message: (core, pleasantry stripped, read from romaji).
    Slack markup and greetings/closings are taken off; Japanese typed in romaji becomes kana, and
    a message all in kana gets the knowledge's words back in kanji (`kana_words`, bot/kana.py);
    English words mistyped get the knowledge's word back (`english_words`, bot/spelling.py).
    The one definition shared by Desk._decide, `ask --explain` and the fitting scripts."""
    core, pleasantry = strip_pleasantries(slack_plain(text))
    kana = romaji_as_kana(core) if core else None
    core = kana or core
    if kana_words is not None and core and mostly_kana(core):
        core = kana_words.rewrite(core)
    elif kana_words is not None and core:
        core = kana_words.rewrite_runs(core)
    if kana_words is not None and core and not kana:
        core = kana_words.rewrite_romaji(core)      # "What is shitei kanrisha?" → 指定管理者
    if english_words is not None and core and not kana:
        core = english_words.fix(core)
    return core, pleasantry, bool(kana)
