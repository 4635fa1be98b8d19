"""Kinds of specific fact a question can ask for, and whether an answer text holds one.

A question about a known topic can still ask for something the knowledge does not hold: the
usual fee, the exact deadline date this year, a phone number, a count. Then the honest reply
says what the bot does know and that the specific is not in its knowledge (bot/engine.py).
These are patterns of the *kind of fact* (an amount, a day, a count, contact details), not of
topics, so they do not depend on the knowledge base's wording.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_MONTHS_EN = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"

# What the question asks for (matched on the folded question: NFKC, lower case).
ASKS: dict[str, re.Pattern] = {
    # A word for money is not enough (「費用は誰が持つ」「給料を削ろうとした市」"why do systems cost
    # so much"): the question has to ask for the figure. "How much less" is money only as a tax or
    # a sum (どれくらい減税・減額): 「職員はどれくらい減ってる?」 asks for a share, like "how much has
    # the staff shrunk" below.
    "amount": re.compile(
        # (not the concessive いくら…ても: 「いくら頑張っても」)
        # (nor the い…くらい of a degree: 「何種類くらい」 read as なんしゅるいくらい)
        r"(?:いくら(?!い)|幾ら)(?![^。?？]{0,12}?[てで]も(?![らいよ良]))|料金|手数料|価格は|値段|相場|単価|予算額|予算規模|予算の規模|年収"
        r"|(?:どれ|どの)(?:くらい|ぐらい|程度)(?:安く|軽く|減税|減額|得|お得|節税|控除|戻)"
        r"|額(?:は(?!どう|どの(?:よう|様)|なぜ)|を教|を知|も教|も知)|費用(?:負担)?(?:は|が)(?:どの|どれ|いくら|およそ|だいたい)|費用を教え|対価は(?:いくら|どの)"
        r"|(?<!by )how much(?! of\b)(?! (?:time|longer)\b)(?![\w' ]*\b(?:grow|grown|shrink|work|workload|more|less|automat|change|improv|help|save|grew|shr[aiu]nk|rose|risen|fell|fallen|increas|decreas|drop))"
        r"|what (?:does|would|will|did|do) [\w' ]{0,40}\b(?:cost|charge)\b|how much [\w' ]{0,40}\b(?:cost|charge)\b|\bcost\?"
        r"|\b(?:is|are) there (?:a |any )?(?:[\w-]+ )?fees?\b|\bany (?:[\w-]+ )?fees?\b|\bwhat (?:[\w-]+ )?(?:fees?|charges?)\b|\bfees? (?:for|of|charged|involved|required|payable|to (?:join|take part|participate|enter|use|apply))\b|\bfees?\?"
        r"|(?:what|how)(?:'s| is| was| are| were)? (?:the |its |their |a |your )?(?:price|rate|fee)s?\b|\b(?:going|annual|market|typical|usual) (?:rate|price)s?\b"
        r"|\bamount\b(?! of (?:work|time|effort|staff))|\bsalary\b|(?<!application )(?<!issuance )(?<!adoption )(?<!uptake )(?<!success )(?<!participation )(?<!response )(?<!approval )\brates?\b for"
        r"|budget (?:size|amount)|what(?:'s| is| was) the budget (?:for|of)\b|size of [a-z' ]*budget|how big is [\w' ]{0,40}budget|budget in yen"
        r"|\b(?:total|overall|construction|building|running|operating) (?:cost|budget|price)s?\b(?! (?:of|for) (?:the )?(?:city|staff))"
        r"|\b(?:starting|initial|share) capital\b|spend [\w' ]{0,20}subsidy on"
        # a named charge: 参加費, 利用料, 運賃 …, fares, the annual budget of something
        # (asked for, not who bears it: 「受講料をどちらが負担」「参加費は誰が持つ」 are not)
        r"|(?:(?:参加|利用|使用|入会|年会|受講|登録|出展|協賛)(?:費|料)|(?:掲載|広告|出稿|命名|契約)料|謝礼|運賃|賃料)(?:は|って|を教|を知|も教|と|\?|？|$)"
        r"(?!誰|どちら|どっち|どう|なぜ)|\bfares?\b"
        r"|(?:金額|寄付額|寄附額|寄付|寄附)の(?:合計|総額|累計|一覧)|金額(?:と|や|の一覧)|(?:どちら|どっち)が[^。?？]{0,8}(?:収入|儲|稼|もうか|得)|収入が多い|\bwhich [\w ]{0,20}(?:brings|earns|makes|generates) more\b|\bmore (?:revenue|income)\b|合計(?:は|を教|を知|額)|累計(?:額)?(?:は|を教|を知)"
        r"|\bwhat (?:did|does|will|would|do) [\w' ]{0,40}\b(?:spend|pay)\b(?! (?:attention|off|back)\b)|(?:事業費|投資額|支出額|総額|経費|出資額)(?:は|を教|を知|って|も教)"
        r"|(?:費用|コスト)(?:は|って)\s*(?:[?？]|$)"
        r"|\b(?:annual|yearly) budget (?:of|for)\b|(?:what|how (?:big|large|much))(?:'s| is| was)? (?:the |its |their )?(?:annual|yearly) budget\b"
        # a sum asked by its order of magnitude (年何百万円, 何億円), "what sum"
        r"|何(?:十|百|千)?(?:万|億)?円|\bwhat (?:sum|total)\b|\bhow much money\b"
        # how far a charge is covered (「受験料や講座代をどこまで補助」)
        r"|(?:費|料|代)(?:[^。?？]{0,10})?をどこまで(?:補助|負担|助成|支援|出|カバー)"
        # how much money by what it is spent on (どのくらいの費用がかかった, 予算をどれくらい組んで,
        # 費用感), "what budget did … set aside", "what would … set us back", a ballpark figure
        r"|(?:どれ|どの)(?:くらい|ぐらい|程度)の?(?:費用|予算|金額|お金|経費|コスト|額)"
        r"|(?:費用|予算|お金|経費|コスト|報酬|謝礼|謝金|給与|給料|賃金|手当|対価|(?:事業|運営|維持|開発|導入|人件|委託|整備|建設)費|(?:受験|受講|参加|利用|使用|入場|登録|掲載|広告|契約|委託|保険|授業|入会|出展|協賛|観覧|手数)料|会費|賃料|チケット代)(?:を|は|が)?(?:(?:月|年|週|日|年間|1回|一回)(?:に|で|あたり|当たり)?)?(?:どれ|どの)(?:くらい|ぐらい|程度)(?!の?(?:時期|期間|頻度|前|早|日数|スケジュール|時間))|費用感|予算感|コスト感"
        r"|\bwhat (?:budget|funding)\b(?! (?:year|cycle|calendar|period|window|schedule|process|step|phase))|\bset (?:us|me|them|you|the city|a company) back\b|\bballpark\b"),
    "contact": re.compile(
        # (not the e-mail's own opening: 「突然のメール失礼いたします」)
        r"電話|でんわ|(?<!突然の)メール(?!(?:にて|で)?(?:失礼|恐縮))|めーる|連絡先|メアド|url|ウェブサイトのアドレス|サイトのアドレス|住所(?:は|を教|を知)|所在地"
        r"|窓口の場所|fax|ファックス|担当者の(?:お)?名前|担当の方の(?:お)?名前|担当者(?:は|って)(?:誰|どなた)"
        r"|phone number|telephone|\bphone\?|\bdirect (?:line|number|dial)\b|\bphone line\b|直通|e-?mail|contact (?:details|info|address|number|person)"
        r"|(?:postal|mailing|street|office|e-?mail|web(?:site)?) address|\baddress of\b|\byour address\b|\burl\b"
        r"|where is the (?:desk|office)|who is the (?:named |right )?(?:contact|person in charge)"
        r"|\b(?:staff member|person|officer|official) in charge\b|\bname (?:of|for) (?:the |a )?(?:person|staff|officer|official|contact)"),
    "date": re.compile(
        # 「あと何日」「締め切りまで何日」 ask for a countdown (days left), not for a date.
        r"(?<!あと)(?<!残り)(?<!まで)何日(?!残)|(?<!あと)(?<!残り)(?<!まで)なん日|日付|期日|締切日|締め切り日|〆切日|何月何日|具体的な日|正確な日|曜日|開催日|実施日|試験日|面接日|選考日|発表日"
        r"|exact (?:date|day|deadline)|what date|which date|which day|(?:what|which)(?:'s| is)? the date"
        r"|(?:deadline|due|closing) (?:date|day)|\bon what day"),
    # A month (「予算要求は何月?」 is answered by 10月) and a length of time are their own kinds.
    "month": re.compile(r"何月(?!何日)|\b(?:in )?(?:which|what) month\b"),
    "duration": re.compile(r"何年(?:間|ですか|なの|なんで|くらい|ぐらい|程度|ごと|おき|毎|契約|任期|\?)|期間(?:は|って)(?:何年|何か月|何ヶ月|どれ|どのくらい|どの位)|何(?:か|カ|ヶ|ヵ|ケ)月(?!も)|最[長短]で?(?:何|どれ|どの)|何分|何時間(?!目|も)|何秒|how many (?:minutes|hours|seconds)|how long (?:is|are|does|do|will)|how many (?:years|months)|in years\b|\bhow long (?:did|has|have|will|would|can|could)\b"),
    # "When" in general (いつ, "when is …"): answered by any statement of time, a month, a year,
    # a fiscal year or a season (HOLDS below); not いつも / いつでも / いつか, not らいつ in
    # ねーみんぐらいつ, not a clause ("what happens when a city …").
    "when": re.compile(
        r"(?<!ら)いつ(?!も|でも|か(?!ら)|の間に|の日か)"
        r"|\bwhen (?:is|are|does|do|did|will|was|were|should|can|could|would|might|must|shall)\b|\bwhen\?"),
    "year": re.compile(r"何年(?:から|に|の(?:こと|話)|頃|ごろ|前|何月)|何年度(?:から|に|の)|いつから|\bwhat year\b|\bwhich year\b|\bsince when\b|\bin what year\b"),
    "count": re.compile(
        r"何件|何社|件数|何人(?!か)|何名|人数|何団体|何か所|何カ所|何ヶ所|何校|採択数|採択率|倍率|何割|何%|何パーセント"
        r"|者数(?:は|を)|数を教え|(?:市町村|市町|自治体|企業|団体|会員|参加者|職員|店舗)の数(?:と|は|を|も|や)"
        r"|how many|\bnumber of\b|\b(?:a|the|any) (?:head)?count of\b|\bhow often\b|what (?:percent|percentage|share)|\bby how much(?:\?|$| (?:did|does|has|have|had|will|is|are|was|were|do)\b)"
        # a ratio or breakdown (出資比率, "the capital split between …")
        r"|比率|割合(?:は|を|って)|何対何|何:何|\bratio\b|\bproportions?\b|\bsplit between\b"
        # other counters (何点, 何台, 何種類 …), a headcount, and how much a figure changed (どれくらい短くなった)
        r"|何(?:点|個|台|種類|世帯|戸|回|か国|カ国|軒|店舗|冊)|何(?:枚|本)(?!か)|\bheadcount\b"
        r"|(?:どれ|どの)(?:くらい|ぐらい|程度)(?:短く|短縮|減っ|減少|増え|増加|縮ま|削減|改善|向上|伸び)"
        r"|\b(?:capital|cost|funding|ownership|investment) (?:split|shares?)\b"),
    # A breakdown (内訳, 都道府県別に, "by prefecture"), an average (平均年齢), a limit (上限): kinds of
    # figure an entry gives only when it says so.
    "breakdown": re.compile(r"内訳|(?:都道府県|市町村|自治体|地域)(?:ごと|別)(?:に|の|で)(?!偏|差|格差|違い|ばらつき|特色|事情)|\bbreakdown\b"
                            r"|\b(?:broken down |split )?by (?:prefecture|municipality|region)\b|\bper (?:prefecture|municipality)\b"),
    "age": re.compile(r"何歳|年齢(?:は|を教|を知|層)|\bhow old\b|\bages?\b(?= of| were| are| is)"),
    "average": re.compile(r"平均|\baverage\b|\bmean (?:age|number|amount|time|cost)\b"),
    "limit": re.compile(r"上限|下限|最大で?(?:何|いくつ|いくら|どれ)|最低(?:何|いくら)|\b(?:upper |lower )?limit (?:on|to|of|for)\b|\bmaximum (?:number|amount)\b|\bcap on\b|\bat most\b"),
    # How to apply, step by step, and what to hand in (申請の手順, 提出書類, 申込書のテンプレート, "how do
    # we apply to join"): an entry gives it only when it names the steps or the papers.
    "procedure": re.compile(
        r"手順|(?<!行政)(?<!住民の)(?<!窓口の)手続(?:き|は|を|の)(?![^。?？]{0,12}(?:何月|いつ|時期|何日))(?!を?(?:手助け|支援|簡単|簡素|楽に|便利|効率|オンライン|デジタル|電子)|の(?:デジタル|オンライン|電子|簡素|効率|支援|手助け))|申請方法|申込方法|申し込み方法|応募方法|登録方法|申請書|申込書|申込用紙|様式|テンプレート|ひな形|雛形|ダウンロード"
        r"|提出書類|必要書類|必要な書類|提出物|添付書類|(?:どんな|どの|何の|なんの)書類|書類(?:は何|はどれ|が必要|を出|を提出)|提出(?:しなければならない|する|すべき|が必要な)書類"
        r"|\b(?:what|which) (?:documents|papers|paperwork|forms)\b|\bdocuments? (?:do|does|should|must|will) (?:we|i|a company|one|companies)\b"
        r"|\bhow (?:do|can|should|would) (?:we|i|a company|companies|one) (?:apply|register|sign up|enrol|enroll|join)\b"
        # how a selection is run (「採用試験をどんなやり方で」), "the formal procedure for submitting"
        r"|(?:試験|選考|審査|選定)(?:は|を)?(?:どんな|どのような|どういう|どの)(?:やり方|方法|形式|流れ)"
        r"|\bhow (?:does|do|did|will|would) [\w' ]{0,30}\b(?:select|choose|screen)\b|\b(?:written )?(?:tests?|exams?) or (?:an )?interviews?\b"
        r"|\b(?:formal |official )?procedure (?:for|to) (?:submit|apply|join|register|enter|take part)|\bapplication (?:form|procedure|process)|\b(?:forms?|documents?|paperwork) (?:to (?:submit|fill|file)|required|needed|we need)\b|\btemplate\b|\bdownload\b"),
    # What an abbreviation stands for, an official name (RIDCの正式名称, "what does RIDC stand for").
    "expansion": re.compile(r"正式名称|正式な(?:名称|名前)|正式に(?:は)?(?:なん|何)(?:て|と)いう|何の略|略称|\bstands? for\b|\bshort for\b|\babbreviation\b"
                           # "what is its official name", "the official name of the contest?"; not
                           # "appear in the official name of a stadium" (naming rights)
                           r"|\bwhat(?:'s| is| was)? (?:the |its |their |[\w-]+'s )?(?:full |official )+name\b|\bofficial name (?:of|for) (?:the|this|that|it)\b|\bofficial name\s*\?"),
    # The details of a thing (具体的に何, 中身, "what exactly", "in detail"): held unless the entry
    # itself says its sources leave details out (see `missing`).
    "detail": re.compile(
        r"具体的に(?:は)?(?:何|なに|どんな|どういう)(?!.{0,6}(?:早|遅|前|いつ|時期))|具体的な(?:内容|中身|事業|項目|目標|施策)"
        # ("what exactly is a naming rights deal" asks what the thing is: the entry answers it)
        # (nor "what exactly is Digiden?": a definition; "what exactly did they do" asks for details)
        r"|\bwhat exactly (?:were|was|does|did|do)\b|\bwhat exactly (?:is|are) (?:in|involved|included|covered|the (?:contents?|scope|details?|terms))\b|\bin detail\b"
        # item by item (「中身の項目を一つずつ挙げて」 "summarise, item by item, what it holds")
        r"|\bitem by item\b|\bpoint by point\b|(?:一つ|ひとつ|１つ|1つ)ずつ(?:挙げ|あげ|教え|並べ|説明)|項目を(?:全部|すべて|全て|挙げ|あげ|教え|並べ)"),
    # Why (理由, なぜ, "why did …"): held unless the entry says its sources do not give the reason.
    "reason": re.compile(r"理由|なぜ|何故|どうして|\bwhy\b|\bfor what reason\b|\bwhat (?:was|is) the (?:reason|purpose|aim)\b|目的(?:は|を教|を知|や|と(?!し|する|して|した))|狙い|ねらい"),
    # Which place (「どこの市の話ですか」 "in which city was it"): held when the entry names a municipality.
    "where": re.compile(r"(?:自治体|市町村|団体|都市|市町)(?:って|は)、?[^。?？]{0,8}(?:具体的に(?:は)?)どこ(?:です|でしょう|なの|なん|か|\?|？)|どこの(?:市|町|村|自治体|県|都市|島|地域)|(?<!ほとん)どの(?:市|町|村|自治体|県|都市|島|地域)(?:で(?!も)|が|に(?!も)|の|です|でしょう|か)"
                        r"|\b(?:in |at |on )?which (?:city|town|village|municipality|prefecture|island|region)\b(?! (?:can|could|may|should|would)\b)"),
    # Names of the companies, groups or people involved (「参加した17団体の名前」「30社の社名を教えて」
    # "which company makes the vehicles"), not naming a facility (「施設に社名を付けたい」) or a
    # project's own name (「取組の名前は何でしたっけ」: the entry is the answer).
    "name": re.compile(
        r"(?:社名|企業名|会社名|団体名|法人名|事業者名|メーカー名|氏名|(?:会社|企業|団体|事業者|職員|参加者|者|社|人|方)の(?:お)?名前)"
        r"(?:を|も)?(?:全部|すべて|全て)?(?:教え|知り|挙げ|ください|下さい|お願い|は(?:何|なん|どこ|公表|分か|わか)|って(?:何|なん)|一覧|と|や)"
        r"|(?:社長|代表者?|代表取締役|理事長|会長|責任者|担当者|トップ|市長|町長|村長|知事|副市長|課長|室長|部長|局長)(?:は|って|さんは|さんって)、?(?:どなた|誰|だれ|どんな人|なん(?:という|ていう)|何(?:という|ていう))"
        r"|(?:市長|町長|村長|知事|副市長|課長|室長|部長|局長|社長|理事長|会長)(?:さん)?の(?:お)?名前|(?:なん|何)(?:という|ていう|て言う)(?:お)?名前の(?:方|人)|(?:なん|何)(?:という|ていう|て言う)(?:会社|企業|事業者|メーカー|業者|人)|(?:会社|企業|事業者|メーカー|業者)(?:の名前|名)?(?:って|は)(?:なん|何)(?:て|と)(?:いう|言う)|それぞれ(?:なん|何)という"
        r"|\bwho (?:is|was|are|were) (?:the |its |their )?(?:president|ceo|head|director|chair|founder|owner|manager)s?\b|\bwhat (?:is|was) (?:the |its )?(?:company|firm|vendor)(?:'s)? name\b"
        r"|(?:社|企業|会社|団体|事業者|参加者)名?の(?:一覧|リスト)|フルネーム|下の名前|\bfull name\b(?! of (?:the )?(?:project|programme|program|scheme|system|organi|bureau|council|agency))|\bfirst name\b"
        r"|\bname of (?:the |its |their )?(?:[a-z]+(?:'s)? ){0,2}(?:section |division |department |bureau )?(?:chief|head|director|manager|mayor|president|ceo|founder|chair)|どの(?:会社|企業|メーカー|業者|事業者|団体|ベンダー)|どこの[^\s。、?？]{0,4}?(?:会社|企業|メーカー|業者|事業者|団体|ベンダー)(?:が|です|でしょう|か|の|だった|製|[?？]|$|と(?:組|連携|提携|協力|一緒))"
        r"|\bwho(?:'s| is| are) the (?:operators?|compan(?:y|ies)|firms?|vendors?|providers?|suppliers?|contractors?|makers?)\b|\bwhich (?:universit(?:y|ies)|colleges?|schools?)\b|どこの大学|どの大学|それぞれの(?:事業|施策|取組|取り組み|プロジェクト)(?:の)?名|\bnames? of (?:the |its |their |all |those |these )?(?:\w+'s )?(?:two|three|four|five|six|\d+) (?:projects|initiatives|programmes|programs|schemes)\b|\bwhich (?:(?:private|local|partner|other|participating) )?(?:compan(?:y|ies)|firms?|vendors?|manufacturers?|makers?|suppliers?|businesses|organi[sz]ations|corporations)\b"
        r"(?! (?:can|could|may|should|would)\b)|\bwhat compan(?:y|ies)\b(?! (?:can|could|may|should|would)\b)"
        r"|\bnames? of (?:the |its |their |all )?(?:compan|firm|organi|member|participant|partner|vendor|staff|people|official|officer|school)"
        # which companies they were (「集まった企業は、具体的にどことどこ」)
        r"|(?:企業|会社|団体|事業者|メーカー|ベンダー)(?:は|って)、?[^。?？]{0,8}どこ(?:と|です|でしょう|なの|か|\?|？)"
        # the projects behind a number ("what are the four projects", 「4つの事業は何」)
        r"|\bwhat (?:are|were) (?:the |its |their |those |these )?(?:two|three|four|five|six|\d+) (?:projects|initiatives|programmes|programs|schemes)\b|(?:[2-9２-９]|二|三|四|五|六)つの(?:事業|施策|取組|取り組み|プロジェクト)(?:は|って|の名前|を教|とは)"
        # the people's own names ("I'd like their names"), not a name put on something ("their name on a stadium")
        r"|\b(?:their|his|her) (?:full )?names?\b(?! (?:on|onto|to|for|in|into|with)\b)"
        # (a question, not a relative clause: "a mayor who made departments responsible")
        r"|\bwho (?:makes|made|supplies|supplied|manufactures|built|developed|invested in) (?:the|these|those|its|their|it|them)\b"),
    # Which particular one (「どのルートを走る」「どの島で」「どんな作物」「何という賞」 "which route"): the
    # entries name routes, islands, crops and awards only where they give them (HOLDS below).
    "which": re.compile(
        r"どの(?:ルート|路線|バス路線|島|地区|区間|作物|品物|品目|補助金|交付金|コース|便|停留所|駅)|どんな(?:作物|品物|品目|科目|特典|権利)"
        r"|(?:なん|何)という(?:賞|コンテスト|アワード|市|町|村|補助金|交付金)|(?:どんな|どういう|どのような)(?:賞|コンテスト|アワード|表彰)"
        r"|\bwhich (?:stops|stations|streets|roads|routes?|islands?|crops?|bus (?:lines?|routes?)|districts?|subsidy|subsidies|grants?|awards?|prizes?|contests?|goods|subjects|perks|benefits|sensors|devices|machines|technolog(?:y|ies))\b"
        r"|\bname of the (?:competition|contest|award|prize)\b"
        # the terms data is published under (「どのライセンス」"in which file formats")
        r"|どの(?:ファイル)?(?:形式|フォーマット|ライセンス)|(?:ファイル形式|データ形式|ライセンス)(?:は|って|を教|の種類)|\b(?:what|which) (?:file|data) formats?\b|\bin (?:what|which) (?:file |data )?formats?\b|\b(?:what|which) licen[cs]es?\b"
        r"|\bwhat (?:route|island|district|bus (?:line|route)) (?:will|does|did|is|was|do)\b|\bwhat (?:crops?|goods|perks|subjects|prizes?|awards?)\b(?! (?:can|could|may|should|would)\b)"),
    # The list itself of what a scheme offers or covers (「めぶくIDで使えるサービスの一覧」 "which
    # datasets are published", "which qualifications does it pay for"): held unless the entry says
    # its sources do not give it (`_LACK_NAMES`), as a reason or the details are.
    "listing": re.compile(
        r"(?:サービス|データ|資格|講座|施設)(?:の)?(?:一覧|いちらん|リスト)|(?:どんな|どの|どういう|どういった)(?:サービス|データ|資格|講座)(?:が|を|に|の|です|でしょう|か)"
        r"|\b(?:which|what) (?:kinds? of |sorts? of |types? of )?(?:services|datasets|data sets|data|certificates|certifications|qualifications|exams|courses)\b"
        r"(?! (?:can|could|may|should|would|do|does) (?:we|i|you|a company|companies|the desk)\b)"),
    # Who bears a cost (「給与は誰が負担」「費用はどこが出している」 "who pays the adviser"):
    # held where the entry says who pays or bears it.
    "payer": re.compile(r"(?:誰|だれ|どちら|どっち)が(?:負担|出し|払|支払|持)|費用(?:を|は)(?:どう|どのように|どのよう)(?:割り振|分担|負担|按分|分け)"
                        r"|(?:費用|人件費|経費|給与|コスト)(?:を|は|、|,)[^。?？]{0,16}(?:どう|どのように|どのよう|どんな割合で|何対何で)(?:に)?(?:割り振|分担|負担|按分|分け)"
                        r"|(?:分担|負担|按分)(?:の)?(?:割合|比率|方法|仕方|ルール)|\bhow (?:is|are|was|were|do|does|did) [^.?]{0,30}\b(?:costs?|salar(?:y|ies)|fees?|expenses?)\b[^.?]{0,40}\b(?:split|shared|divided)\b"
                        r"|\bcost[- ]sharing\b|\bsplit (?:the )?(?:costs?|bill)\b|(?:費用|給与|給料|報酬|お金)は(?:誰|どこ|どちら)が|\bwho (?:pays|paid|covers|covered|bears|funds|funded|foots)\b"),
    # How many people (「参加している高齢者は何人」「延べ何人」 "how many residents"): a count of another
    # thing (25社, 10回) does not answer it (HOLDS below).
    "headcount": re.compile(r"何人(?!か)|何名|なんにん|なんめい|人数|(?:参加|利用|登録|受講|応募)者(?:の)?数"
                            # (not participants or members: in the entries those are often companies)
                            r"|\bhow many (?!fewer |more |less )(?:\w+ )?(?:people|persons|residents|citizens|staff|employees"
                            r"|pupils|students|children|visitors|workers|officials|volunteers|advisers|advisors|recruits|seniors|elderly)\b"),
    # When the next one is (「次回のフェアはいつ」「今年の公募はいつから」 "when is the next fair"): a date
    # the entry gives of a past one does not answer it (HOLDS below; calendar entries recur, the
    # engine leaves them out).
    "upcoming": re.compile(r"(?:次回|次の(?:開催|募集|公募|回|号|フェア|イベント)|今年の|今年度の|来年の|来年度の|今度の)[^。?？]{0,24}(?:いつ|何月|何日|日程|時期|開催日|締切|締め切り)"
                           r"|\b(?:when|what date)\b[^.?]{0,40}\b(?:the next|this year's|next year's|the upcoming|the coming)\b"
                           r"|\b(?:the next|this year's|next year's|the upcoming)\b[^.?]{0,40}\b(?:when|what date|which day|dates?|deadline)\b"
                           r"|\b(?:dates?|day|deadline)\b[^.?]{0,12}\bof (?:the next|this year's|next year's|the upcoming)\b"),
    # Where to get a form or a sheet (「様式はどこからダウンロード」 "where can we download it"): a link.
    "download": re.compile(r"どこから(?:ダウンロード|入手|取得|手に入)|ダウンロード(?:先|できる場所|の(?:url|リンク)|は(?:どこ|どちら))"
                           r"|\bwhere (?:can|do|could|should|would) (?:i|we|one|companies) (?:download|get hold of|obtain)\b|\bdownload (?:link|page)\b"),
    # Selection criteria and eligibility (「審査基準や配点」「応募資格」 "eligibility", "selection criteria").
    "criteria": re.compile(r"審査(?:の)?基準|選定基準|評価基準|選考基準|配点|応募資格|参加資格|資格要件|応募(?:の)?要件|登録(?:の|する(?:ため|に)は?の?)?(?:条件|要件)"
                           r"|(?:どんな|どのような|どういう|どういった)(?:資格|条件|要件)|(?:資格|条件|要件)(?:は|が|って)(?:あり|ある|必要|要り|いり|何|なに)"
                           r"|\beligib(?:le|ility)\b|\bselection criteria\b|\bscoring (?:criteria|sheet|system)\b|\bwho (?:can|may|is allowed to) (?:apply|enter|bid|register)\b"),
}

# The question is folded with long-vowel marks dropped (メール → メル, ホームページ → ホムペジ):
# in the patterns' katakana words the mark is optional.
ASKS = {k: re.compile(re.sub(r"(?<=[ァ-ヶ])ー", "ー?", p.pattern), p.flags) for k, p in ASKS.items()}

# Whether an answer text holds such a fact.
HOLDS: dict[str, re.Pattern] = {
    "amount": re.compile(r"\d[\d,.]*\s*(?:円|万円|億円|千円|兆円|兆|億|yen|million|billion)|[¥$€]\s*\d"),
    "contact": re.compile(r"\d{2,4}-\d{2,4}-\d{3,4}|[\w.+-]+@[\w-]+\.[\w.]+|https?://|www\."),
    "date": re.compile(rf"\d{{1,2}}月\d{{1,2}}日|\d{{1,2}}/\d{{1,2}}\b|\b{_MONTHS_EN}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTHS_EN}\b"),
    "month": re.compile(rf"\d{{1,2}}\s*(?:〜|～|-)?\s*月|\b{_MONTHS_EN}\b"),
    "duration": re.compile(r"\d+\s*(?:分|時間|秒)|\b\d+\s*(?:minutes?|hours?|seconds?)\b|\d{1,2}\s*(?:〜|～|-)\s*\d{1,2}\s*月|\d+\s*(?:年間|年|か月|カ月|ヶ月)|\b\d+\s*(?:years?|months?)\b|\b(?:one|two|three|four|five|ten) years?\b"),
    "count": re.compile(r"\d[\d,.]*\s*(?:件|社|団体|人|名|か所|カ所|自治体|市町|サービス|項目|部門|課|校|%|％|割|回|点|個|台|種類|世帯|戸|か国|カ国|軒|店舗|冊|枚|本)|\d\s*[:：対]\s*\d"
                        r"|\b\d[\d,.]*\s*(?:companies|firms|municipalities|cities|groups|organisations|organizations"
                        r"|people|persons|staff|services|items|percent|times|%)"),
    "breakdown": re.compile(r"内訳|ごとに|ごとの|(?:都道府県|市町村|自治体|地域|年度|分野)別|breakdown|\bby (?:prefecture|municipality|year|region|sector|department|field)\b"),
    "average": re.compile(r"平均|average|\bmean\b"),
    "age": re.compile(r"\d+\s*(?:歳|代)|\baged? \d+|\b\d+ years old"),
    "limit": re.compile(r"上限|下限|最大|最低|以内|以下|まで|\blimit|maximum|minimum|up to|at most|no more than"),
    "procedure": re.compile(r"申請書|申込書|様式|書類|テンプレート|提出|手順|手続|ステップ|①|\bforms?\b|\bpaperwork\b|\bsteps?\b|\bsubmit"),
    "expansion": re.compile(r"の略|略称|正式名称|\bstands? for\b|\bshort for\b|\babbreviat"),
    # a named company or organisation (エーテンラボ㈱, 一般社団法人…, "… Inc."), or a person (…氏)
    "name": re.compile(r"㈱|株式会社|[\u4e00-\u9fff]{2,}大学|\(株\)|有限会社|合同会社|社団法人|財団法人|\b(?:inc|ltd|llc|corp|co)\b\.?|corporation|[\u4e00-\u9fff]{2,}氏"),
}
HOLDS["headcount"] = re.compile(r"\d[\d,.]*\s*(?:万|千)?\s*(?:人|名)|\b\d[\d,.]*(?:\s+[\w-]+){0,3}\s+(?:people|persons|residents|citizens"
                               r"|participants|members|users|staff|employees|pupils|students|children|visitors|workers|officials"
                               r"|volunteers|advisers|advisors|recruits|seniors|elderly)\b")
# A town's population (人口約26万人, "some 260,000 residents") and the size of a team (5人1組,
# "teams of five people") are numbers of people that answer neither how many took part nor how
# many staff: left out when a headcount is looked for, unless the question asks about that.
_POPULATION = re.compile(r"人口[^。\n\d]{0,4}\d[\d,.]*\s*(?:万|千)?\s*人|\bpopulation of (?:about |around |some )?[\d,.]+(?: (?:thousand|million))?\b"
                         r"|\b(?:has|with|of) (?:about |around |some |roughly )?[\d,.]+(?: (?:thousand|million))? (?:residents|inhabitants)\b")
_TEAM_SIZE = re.compile(r"\d+\s*人\s*(?:1|一)\s*組|\d+\s*人(?:で|の)?(?:チーム|グループ|組)|\bteams? of (?:\d+|two|three|four|five|six) (?:people|persons)\b")
_NOT_A_HEADCOUNT = ((_POPULATION, re.compile(r"人口|\bpopulation\b|\binhabitants\b")),
                    (_TEAM_SIZE, re.compile(r"組|チーム|グループ|\bteams?\b|\bgroups?\b")))


def _headcounts_in(text: str, folded_question: str) -> str:
    """The text with the numbers of people that do not answer this question blanked."""
    for figure, asked_about in _NOT_A_HEADCOUNT:
        if not asked_about.search(folded_question):
            text = figure.sub(" ", text)
    return text


HOLDS["upcoming"] = re.compile(r"毎年|例年|年に\d+回|来年|今後|次回|\bevery year\b|\beach year\b|\bannual|\bnext year\b|\byearly\b")
HOLDS["download"] = re.compile(r"https?://|www\.|\b[\w-]+\.(?:jp|com|org|go\.jp)/")
# Who pays is held where the entry says who bears or covers a cost; criteria where it names some.
HOLDS["payer"] = re.compile(r"負担|が(?:払|支払|出し|持)|費用を|自己資金|\bpa(?:y|ys|id) (?:for|by)\b|\bpaid\b|\bcovers?\b|\bbears?\b|\bfunded\b|\bat (?:its|their) own (?:cost|expense)")
# Which one is held only where the entry names one in quotes (「〇〇ルート」, 「〇〇賞」).
HOLDS["which"] = re.compile(r"「[^」]{1,30}(?:ルート|路線|島|作物|賞|アワード|補助金|交付金)」|[\u4e00-\u9fff]{2,}(?:課|部)(?=[のがとや、])|\b(?:route|island|crop|award|prize|grant) (?:called|named)\b")
HOLDS["criteria"] = re.compile(r"基準|資格|要件|条件|配点|評価軸|判断軸|物差し|ものさし|\bcriteri|\beligib|\brequirements?\b|\bconditions?\b")
# A year is held by a calendar or fiscal year (2020年, 令和4年度, "in 2019").
HOLDS["year"] = re.compile(r"(?:19|20)\d\d|令和|平成|昭和|\d+\s*年(?!間)|年度")
# "When" is held by any statement of time: a date, a month, a length of time, or a year, fiscal
# year or season.
HOLDS["when"] = re.compile("|".join(HOLDS[k].pattern for k in ("date", "month", "duration")) +
                           r"|\d+\s*年|令和|平成|\b(?:19|20)\d\d\b|年度|来年|翌年|今年|昨年|去年|毎年"
                           r"|\b(?:next|last|this|every) year\b|\bfiscal\b|\bannual|春|夏|秋|冬|\b(?:spring|summer|autumn|fall|winter)\b")


# A question for the desk's opening hours or days (「受付時間は?」「土日も開いていますか」): not a
# kind of ASKS (no entry states hours; the intent classifier's features stay as they are), but the
# desk's own hours are part of its configured contact (bot/engine.py `_desk_contact`).
HOURS = re.compile(
    r"受付時間|営業時間|開庁時間|対応時間|窓口の時間|業務時間|何時(?:から|まで|に|ごろ|頃)|何曜|土日|土曜|日曜|週末|祝日|平日"
    r"|昼休み|お昼|ランチ|夜間|夕方"
    r"|\b(?:office|opening|business|working) hours\b|\bhours\b|\bopen(?:ing)? times?\b|\bwhat time\b"
    r"|\bwhich days\b|\bweekends?\b|\bsaturdays?\b|\bsundays?\b|\blunch|\bholidays?\b|\bclosed\b|\bopen on\b")


def asks_hours(folded_question: str) -> bool:
    return HOURS.search(folded_question) is not None


# Who bears a cost is not its amount (「受講料をどちらが負担」 "who pays the course fee", "if the
# city pays the whole fee, do more people quit?").
_WHO_PAYS = re.compile(r"誰が(?:払|負担|持|出)|どちらが(?:払|負担|持|出)|どっちが(?:払|負担|持|出)|負担(?:するの|は誰|はどちら)"
                       r"|\bwho (?:usually |normally )?(?:pays|covers|bears|funds|foots)\b|\bpays? (?:for )?(?:the |a )?(?:whole |full |entire )?[\w-]{0,15} ?fees?\b")
# A sentence that asks (a question mark, a Japanese question or request ending, an English
# question word or request); in a long message the others are context (「年間の費用で広告を
# 出したい。可能ですか」: the fee is what they offer, not what they ask).
_ASKING = re.compile(r"[?？]|(?:か|かな|の|教えて(?:ください|下さい|いただけ\w*)?|知りたい(?:です)?|ください|下さい|お願いします)[。．.!！\s]*$"
                     r"|知りたく|伺いたく|お聞きしたく|教えていただきたく|ご教示"
                     r"|^(?:what|when|where|which|who|whom|whose|why|how|is|are|do|does|did|can|could|would|will|should|may)\b"
                     r"|\b(?:please|tell me|let me know|(?:i'd|i would|we'd|we would) like to (?:know|ask)|want to know|wondering)\b")


_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=[A-Za-z0-9)\]\"'])\.\s+|\n")   # folded or not


def asking_part(text: str) -> str:
    """The asking sentences of a message of several sentences (all of it when none looks like
    asking, or when it is one sentence); case is kept."""
    parts = [p for p in _SENTENCE_END.split(text) if p and p.strip()]
    if len(parts) > 1:
        asking = [p for p in parts if _ASKING.search(p.lower())]
        if asking:
            return " ".join(asking)
    return text


# 「週に何時間か」「月に何日か」 (a few hours a week) and 「何か所かの自治体で」「何社かと組んだ」
# (some places, a few companies) describe, they do not ask; 「何時間か教えて」「何社かな」 ask, and
# 何日かかる is a length of time, 何社から a count.
_INDEFINITE = re.compile(
    r"(?:週|月|年|日)に(?:何|数)(?:時間|日|回|度)か(?!か|\s*(?:教え|知り|わかり|分かり|お聞き|伺))"
    r"|何(?:人|名|社|件|団体|か所|カ所|ヶ所|ケ所|箇所|校|回|点|個|台|種類|世帯|戸|軒|店舗|冊)か"
    r"(?=[のがはをにとでも、,]|\s)(?!\s*(?:教え|知り|わかり|分かり|お聞き|伺|確認|調べ))")
# How often (「何年ごとに異動」 "how often do staff move"): a length of time answers it too.
_HOW_OFTEN = re.compile(r"\bhow often\b|頻度|何年(?:ごと|おき)")


# Names of many asked for (「30社の社名」「一覧」「どことどこ」).
# (Japanese only: English names such as Fujitsu carry no 株式会社 to count by.)
_MANY_NAMES = re.compile(r"\d+\s*(?:社|団体|者)|一覧|リスト|全部|すべて|全て|それぞれ|どことどこ|どんな企業|どういう企業")


def asked(folded_question: str) -> list[str]:
    """The kinds of specific fact the question asks for (usually none); in a message of several
    sentences, those its asking sentences ask for (all of them when none looks like asking)."""
    folded_question = _INDEFINITE.sub(" ", asking_part(folded_question))
    kinds = [k for k, pat in ASKS.items() if pat.search(folded_question)]
    if "amount" in kinds and _WHO_PAYS.search(folded_question):
        kinds.remove("amount")
    if "reason" in kinds and _WHY_MENTIONED.search(folded_question):
        kinds.remove("reason")
    return kinds


# Why something came up in a talk ("why was it brought up?", 「なぜこの話が出たのか」): every
# entry says where and in what discussion it came up, so this is no reason its sources may lack.
_WHY_MENTIONED = re.compile(
    r"\bwhy (?:was|were|is|did) (?:it|this|that|they|the (?:example|case|story)) (?:brought up|mentioned|cited|raised|discussed|given|used|come up)\b"
    r"|(?:取り上げ|紹介|言及)された理由|なぜ(?:この|その)?(?:話|例|事例)(?:が|を|は)?(?:出|取り上げ|紹介)")


# A sentence in which an entry says what its sources leave out (「資料にはRIDCの正式名称や参加方法の
# 説明はありません」 "The notes do not give the team's size"): what it names is not held. A sentence
# marked as general background (「(資料にはない一般的な知識)」) does hold its facts.
_LACKS = re.compile(
    r"(?:資料|記録|講演|インタビュー)(?:に|で|の中)(?:は|も)?(?:ない|なく)"
    r"|(?:資料|記録|講演|インタビュー)(?:に|で|の中)[^。\n]{0,50}(?:ありません|(?:書かれ|記され|触れられ|語られ|示され|明記され)て(?:い)?(?:ない|ません)|出てこない|出てきません|記載(?:は|が)(?:ない|ありません))"
    r"|(?:ありません|(?:書かれ|記され|触れられ|示され)て(?:い)?(?:ない|ません))[^。\n]{0,12}(?:資料|記録)"
    # (「…費用を誰が負担しているのかは書かれていません」「誰が紹介したのかは明記されていません」)
    r"|(?:は|も)(?:書かれ|記され|明記され|触れられ|示され|語られ)て(?:い)?(?:ない|ません)"
    r"|\b(?:notes|documents|report|interview|record|sources?|talk|speakers?)\b[^.\n]{0,6}\b(?:do|does|did) (?:not|n't)\b|\bgives? neither\b"
    r"|\bnot (?:stated|given|said|mentioned|described) in\b|\b(?:are|is) not given\b")
_GENERAL = re.compile(r"一般|general")
_SENTENCES = re.compile(r"(?<=[。\n])|(?<=[.!?])\s+")


# What a sentence that says the sources leave something out names as left out, by kind: asked
# for, that kind is missing however much else the entry holds (「共有している人数や分野…も記録にはあり
# ません」 beside another city's 5人).
_LACK_NAMES: dict[str, re.Pattern] = {
    "reason": re.compile(r"理由|なぜ|目的|狙い|ねらい|\bwhy\b|\breasons?\b|\bpurpose"),
    "count": re.compile(r"人数|件数|団体数|社数|規模|者数|発行(?:の)?数|\bhow many\b|\bnumbers?\b|\bsize\b"),
    "headcount": re.compile(r"人数|者数|\bhow many (?:people|participants|members|staff)\b|\bnumber of (?:people|participants|members|staff)\b"),
    "name": re.compile(r"名前|社名|企業名|名称|\bnames?\b|\bwhich compan|\bwho (?:gave|said|took)"),
    "amount": re.compile(r"費用|料金|金額|\bhow much\b|\bpay\b|\bcosts?\b|\bfees?\b"),
    "procedure": re.compile(r"参加方法|申請方法|手続|選び方|選定方法|\bhow to (?:join|apply)\b|\bhow [\w ]{0,30} (?:are|were|is) (?:chosen|selected)\b"),
    "when": re.compile(r"いつ|時期|始ま|\bwhen\b|\bbegan\b"),
    "payer": re.compile(r"誰が(?:負担|払|支払|出)|負担|\bwho (?:pays|paid|covers|bears|funds)\b"),
    "which": re.compile(r"ルート|路線|作物|品物|品目|技術|賞|コンテスト|アワード|\broutes?\b|\bcrops?\b|\bgoods\b|\bcontest\b|\bawards?\b|\btechnolog"),
    "listing": re.compile(r"一覧|種類|どの資格|サービス|データ|施設|\blist\b|\bwhich (?:services|data|qualifications|certificates)\b|\bkinds? of\b"),
    "criteria": re.compile(r"条件|基準|資格|要件|\bcriteri|\beligib|\brequirements?\b|\bconditions?\b"),
}

# (with places_named: a prefecture, or the mayor of a named town, 磐田市長, which places_named leaves out)
_PLACE_HELD = re.compile(r"(?:北海道|東京都|京都府|大阪府|[\u4e00-\u9fff]{2,3}県)(?![庁内外民議])|\b[a-z]+ prefecture\b"
                         r"|(?<![\u4e00-\u9fff])(?!(?:都|各|同|本|当|近隣|政令|中核)[市町村])[\u4e00-\u9fff]{1,3}[市町村]長")
_BUT = re.compile(r"\bbut\b|\bhowever\b|ただ、|ただし|一方")


# When a thing was founded, drawn up or started (「法人として立ち上がったのはいつ」「いつ策定」 "when
# will the service launch"): a time the entry gives is the answer only in a sentence about that
# same kind of event; the date of the fair where it was presented is not.
_EVENTS = (
    re.compile(r"設立|立ち上|発足|創設|開設|設置|\bfounded\b|\bestablish|\bset up\b|\bincorporat"),
    re.compile(r"策定|制定|採択|まとめ(?:た|られ)|\bdrawn up\b|\bdraw up\b|\bdrew up\b|\bformulat|\badopted\b|(?<!\bto )\badopts?\b"),
    re.compile(r"実用化|運行開始|サービス開始|開業|\blaunch|\broll(?:ed)? out\b|\bgo live\b|\bstart running\b"),
)
_TIME_KINDS = ("when", "year", "month")
# How long an agreement or a contract runs (「協定の期間は何年」「契約期間は?」 "how long is the
# contract"): a length of time the entry gives of something else (2年間振り続けた) does not answer it.
_TERMS = (re.compile(r"協定|契約|\bcontract|\bagreement"), re.compile(r"指定(?:管理)?(?:の)?期間|指定管理"))

# How many of a kind of body (「何自治体」 "how many municipalities", 「何社」 "how many companies"): a
# count of something else the entry gives (25社 beside a question about municipalities) does not
# answer it; a number of that kind of body does (276の自治体, 17団体).
_NUM = r"(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|hundreds?)"
_COUNTED = (
    (re.compile(r"何(?:自治体|市町村|市町|都道府県)|(?:自治体|市町村|市町)(?:の)?数|\bhow many (?:\w+ )?(?:municipalities|cities|towns|local governments|prefectures)\b"),
     re.compile(rf"\d[\d,]*\s*(?:の)?(?:自治体|団体|市町村|市町|市区町村|都道府県|県)|\b{_NUM}(?:\s+[\w-]+){{0,2}}\s+(?:municipalities|cities|towns|local governments|prefectures)\b")),
    (re.compile(r"何社|(?:企業|会社|事業者)(?:の)?数|\bhow many (?:\w+ )?(?:companies|firms|businesses|vendors|corporations)\b"),
     re.compile(rf"\d[\d,]*\s*(?:の)?(?:社|企業|事業者|団体)|\b{_NUM}(?:\s+[\w-]+){{0,2}}\s+(?:companies|firms|businesses|vendors|corporations|organi[sz]ations)\b")),
)


def _count_of_kind_held(folded_question: str, text: str) -> bool | None:
    """For a question about how many of a kind of body: whether the entry gives a number of that
    kind; None when it asks about no such kind."""
    wanted = [held for asked_about, held in _COUNTED if asked_about.search(folded_question)]
    if not wanted:
        return None
    return any(h.search(text) for h in wanted)

# A named charge (謝礼, 参加費, 掲載料, "the fee", "the fare"): a sum the entry gives is its answer only
# in a sentence that names that charge; a budget of 120〜130億円 elsewhere does not say the fee.
_CHARGES = re.compile(r"謝礼|謝金|参加費|利用料|使用料|入会金|年会費|会費|受講料|受験料|登録料|出展料|協賛金|掲載料|広告料|出稿料"
                      r"|命名料|契約料|運賃|賃料|家賃|報酬|給与|給料|年収|手数料|\bfees?\b|\bfares?\b|\brent\b|\bsalar(?:y|ies)\b|\bwages?\b")


def _charges_named(folded_question: str) -> list[re.Pattern]:
    """The charges a question names, each as a pattern of its own name."""
    return [re.compile(re.escape(n)) for n in sorted({m.group() for m in _CHARGES.finditer(folded_question)})]

# Who holds a post (「めぶくグラウンドの社長はどなた」「玉井市長のフルネーム」 "the name of the section
# chief"): a company's name (㈱) or another person (a lecturer 〇〇氏) does not answer it; a person
# named in a sentence about that kind of post does (「代表理事の千葉大右氏」).
_HEAD_POST = re.compile(r"市長|町長|村長|知事|\bmayor\b|\bgovernor\b")     # the head of a municipality
_POSTS = (
    re.compile(r"社長|代表取締役|\bpresident\b|\bceo\b"),
    re.compile(r"代表(?:者|理事)?|理事長|会長|\bchair(?:man|person)?\b|\brepresentative\b|\bfounder\b|\bhead\b|\bleader\b"),
    _HEAD_POST,
    re.compile(r"課長|室長|部長|局長|参事官|\bchief\b|\bhead of\b|\bdirector\b|\bmanager\b"),
)
# The role of a company asked for (「どこの通信会社と組んでいる」 "which vendor built it"): a company
# the entry names is the answer only in a sentence about that role.
_ROLES = (
    re.compile(r"通信|キャリア|\bcarriers?\b|\btelecoms?\b|\bmobile operators?\b"),
    re.compile(r"ベンダ|\bvendors?\b|\bsuppliers?\b"),
    re.compile(r"メーカ|\bmakers?\b|\bmanufacturers?\b"),
)
_PERSON_NAMED = re.compile(r"[\u4e00-\u9fff]{2,}(?:氏|さん)|\b(?:mr|ms|mrs|dr)\.?\s+[a-z]")
# A name before a head of a municipality: a person's (園田市長, 草地博昭市長) unless name + 市 is a
# place the same text names on its own (大村市長 beside 大村市の…).
_NAME_AND_HEAD = re.compile(r"([\u4e00-\u9fff]{2,4}?)(市長|町長|村長|知事)")
_HEAD_OF = {"市長": "市", "町長": "町", "村長": "村", "知事": "県"}
_FULL_NAME = re.compile(r"フルネー?ム|下の名前|\bfull name|\bfirst name")


class _PersonIn:
    """Matches a sentence of `text` that names a person (like a compiled pattern's search)."""

    def __init__(self, text: str):
        self.text = text

    def search(self, sent: str):
        return _PERSON_NAMED.search(sent) or next(
            (m for m in _NAME_AND_HEAD.finditer(sent)
             if not re.search(re.escape(m.group(1) + _HEAD_OF[m.group(2)]) + "(?!長)", self.text)), None)


@lru_cache(maxsize=4096)       # the texts are the entries' own
def _sentences_of(text: str) -> tuple[str, ...]:
    return tuple(sent for sent in _SENTENCES.split(text) if sent.strip())


def _held_beside(text: str, fact: re.Pattern, cues: list[re.Pattern]) -> bool | None:
    """Whether one sentence of `text` holds `fact` together with one of `cues` (what the question
    is about: an event, a post, a charge); None when the question gave no cue (any sentence then
    holds it)."""
    if not cues:
        return None
    return any(fact.search(sent) and any(c.search(sent) for c in cues) for sent in _sentences_of(text))


@lru_cache(maxsize=4096)       # the texts are the entries' own: a bounded set, split once each
def _lack_sentences(answer_text: str) -> tuple[str, tuple[str, ...]]:
    """(the text of the sentences that hold facts, and what each sentence saying the sources leave
    something out names as left out), lower case. A sentence that goes on to give something
    (", but the mayor said …") holds facts."""
    keep, lack = [], []
    for p in _SENTENCES.split(answer_text.lower()):
        if not p.strip():
            continue
        m = _LACKS.search(p)
        if m is None or _GENERAL.search(p) or _BUT.search(p, m.start()):
            keep.append(p)
        elif p.isascii():        # "the notes do not say what …, so …": the clause after the verb
            lack.append(re.split(r"[,;]|\bso\b", p[m.start():])[0])
        else:                    # 「人数や分野…も記録にはありません」: what comes before the verb
            lack.append(p[:m.end()])
    return "\n".join(keep), tuple(lack)


def missing(folded_question: str, answer_text: str) -> list[str]:
    """The kinds the question asks for that the answer text does not hold (a sentence saying the
    sources leave something out holds nothing)."""
    kinds = asked(folded_question)
    if not kinds:
        return []
    text, lack = _lack_sentences(answer_text)
    asking = asking_part(folded_question)
    out = []
    for k in kinds:
        if k == "detail":              # the details are missing when the entry says some are left out
            held = not lack
        elif k == "where":             # a municipality or prefecture named
            held = bool(places_named(answer_text)) or _PLACE_HELD.search(text) is not None
        elif k in _LACK_NAMES and any(_LACK_NAMES[k].search(p) for p in lack):
            held = False
        else:                          # (a reason has no form of its own: held unless left out)
            looked_in = _headcounts_in(text, folded_question) if k in ("headcount", "count") else text
            held = k not in HOLDS or HOLDS[k].search(looked_in) is not None
            # who heads a municipality (「大村市長は誰」): a surname with the post (園田市長) answers
            # it, though not a question for the full name
            head_by_name = k == "name" and not _FULL_NAME.search(folded_question) and bool(_HEAD_POST.search(asking))
            if head_by_name and not held:
                held = _PersonIn(text).search(text) is not None
            if k == "name" and held and _MANY_NAMES.search(folded_question):
                # the names of many (「30社の社名」「参加企業の一覧」): one company the entry
                # names is not the list
                held = len({text[max(0, m.start() - 8):m.start()] for m in HOLDS["name"].finditer(text)}) >= 2
            beside = None            # the fact is held only beside what the question is about
            if k == "name" and held and not _MANY_NAMES.search(folded_question):
                beside = _held_beside(text, _PersonIn(text) if head_by_name else _PERSON_NAMED,
                                      [p for p in _POSTS if p.search(asking)])
                roles = [r for r in _ROLES if r.search(asking)]
                if beside is None and roles:
                    beside = _held_beside(text, HOLDS["name"], roles)
            elif k == "amount" and held:
                beside = _held_beside(text, HOLDS["amount"], _charges_named(asking))
            elif k == "duration" and held:
                beside = _held_beside(text, HOLDS["duration"], [c for c in _TERMS if c.search(asking)])
            elif k in _TIME_KINDS and held:
                beside = _held_beside(text, HOLDS[k], [ev for ev in _EVENTS if ev.search(asking)])
            elif k == "count":
                beside = _count_of_kind_held(asking, looked_in)
            held = held if beside is None else beside
            if k == "count" and not held and beside is None:     # a number of people is a count too
                held = HOLDS["headcount"].search(looked_in) is not None or (
                    _HOW_OFTEN.search(folded_question) is not None and HOLDS["duration"].search(text) is not None)
        if not held:
            out.append(k)
    if "count" in out and "headcount" in out:    # one line for one figure
        out.remove("headcount")
    return out


# Places. A question about a municipality the documents never mention (「浜松市の取り組みは?」
# "What does Sapporo City do?") cannot be answered from them, however close its topic: the engine
# answers it honestly as partial (bot/engine.py). Names written bare ("Kobe", 「姫路」) are not
# found: that would take a list of Japan's municipalities, which no well-kept package ships.
_KANJI_RUN = re.compile(r"[\u4e00-\u9fff々ヶ]+")
_PLACE_SUFFIX = re.compile(r"(?<=..)[市町村区]")
# Kanji before the suffix that make a common noun, not a name (都市, 政令市, 近隣市, 両市, 各町, 何市,
# 特区, 特別区, 漁村, 一般市民 …), and kanji after it that make one (市場, 市民, 区画, 区分, 町内会 …).
# Some of those kanji end real names (熊本市, 松本市, 田辺市, 登別市): they make a common noun only
# alone (本市, 新市) or in their compound (政令市, 中核市, 中心市, 周辺市, 一般市民, 特別区).
_NOT_A_NAME = re.compile(r"(?:都|両|内|隣|各|他|同|当|全|某|旧|特|漁|政令|中核|中心|周辺|一般|特別|土地)$"
                         r"|^(?:本|新|下|別|心|核|令|辺|般)$|何")
_NOT_A_NAME_AFTER = frozenset("長場民街域分画間内議役政立営有債税部外会制")
# A prefecture written before the city (静岡県磐田市, 東京都府中市): the city is the name.
_PREFECTURE_HEAD = re.compile(r"^(?:北海道|東京都|京都府|大阪府|[\u4e00-\u9fff]{2,3}県)(?=[\u4e00-\u9fff々ヶ]{2})")
_PLACE_EN = (re.compile(r"\b([A-Z][a-z]{2,}(?:[- ][A-Z][a-z]{2,})?)[ -](?:City|Town|Village|Ward)\b"),
             re.compile(r"\b(?:[Cc]ity|[Tt]own|[Vv]illage) of ([A-Z][a-z]{2,})\b"))
# A capitalised word after "in / from / at / near" ("any cases from Kobe?"): a place only where
# the message asks for cases (bot/conversation.py), and only when the knowledge never uses the word.
_PLACE_EN_LOOSE = re.compile(r"\b(?:in|from|at|around|near)\s+([A-Z][a-z]{3,})\b(?![ -]?[A-Z])")
# A name in katakana (ニセコ町) at the start of a sentence or after punctuation. Not hiragana:
# つくば市 could not be told from 「まず市内で」「なぜ市は」.
_PLACE_KANA = re.compile(r"(?:^|(?<=[\s、。,.「『(（・]))([ァ-ヶー]{2,6}[市町村])(?![長議内民役])")
_NOT_A_NAME_EN = frozenset("the our your their this that each every any which what other another same host home slack "
                           "partner capital sister big small local major regional smart garden model pilot "
                           "neighbouring neighboring nearby next whole entire super compact sponge eco future "
                           "creative safe digital learning inclusive resilient friendly green open innovation "
                           "global international sustainable livable liveable wise".split())


# Words that start a sentence or a clause before a name ("Does Kobe City …", "Has Nara City …").
_NOT_A_NAME_EN_HEAD = frozenset("does do did is are was were has have had can could would should will may might "
                                "how what when where why who which tell about in at for from with and or but "
                                "near like than as by of on to".split())


def places_named(text: str, loose: bool = False) -> set[str]:
    """The municipality names a text contains: a kanji name before 市・町・村・区 (not a mayor,
    「〇〇市長」, where 〇〇 may be a surname), and "X City", "the city of X" (lower case); with
    `loose`, also a capitalised word after "in", "from" … (`_PLACE_EN_LOOSE`).
    Prefectures are left out: the desk's own city lies in one the documents need not name."""
    out = set()
    if loose:
        out |= {w.lower() for w in _PLACE_EN_LOOSE.findall(text) if w.lower() not in _NOT_A_NAME_EN}
    for run in _KANJI_RUN.findall(text):
        run = _PREFECTURE_HEAD.sub("", run)
        m = _PLACE_SUFFIX.search(run)
        if m is None or run[m.end():m.end() + 1] in _NOT_A_NAME_AFTER or run[m.end():m.end() + 1] in "市町村区" and m.end() < len(run):
            continue
        name = run[:m.end()]
        if name.endswith("地区"):       # a district within a city (「市内の一地区」), not a municipality
            continue
        # (…都市 is the common noun 大都市・地方都市; 京都市 the one name that ends so)
        if (name == "京都市" or not _NOT_A_NAME.search(name[:-1])) and not re.search("[市町村区]", name[:-1]):
            out.add(name)
    for name in _PLACE_KANA.findall(text):
        if not re.search(r"[のはがをにでともや]", name):     # 「うちの町」「わが町」 are no names
            out.add(name)
    for pat in _PLACE_EN:
        for name in pat.findall(text):
            words = name.split()
            if len(words) == 2 and words[0].lower() in _NOT_A_NAME_EN_HEAD:    # "Does Kobe City"
                words = words[1:]
            if words[0].lower() not in _NOT_A_NAME_EN:
                out.add(" ".join(words).lower())
    return out


def unknown_places(text: str, known_text: str, known_names: frozenset[str] = frozenset(),
                   near: frozenset[str] | set[str] = frozenset(), loose: bool = False) -> set[str]:
    """The places `text` names that `known_text` (everything the knowledge base says, NFKC and
    lower case: bot/engine.py `known_text`) never mentions, and that are no typo of a place it
    names (`known_names`: 東村山市 mistyped, "Maebasi"). A two-kanji name one kanji off is
    another city as often as a typo (岡山市 beside 郡山市 and 福山市): it counts as a typo only of
    a place in `near`, the places of the entry the message matched best (盤田市 when the best
    entry is about 磐田市)."""
    from rapidfuzz.distance import Levenshtein

    def typo_of(p: str, k: str) -> bool:
        long_enough = len(p) >= 5 if p.isascii() else len(k) == len(p) and (len(p) >= 4 or k in near)
        return long_enough and Levenshtein.distance(p, k, score_cutoff=1) <= 1

    strict = places_named(text)
    loose_words = places_named(text, loose=True) - strict if loose else set()
    # (a loose word counts only when the knowledge never uses it: "cases in Japan" names no unknown place)
    return {p for p in strict | loose_words
            if not place_known(p, known_text, known_names) and not (p in loose_words and re.search(rf"\b{re.escape(p)}\b", known_text))
            and not any(typo_of(p, k) for k in known_names)}


def place_known(place: str, known_text: str, known_names: frozenset[str] = frozenset()) -> bool:
    """Whether the knowledge mentions a place (as `places_named` found it). "ota" is in "total": a
    Latin name is known by the knowledge's own names, or as a word of five letters or more
    ("Oikawa Ryosuke of Susono": Susono City is known; "Hiroshima Prefecture" is no city)."""
    if place.isascii():
        return place in known_names or (len(place) >= 5 and re.search(rf"\b{re.escape(place)}\b(?! prefecture)", known_text) is not None)
    return place in known_text


def place_label(place: str) -> str:
    """A place as found (Latin names are kept in lower case) written for a reply: "Sapporo"."""
    return place.title() if place.isascii() else place


def places_of_entry(entry) -> set[str]:
    """The places an entry is about: those its title, aliases and municipality name."""
    parts = [entry.title.ja, entry.title.en or "", *entry.aliases]
    if getattr(entry, "municipality", None):
        parts += [entry.municipality.ja, entry.municipality.en or ""]
    return places_named(unicodedata.normalize("NFKC", "\n".join(parts)))
