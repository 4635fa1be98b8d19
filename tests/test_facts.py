"""What kind of specific fact a question asks for (bot/facts.py): the figure itself, not a
word for money, time or contact that merely occurs in the question."""
import pytest

from bot import facts
from bot.text import fold


@pytest.mark.parametrize("q,kind", [
    ("ネーミングライツの相場はいくらですか", "amount"),
    ("めぶくグラウンドの資本金の額を教えて", "amount"),
    ("What would a naming-rights deal cost?", "amount"),
    ("How much money did the city put in?", "amount"),
    ("寄附すると法人税はどれくらい安くなりますか", "amount"),     # how much less tax: a figure
    ("企業版ふるさと納税でどのくらい減税されますか", "amount"),
    ("デスクの電話番号は?", "contact"),
    ("Who is the contact person for the pitch?", "contact"),
    ("説明会の開催日はいつですか", "date"),
    ("What's the date of the next briefing?", "date"),
    ("予算要求は何月ですか", "month"),
    ("指定期間は何年ですか", "duration"),
    ("参加した企業は何社ですか", "count"),
    ("What percentage of the work could be automated?", "count"),
    ("図書館の指定管理者の公募はいつありますか", "when"),
    ("When is the next government pitch held?", "when"),
    ("RIDCの参加費を教えてください", "amount"),
    ("和光版MaaSの運賃は?", "amount"),
    ("What is the annual budget of the venture company?", "amount"),
    ("参加した17団体の名前を教えてください", "name"),
    ("サウンディングした企業の社名は公表されていますか", "name"),
    ("Which company makes the vehicles?", "name"),
    ("実証に参加している企業の一覧をください", "name"),
    ("めぶくグラウンドの出資比率は?", "count"),
    ("What was the capital split between the city and the firms?", "count"),
    ("What did the town spend on the system?", "amount"),
    ("寄付された金額の合計は?", "amount"),
    ("What licence fee does the company charge?", "amount"),
    ("搬送時間を何分短くできたのですか", "duration"),
    ("交付率を都道府県別に見たい", "breakdown"),
    ("参加者の平均年齢は何歳?", "average"),
    ("参加者の平均年齢は何歳?", "age"),
    ("連携協定の数に上限はありますか", "limit"),
    ("アドバイザーの報酬は月にどの程度なのでしょうか", "amount"),
    ("アプリの年間の事業費がどのくらいかかっているのか知りたい", "amount"),
    ("そのコンテストは正式にはなんていう名前の大会ですか", "expansion"),
    ("What is the official name of the contest?", "expansion"),
    ("What is the platform's full official name?", "expansion"),
    ("What total did the companies give last year?", "amount"),
    ("窓口のシステムはどこのベンダー製?費用は?", "amount"),
    ("窓口のシステムはどこのベンダー製?費用は?", "name"),
    ("車両はどこのメーカー?", "name"),
    ("公共交通って、どこの通信会社と組んでるんですか", "name"),
    ("Under what licence and in which file formats is the data published?", "which"),
    ("この事業に企業として参加する場合、こちら側の費用負担はどのくらいになるのでしょうか", "amount"),
    ("Could you give me the direct line for the partnership team?", "contact"),
    ("職員の受験料や講座代をどこまで補助しているんですか", "amount"),
    ("中途採用の試験はどんなやり方で行っているのですか", "procedure"),
    ("What is the formal procedure for submitting a reverse proposal?", "procedure"),
    ("ネーミングライツの契約って、ふつう何年契約になるものなんでしょうか", "duration"),
    ("どこの会社と組んで進めているんですか", "name"),
    ("協定を結んだ会社ってなんていう名前ですか", "name"),
    ("What are the names of those four projects?", "name"),
    ("What does a municipality pay per year to use the app?", "amount"),
    ("毎年なんにんくらい採用しているんですか", "headcount"),
    ("受験料をどのくらい補助しているのでしょうか", "amount"),
    ("チケット代はクラブと市のどちらが負担しているんですか", "payer"),
])
def test_a_question_asking_for_a_figure_is_recognised(q, kind):
    assert kind in facts.asked(fold(q))


@pytest.mark.parametrize("q", [
    "研修の費用は誰が持つ形が多いですか",              # who pays, not how much
    "給料を削ろうとした市の話を聞きたい",               # a story about pay
    "部ごとに金額を割り振るやり方とは",                 # a way of budgeting
    "Why do city IT systems cost so much?",            # why, not how much
    "How much has the workload grown?",                # a trend, not an amount
    "市の職員はこの先どのくらい減る見込みですか",        # a share of staff, not a sum of money
    "How much of the work will be automated?",         # a share of something
    "How can staff address the vendor's pricing?",     # address as a verb
    "Could we advertise on the city's website?",       # a website as a medium
    "民間出身の職員が何人かいます。採用の条件は?",      # 何人か = some people
    "How much time do we have left to send it?",       # time left, not money
    "Could our brand appear in the official name of a municipal stadium?",   # naming rights, no name asked
    "市とれんけいする方法っていちらんある?なんしゅるいくらい?",   # 何種類くらい in kana: no いくら
    "締め切りまであと何日ですか",                        # a countdown, not a date
    "いつもお世話になっております。PFIとは何ですか",      # いつも is not "when"
    "ねーみんぐらいつの制度はありますか",                 # naming rights typed in hiragana
    "What changes when a city adopts a PFI?",          # a clause, not a question of time
    "受講料をどちらが負担するかで形が変わりますか",      # who bears the fee, not how much
    "Could you explain the city's annual budget flow?", # the cycle, not a figure
    "市の施設に社名を付けることはできますか",            # naming a facility, not asking a name
    "ドローンの取組、名前は何でしたっけ",                # the project's own name: the entry answers
    "Which companies can propose to the city?",        # who may, not which ones did
    "We want our brand on a stadium in exchange for a fee. Does the city offer that?",   # a fee offered
    "Who ends up setting the price of city IT systems?",   # who sets it, not what it is
    "デジ田の事例を分野ごとに教えて",                    # the entry's own grouping
    "予算はどのように決まるのですか",                    # how a budget is made, not its size
    "予算がなくても始められる方法はありますか",          # no budget needed, not a sum
])
def test_a_word_for_money_or_contact_alone_is_not_a_request_for_the_figure(q):
    # ("why" is asked for by "Why do … cost so much?", and held unless an entry says it is left out;
    # who bears a cost is its own kind, "payer", held where an entry says who pays)
    assert [k for k in facts.asked(fold(q)) if k not in ("reason", "payer")] == []


# What an entry says its sources leave out is not held, even where another sentence has the form.
LACKING_JA = "福山市を中心に人材を分け合う例がある。愛媛県ではデジタル人材5人を共有した。共有している人数や分野、費用の分け方なども記録にはありません。"
LACKING_EN = ("The mayor reshuffled staff more than ten times a year. "
              "The notes do not say what the transfers involved or why they were made.")


@pytest.mark.parametrize("q, text, kind", [
    ("福山市は何人を共有していますか", LACKING_JA, "count"),                 # 5人 is another prefecture's
    ("Why did the mayor reshuffle so often?", LACKING_EN, "reason"),
    ("人事異動の具体的な内容は?", LACKING_EN, "detail"),
    ("資料にはRIDCの正式名称はありますか? 正式名称は?", "資料にはRIDCの正式名称や参加方法の説明はありません。", "expansion"),
    ("申請の手順と提出書類を教えてください", "まず小さく試して実績をつくる始め方です。", "procedure"),
    ("参加した企業名の一覧をもらえますか", "30社とサウンディングを行った。", "name"),
    ("大村市長のフルネームは?", "大村市長は、民間との連携を語った。", "name"),
    ("今年の試験日はいつですか", "民間経験者の採用を毎年行っている。", "date"),
])
def test_a_specific_the_entry_says_is_left_out_is_missing(q, text, kind):
    assert kind in facts.missing(fold(q), text)


@pytest.mark.parametrize("q, text", [
    # general background marked as such holds its facts
    ("会計年度はいつから?", "自治体の会計年度は4月1日に始まります(資料にはない一般的な知識)。"),
    # a sentence that goes on to give the reason holds it
    ("Why is speed important?", "The documents do not spell out why speed matters, but the mayor said decisions take time."),
    # the details are held when the entry leaves nothing out
    ("具体的に何をしたのですか", "市はプールを民間の資金で建て替え、運営も任せた。"),
    ("How many people took part?", "The notes do not describe the roadmap. 17 groups and 120 people took part."),
    ("市長は1年に何回異動をしたの?", "明石市の市長は1年に10回以上の人事異動を行った。"),      # a count of times
    ("Are there figures on how much the work grew?", "The city's work grew by 20% while staff fell."),   # a share, not money
])
def test_what_an_entry_holds_is_not_missing(q, text):
    assert facts.missing(fold(q), text) == []


def test_a_month_the_entry_states_is_held():
    assert facts.missing(fold("予算要求は何月?"), "各部署は10月に予算を要求します。") == []
    assert facts.missing(fold("実用化は何月の予定?"), "来年度の実用化を目指しています。") == ["month"]


def test_when_is_held_by_any_statement_of_time():
    assert facts.missing(fold("提案はいつまで?"), "新規事業の提案は4〜8月に受け付けます。") == []
    assert facts.missing(fold("実用化はいつ?"), "来年度の実用化を目指しています。") == []
    assert facts.missing(fold("公募はいつありますか"), "指定管理者制度は公の施設の管理を任せる仕組みです。") == ["when"]


@pytest.mark.parametrize("q,kinds", [
    # the fee is what they offer; the asking sentence asks whether it can be done
    ("Our head office would like our brand on the stadium for an annual fee. Is that something the city offers?", []),
    ("ネーミングライツを検討中です。料金はいくらですか。", ["amount"]),
    ("We run gyms. What's the fee for naming rights?", ["amount"]),
    ("突然のメール失礼いたします。人材を共有している例はどこかにあるのでしょうか。", []),
    ("現場がいくら頑張っても組織が変わらない。どうすれば?", []),          # concessive いくら…ても
    ("Who usually pays the course fee when a city runs the training?", []),
    ("If the city pays the whole course fee, do more people quit?", []),
    ("What was the total construction cost of the complex?", ["amount"]),
    ("法人税はどのくらい軽くなりますか", ["amount"]),
    ("Headcount is down. By how much?", ["count"]),
    ("Who is the staff member in charge? I'd like a name for my letter.", ["contact"]),
])
def test_what_a_long_message_asks_is_read_from_its_asking_sentences(q, kinds):
    assert facts.asked(fold(q)) == kinds


def test_places_the_knowledge_never_mentions_are_told_from_known_ones_and_their_typos():
    known_text = "磐田市と和光市の例。wako city and iwata city."
    known = frozenset(facts.places_named("磐田市と和光市の例。Wako City and Iwata City."))
    assert facts.unknown_places("浜松市の公民連携の取り組みは?", known_text, known) == {"浜松市"}
    assert facts.unknown_places("What does Sapporo City do?", known_text, known) == {"sapporo"}
    assert facts.unknown_places("ニセコ町の取り組みは?", known_text, known) == {"ニセコ町"}
    known_text += " 東村山市 maebashi city"
    known |= {"東村山市", "maebashi"}
    assert facts.unknown_places("東村出市の取り組みを知りたい", known_text, known) == set()    # 東村山市 mistyped
    assert facts.unknown_places("What did Maebasi City do?", known_text, known) == set()
    assert facts.unknown_places("岡山市のPFIの実績は?", known_text, known | {"郡山市"}) == {"岡山市"}
    assert facts.unknown_places("Tell me about Wako City", known_text, known) == set()
    for q in ("山田市長はどう言った?", "都市計画の話", "政令市の事例", "うちの町でもできますか", "何市町で共有?", "Our City wants",
              "そもそも、なぜ市は民間と組むのですか", "いきなり契約ではなく、まず市内で試せますか",
              "土地区画整理事業でPFIは使えますか", "一般市民も参加できますか", "特別区の例", "市区町村の職員",
              "事業区分ごとの予算", "自治会町内会との連携", "国家戦略特区の活用", "卸売市場のPFI", "農山漁村の課題",
              "小規模町村の連携", "他市町村の事例", "大都市と地方都市", "What is a Super City?", "Compact City plans"):
        assert facts.unknown_places(q, known_text, known) == set(), q


def test_a_two_kanji_place_one_kanji_off_is_a_typo_only_of_the_place_the_best_entry_is_about():
    known_text, known = "磐田市の例。郡山市の例。", frozenset({"磐田市", "郡山市"})
    assert facts.unknown_places("盤田市の公民連携の取り組み", known_text, known, near={"磐田市"}) == set()
    assert facts.unknown_places("盤田市の公民連携の取り組み", known_text, known, near=set()) == {"盤田市"}
    assert facts.unknown_places("岡山市のPFIの実績は?", known_text, known, near=set()) == {"岡山市"}


def test_a_prefecture_before_a_known_city_and_latin_names_inside_words_are_not_unknown_places():
    known_text, known = "磐田市と和光市。iwata city, wako city. in total, otherwise", frozenset({"磐田市", "和光市", "iwata", "wako"})
    for q in ("静岡県磐田市の取り組み", "埼玉県和光市のMaaS"):
        assert facts.unknown_places(q, known_text, known) == set(), q
    assert facts.unknown_places("京都府京都市の例", known_text, known) == {"京都市"}
    assert facts.unknown_places("What has Ota City done?", known_text, known) == {"ota"}
    assert facts.unknown_places("Does Kobe City have cases?", known_text, known) == {"kobe"}
    for q, place in (("熊本市はネーミングライツをどの施設に?", "熊本市"), ("松本市の事例", "松本市"), ("田辺市のPFI", "田辺市"),
                     ("登別市の取り組み", "登別市")):
        assert facts.unknown_places(q, known_text, known) == {place}, q
    for q in ("本市の取り組み", "新市の建設計画", "中核市の例", "周辺市町との連携"):
        assert facts.unknown_places(q, known_text, known) == set(), q


@pytest.mark.parametrize("q", ["ネーミングライツはいくらで買ってもらえますか", "協賛金はいくら出してもらえますか",
                               "料金が知りたくてご連絡しました。あわせて、手続きの流れも教えてください。"])
def test_a_fee_asked_with_te_morau_or_in_a_request_sentence_is_still_asked(q):
    assert "amount" in facts.asked(fold(q))


def test_names_are_held_only_when_the_entry_gives_them():
    assert facts.missing(fold("アプリを作った会社の名前を教えて"), "アプリはエーテンラボ㈱のものです。") == []
    assert facts.missing(fold("参加した企業の名前を教えて"), "17団体が参加しました。") == ["name"]


def test_every_kind_of_fact_has_words_in_both_languages():
    from bot.i18n import t

    for kind in facts.ASKS:
        assert t("answer.fact." + kind, "ja") and t("answer.fact." + kind, "en")


@pytest.mark.parametrize("q,kind", [
    ("その事業に市は年何百万円を出しているのですか", "amount"),
    ("What sum does the club pay the city?", "amount"),
    ("これまでに何点ほど発行されましたか", "count"),
    ("待ち時間はどれくらい短くなりましたか", "count"),
    ("What is the headcount of the team?", "count"),
    ("それぞれ何という事業ですか", "name"),
    ("それはどこの市の話ですか", "where"),
    ("In which city did that happen?", "where"),
    # money by what it is spent on, or its rough size
    ("施設の改修にはどれくらいの費用が必要になりますか", "amount"),
    ("市はこの事業に毎年どのくらい予算をつけていますか", "amount"),
    ("出展する場合の費用感を教えてください", "amount"),
    ("What budget was allocated to the scheme?", "amount"),
    ("What would a booth at the event set us back?", "amount"),
    ("Can you give me a ballpark for the sponsorship?", "amount"),
    # a person's name, with the place before the title, or "their names"
    ("What was the name of the Kawanishi deputy mayor?", "name"),
    ("We'd love to contact the officers: what are their names?", "name"),
])
def test_more_forms_of_asking_for_a_figure_a_name_or_a_place(q, kind):
    assert kind in facts.asked(fold(q))


def test_a_name_put_on_a_facility_is_not_a_name_asked_for():
    for q in ("Can companies put their name on a city stadium?", "Could our firm have its name on the pool?"):
        assert "name" not in facts.asked(fold(q)), q


def test_which_place_is_held_by_a_named_municipality_prefecture_or_mayor_only():
    q = fold("それはどこの市の話ですか")
    assert facts.missing(q, "震災でプールが壊れ、水泳連盟が再建を求めた例があります。") == ["where"]
    assert facts.missing(q, "愛媛県は専門人材を県内の市町で共有しています。") == []
    assert facts.missing(q, "磐田市長によると、仕事は20%増えました。") == []
    assert facts.missing(q, "都市の規模によって違います。") == ["where"]
    assert "where" not in facts.asked(fold("どの自治体でも使えますか"))


@pytest.mark.parametrize("q", ["What budget year are we realistically looking at?",
                               "If we propose now, what budget cycle does it go into?"])
def test_which_budget_year_is_not_a_request_for_an_amount(q):
    assert "amount" not in facts.asked(fold(q))
    assert "amount" in facts.asked(fold("What budget did Wako set aside for the pool?"))


def test_what_exactly_a_thing_is_asks_for_the_thing_not_its_details():
    assert "detail" not in facts.asked(fold("Quick one: what exactly is a naming rights deal?"))
    assert "detail" in facts.asked(fold("What exactly did the town use its subsidy for?"))
    assert "detail" not in facts.asked(fold("What exactly is Digiden?"))         # a name, no article
    assert "detail" in facts.asked(fold("What exactly is in the agreement?"))


def test_what_a_service_charges_is_an_amount():
    for q in ("What does Minchalle charge a municipality per year?", "How much do they charge for the app?"):
        assert "amount" in facts.asked(fold(q)), q


def test_why_something_came_up_in_a_talk_is_not_a_reason_its_sources_may_lack():
    text = "The mayor made ten transfers in a year. The notes do not say why they were made."
    assert facts.missing(fold("Why did the mayor make so many transfers?"), text) == ["reason"]
    for q in ("Which mayor made ten transfers a year, and why was it brought up?", "その例が紹介された理由は?"):
        assert "reason" not in facts.missing(fold(q), text), q


@pytest.mark.parametrize("q,kind", [
    ("自動運転バスはどのルートを走る予定ですか", "which"),
    ("Which route will the self-driving bus take?", "which"),
    ("北九州市が勝ったのは何という賞ですか", "which"),
    ("アドバイザーの報酬は誰が負担しているのですか", "payer"),
    ("Who pays the seconded officer's salary?", "payer"),
    ("共同で雇う専門家の人件費、各町でどう分担しているの?", "payer"),          # how a cost is shared
    ("How is the cost of the shared adviser split between the towns?", "payer"),
    ("指定管理者の審査基準や配点を教えてください", "criteria"),
    ("Are small towns eligible to take part?", "criteria"),
])
def test_which_one_who_pays_and_criteria_are_asked_and_held_only_where_stated(q, kind):
    assert kind in facts.asked(fold(q))
    assert kind in facts.missing(fold(q), "市と企業が協定を結び、実証実験を行いました。")
    held = {"which": "「見付ルート」を走ります。Its route called Mitsuke is run by the city. 「まちづくり大賞」を受けました。",
            "payer": "費用は企業が負担しています。", "criteria": "審査の基準は市が公表しています。"}
    assert kind not in facts.missing(fold(q), held[kind])
    assert "which" not in facts.asked(fold("Could you outline what routes exist when the city has no budget?"))


@pytest.mark.parametrize("sentence", ["記録には、ロードマップの中身や作り方は書かれていません。",
                                      "誰が紹介したのかは明記されていません。",
                                      "資料には参加した企業の名前は記されていません。"])
def test_a_sentence_saying_the_sources_leave_something_out_is_read_in_its_polite_form(sentence):
    text = "大津市議会はミッションロードマップをつくりました。" + sentence
    assert facts.missing(fold("ロードマップの具体的な中身を教えてください"), text) == ["detail"]


def test_what_a_lack_sentence_names_is_not_held_even_where_other_words_match():
    text = "市は子どもを試合に招いています。記録には、費用を誰が負担しているのかは書かれていません。"
    assert facts.missing(fold("費用は誰が出しているのですか"), text) == ["payer"]
    assert facts.missing(fold("費用は誰が出しているのですか"), "費用はクラブが負担しています。") == []


def test_a_headcount_is_held_only_by_a_number_of_people():
    text = "明石市長は1年に10回以上の人事異動を行いました。"
    assert facts.missing(fold("異動した職員は延べ何人ですか"), text) == ["headcount"]
    assert facts.missing(fold("異動した職員は延べ何人ですか"), "延べ300人が異動しました。") == []
    assert facts.missing(fold("How many pupils are invited?"), "The city invites 3,500 fifth- and sixth-year pupils.") == []
    # no figure at all: one line, not two
    assert facts.missing(fold("参加者は何人ですか"), "市民が参加しています。") == ["count"]
    # members and participants may be companies; "how many fewer people" asks for a change
    assert "headcount" not in facts.asked(fold("How many members does the council have?"))
    assert "headcount" not in facts.asked(fold("how many fewer people do the work now?"))


@pytest.mark.parametrize("q,kind", [
    ("Nishikigoi NFTは何枚発行されたのですか", "count"),
    ("アドバイザーに払っている報酬はどれくらい", "amount"),
    ("公募に応募できるのは、どんな資格を持つ会社ですか", "criteria"),
    ("人口規模などの条件がありますか", "criteria"),
    ("What route will the self-driving service run on?", "which"),
])
def test_more_ways_of_asking_for_a_count_a_fee_criteria_or_which_one(q, kind):
    assert kind in facts.asked(fold(q))
    assert kind in facts.missing(fold(q), "市と企業が協定を結び、実証実験を行いました。")
    assert "count" not in facts.asked(fold("何枚か写真を送ってもいいですか"))


@pytest.mark.parametrize("q", ["国はデジタルに強い人をどれくらいの規模で育てて、地域ごとの偏りをなくそうとしていますか",
                               "会社勤めを続けながら、週に何時間か役所の課題に力を貸す働き方の自治体はありますか",
                               "窓口に来た住民の手続きを手助けするシステムで注目されている市はありますか",
                               "ほとんどの自治体が税収だけではやっていけないと聞きましたが、実際どうなっているのでしょうか",
                               "What was the application rate for the My Number card as of April 2023?",
                               # some places, a few companies: a description, not a count asked for
                               "一人を雇うより、何か所かの自治体で専門家を分け合う考え方について知りたいです",
                               "何社かと組んで実証実験をした市の話を聞かせてください"])
def test_words_that_only_look_like_asking_for_a_specific_ask_for_none(q):
    assert facts.asked(fold(q)) == []


def test_the_specifics_those_words_ask_for_when_they_do_ask():
    assert "breakdown" in facts.asked(fold("地域ごとの内訳は?"))
    # 何か月 / 何時間 ask a length of time; 何か月も / 何時間も say one was long
    assert "duration" in facts.asked(fold("実証実験は何か月続きましたか"))
    for q in ("PFIの事業は何か月もかかるのですか", "何時間も窓口で待たされるのはなぜ?"):
        assert "duration" not in facts.asked(fold(q)), q
    assert "duration" in facts.asked(fold("週に何時間か教えてください"))
    for q in ("参加企業は何社か教えてください", "参加したのは何社かな?", "何社から応募がありましたか"):
        assert "count" in facts.asked(fold(q)), q
    assert "procedure" in facts.asked(fold("申請の手続きを教えてください"))
    assert "amount" in facts.asked(fold("What are the advertising rates for buses?"))
    # how often is answered by a length of time as well as by a count
    q = fold("How often do staff there move to other posts?")
    assert facts.missing(q, "Staff move every three years (3年).") == []
    assert facts.missing(q, "Staff move to other posts.") == ["count"]


@pytest.mark.parametrize("q,kind", [
    ("自治体と受講者の負担はふつう何対何くらいに分けるんですか", "count"),
    ("参加している市町の数と、費用をどう割り振っているのかを知りたい", "count"),
    ("参加している市町の数と、費用をどう割り振っているのかを知りたい", "payer"),
    ("裏表紙に載せた場合の1回あたりの掲載料を教えてください", "amount"),
    ("What's the going annual rate for a name on the stadium?", "amount"),
    ("Who's the operator behind the shuttle?", "name"),
    ("Which private companies invested in it?", "name"),
    ("学生はどこの大学から来ているのですか", "name"),
    ("それぞれの事業名を具体的に知りたいです", "name"),
    ("What are the names of Nagareyama's four projects?", "name"),
    ("異動にはどんな狙いがあったのでしょう", "reason"),
    ("Between which stops does it run?", "which"),
    ("プロセスシートの様式は、どこからダウンロードできますか", "download"),
])
def test_still_more_ways_of_asking_for_a_specific(q, kind):
    assert kind in facts.asked(fold(q))


def test_a_download_is_held_by_a_link_and_a_university_by_its_name():
    q = fold("様式はどこからダウンロードできますか")
    assert facts.missing(q, "市は様式を使っています。") == ["download"]
    assert "download" not in facts.missing(q, "様式は https://example.jp/form から入手できます。")
    assert facts.missing(fold("学生はどこの大学から来ているのですか"), "学生は東京農工大学から参加しています。") == []
    # which department a company should approach is the desk's question, not a specific
    assert "which" not in facts.asked(fold("I have no idea which department should hear our idea. Where do I start?"))


@pytest.mark.parametrize("q", ["次回の自治体総合フェアはいつ開かれる予定ですか", "次の自治体総合フェアは今年の何月何日に開かれますか",
                               "What is the exact date of the next Local Government Fair?",
                               "When is the next fair going to be held?"])
def test_the_date_of_the_next_one_is_not_held_by_a_past_date(q):
    past = "自治体総合フェア2023は2023年5月17〜19日に東京ビッグサイトで開かれました。"
    assert "upcoming" in facts.missing(fold(q), past)
    assert "upcoming" not in facts.missing(fold(q), past + "フェアは毎年5月に開かれます。")
    assert "upcoming" not in facts.asked(fold("フェアはいつ開かれましたか"))


def test_the_names_of_many_are_not_held_by_one_name():
    one = "和光市はわぴあを整備し、運営はABC㈱が担います。"
    q = fold("和光市がサウンディングした30社の社名を教えてください")
    assert facts.missing(q, one) == ["name"]
    assert facts.missing(q, "運営はABC㈱とXYZ株式会社が担います。") == []
    assert facts.missing(fold("アプリを作った会社の名前を教えて"), "アプリはエーテンラボ㈱のものです。") == []


def test_a_long_english_message_is_read_sentence_by_sentence_after_its_greeting_is_stripped():
    """The core of "Hi, … . Our contact person has changed. Why …?" keeps its full stops, so the
    statement about a contact person is context, not a request for contact details."""
    from bot.text import message_core, sentences

    q = ("Hi, this is Raj from a fintech firm. We met the finance team three times and our contact person "
         "has changed. Honestly, why does everything take so long at city hall? Thanks for any insight.")
    core = message_core(q)[0]
    # (the introduction "this is Raj from a fintech firm." is stripped with the greeting)
    assert sentences(core) == ["We met the finance team three times and our contact person has changed.",
                               "Honestly, why does everything take so long at city hall?"]
    assert "contact" not in facts.asked(fold(core))
    assert facts.asked(fold("We met the finance team. Who is our contact person now?")) == ["contact"]


@pytest.mark.parametrize("q", ["予算はどのくらいの時期に組まれますか", "Hida came second. Who won the first place?",
                               "材料はどのくらい必要ですか", "錦鯉のデジタルアートを出しているのは何という団体ですか"])
def test_when_or_who_won_is_not_a_request_for_a_sum_or_a_company_name(q):
    assert "amount" not in facts.asked(fold(q)) and "name" not in facts.asked(fold(q))


def test_asking_when_a_procedure_happens_is_not_asking_for_the_procedure():
    assert "procedure" not in facts.asked(fold("予算を求める手続きは、例年何月に行われるのでしょうか"))
    assert "procedure" in facts.asked(fold("申請の手続きを教えてください"))


def test_a_population_or_a_team_size_does_not_hold_how_many_took_part():
    text = "市は人口約26万人のまちで、参加者は5人1組でチームをつくります。The town has some 260,000 residents."
    for q in ("参加している高齢者は何人ですか", "How many seniors have joined?"):
        assert set(facts.missing(fold(q), text)) & {"count", "headcount"}, q
    # asked about, they are the answer
    assert facts.missing(fold("市の人口は何人ですか"), text) == []
    assert facts.missing(fold("何人で1組のチームを組むのですか"), text) == []
    assert facts.missing(fold("参加している高齢者は何人ですか"), text + "参加者は延べ1,200人です。") == []


def test_a_list_asked_for_is_missing_only_where_the_entry_says_its_sources_do_not_give_it():
    lacking = "前橋市はめぶくIDでデータ連携の基盤を動かしています。\n記録には、めぶくIDで使えるサービスの一覧は書かれていません。"
    silent = "公民連携デスクは相談を受け、庁内をつなぎ、提案を整理します。"
    for q in ("めぶくIDで使えるサービスの一覧がほしい", "Which services can residents use with the ID?",
              "どんな資格が対象ですか", "What kinds of datasets are published?"):
        assert "listing" in facts.asked(fold(q)), q
        assert "listing" in facts.missing(fold(q), lacking), q
        assert "listing" not in facts.missing(fold(q), silent), q
    assert "listing" not in facts.asked(fold("What services can we offer the city?"))


def test_item_by_item_the_projects_behind_a_number_and_which_companies_are_asked_for():
    lack = "議会が計画をつくりました。\n記録には、4つの事業の名前や中身、参加企業の名前は書かれていません。"
    for q, kind in (("Could you summarise, item by item, what the roadmap holds?", "detail"),
                    ("その中身の項目を一つずつ挙げてもらえますか", "detail"),
                    ("What are the four projects the city runs so well?", "name"),
                    ("その4つの事業は何ですか", "name"),
                    ("集まった企業は、具体的にどことどこですか", "name")):
        assert kind in facts.asked(fold(q)), q
        assert kind in facts.missing(fold(q), lack), q


def test_which_municipalities_they_are_is_held_only_where_the_entry_names_one():
    q = fold("交付税をもらっていない自治体って、具体的にはどこなんですか")
    assert "where" in facts.asked(q)
    assert "where" in facts.missing(q, "不交付団体は1765団体のうち67団体です。")
    assert "where" not in facts.missing(q, "不交付団体には愛知県豊田市などがあります。")
    assert "where" not in facts.asked(fold("提案できる自治体はどこですか"))     # not asked "具体的に"


def test_when_a_thing_was_founded_or_drawn_up_is_held_only_beside_that_event():
    fair = "自治体総合フェア2023(令和5年5月)で紹介されたCONNECTは、大村市の官民連携組織です。"
    assert "when" in facts.missing(fold("CONNECTが法人として立ち上がったのはいつですか"), fair)
    assert "when" in facts.missing(fold("When was the roadmap drawn up?"), fair)
    assert facts.missing(fold("CONNECTはいつ設立されたのですか"), fair + "CONNECTは2021年に設立されました。") == []
    assert facts.missing(fold("When was the lab founded?"), fair + " The lab was founded in January 2020.") == []
    assert facts.missing(fold("CONNECTはいつ紹介されましたか"), fair) == []    # no event asked: any time holds it


def test_who_holds_a_post_is_held_by_a_person_named_beside_that_post_only():
    text = ("前橋市は市と民間で「めぶくグラウンド㈱」をつくりました。講演したのは代表理事の小田理恵子氏です。"
            "西条市の玉井市長も登壇しました。")
    assert "name" in facts.missing(fold("めぶくグラウンドの社長はどなたですか"), text)      # ㈱ and a lecturer
    assert "name" in facts.missing(fold("玉井市長のフルネームを教えてください"), text)
    assert facts.missing(fold("Who is the head of the consortium?"), text) == []          # 代表理事の…氏
    assert facts.missing(fold("その会社の社長はどなたですか"), text + "社長は山田太郎氏です。") == []


def test_who_heads_a_municipality_is_held_by_a_surname_with_the_post_not_by_the_city_name():
    text = "大村市の園田市長は、困りごとの洗い出しから始めました。"
    for q in ("大村市長は誰ですか", "大村市の市長の名前は?", "大村市の市長は何という名前の方ですか"):
        assert "name" in facts.asked(fold(q)), q
        assert facts.missing(fold(q), text) == [], q
    # 大村市長 beside 大村市 is the city's mayor, not a person named 大村; and a surname is no full name
    assert "name" in facts.missing(fold("大村市長は誰ですか"), "大村市長は民間との連携を語った。大村市は九州にある。")
    assert "name" in facts.missing(fold("大村市長のフルネームは?"), text)
    # the post holder named elsewhere does not name the company asked about
    assert "name" in facts.missing(fold("わぴあを運営している会社はどこの会社ですか"), text)


def test_which_streets_sensors_or_contest_and_how_recruits_are_selected_are_asked_for():
    lack = ("The city runs a service.\nThe notes do not give the route, the technology or which contest it was, "
            "or how candidates are selected.")
    for q, kind in (("Which streets or stops will the shuttle cover?", "which"),
                    ("Which sensors do the farms use?", "which"),
                    ("What was the name of the competition it won?", "which"),
                    ("How does the city select its recruits: written test or interview?", "procedure")):
        assert kind in facts.asked(fold(q)), q
        assert kind in facts.missing(fold(q), lack), q
    # "which areas will matter" asks about fields of work, not places on a map
    assert "which" not in facts.asked(fold("Which areas will matter most for working with businesses?"))


def test_a_named_charge_is_held_only_by_a_sum_beside_it():
    text = "国は地財措置として120〜130億円を用意しています。アドバイザーの派遣も受けられます。"
    assert "amount" in facts.missing(fold("アドバイザーの謝礼は1回いくらですか"), text)
    assert facts.missing(fold("アドバイザーの謝礼は1回いくらですか"), text + "謝礼は1回5万円です。") == []
    assert facts.missing(fold("国はいくら用意していますか"), text) == []       # no charge named: any sum


def test_how_many_municipalities_is_not_held_by_a_count_of_companies():
    text = "関東経済産業局のピッチには25社が提案を寄せました。"
    assert "count" in facts.missing(fold("How many municipalities have used the pitch?"), text)
    assert facts.missing(fold("How many municipalities have used the pitch?"), text + "これまでに12の自治体が使いました。") == []
    assert facts.missing(fold("何社が提案しましたか"), text) == []


def test_which_contest_a_purpose_beside_another_ask_and_a_list_of_facilities():
    lack = "市は取組を紹介しました。\n記録には、異動の狙いや、対象の施設、どの賞やコンテストだったかは書かれていません。"
    for q, kind in (("どんなコンテストだったのか教えてください", "which"),
                    ("それぞれの異動の目的と対象の部署を教えてください", "reason"),
                    ("対象になる施設の一覧がほしいです", "listing")):
        assert kind in facts.asked(fold(q)), q
        assert kind in facts.missing(fold(q), lack), q
    assert "reason" not in facts.asked(fold("健康づくりを目的として企業と組んだ事例はありますか"))


def test_how_long_an_agreement_runs_is_held_only_by_a_length_beside_it():
    q = fold("市との協定って、期間は何年なんですか")
    assert "duration" in facts.missing(q, "市長は2年間旗を振り続けた。\n市は企業と協定を結んだ。")
    assert "duration" not in facts.missing(q, "協定の期間は3年間です。")
    # A length asked of something else is held by any length, as before.
    assert "duration" not in facts.missing(fold("実証実験は何年くらい続けたの?"), "実証は2年間続いた。")


def test_which_company_in_a_role_is_held_only_by_a_company_named_in_that_role():
    q = fold("その実証はどこの通信会社と組んでいるんですか")
    assert "name" in facts.missing(q, "市は実証を進めている。\nデータ連携はサンプル㈱が担っている。")
    assert "name" not in facts.missing(q, "通信はサンプル通信㈱が担っている。")


def test_a_count_of_and_when_something_was_adopted_are_asked():
    assert "count" in facts.asked(fold("Do the notes give a count of the volunteers who joined?"))
    q = fold("When did the town first adopt its plan?")
    assert "when" in facts.missing(q, "The town was founded in 1950.\nIt has a plan for data.")
    assert "when" not in facts.missing(q, "The plan was adopted in 2021.")
    # "to adopt" in a clause is not the event asked about: any time answers the law's date
    q = fold("When was the law passed that obliges towns to adopt standard systems?")
    assert "when" not in facts.missing(q, "The law was passed in 2021.")


def test_a_district_within_a_city_is_not_a_municipality_the_knowledge_lacks(desk):
    assert facts.places_named("市内の一地区だけで試したい") == set()
    assert facts.places_named("モデル地区と世田谷区") == {"世田谷区"}
    r = desk.answer("開発中の除雪ロボットを、本格導入の前に市内の一地区だけで一冬試させてもらうことはできますか")
    assert r.answered and r.entry_id == "demonstration-experiment"


@pytest.mark.parametrize("q", ["うちの町だけでデジタルに詳しい職員を雇うのは難しいです。複数の自治体で専門の人を分け合う例を、人数も含めて教えてください"])
def test_a_count_asked_is_answered_by_a_confident_runner_up_that_holds_it(desk, q):
    """The general idea (talent-sharing) ranks first but holds no head count; the Ehime case,
    about as likely right, does: it answers, instead of an honest "not in my knowledge"."""
    from bot.engine import entry_lacks
    from bot.text import fold

    r = desk.answer(q)
    assert r.answered and r.entry_id != "talent-sharing"
    assert entry_lacks(fold(q), desk.kb.entries["talent-sharing"]) and not entry_lacks(fold(q), desk.kb.entries[r.entry_id])


def test_what_year_and_month_asks_a_month_and_a_year_not_a_day(desk):
    assert set(facts.asked(fold("開設は何年何月ですか"))) >= {"month", "year"}
    assert "date" not in facts.asked(fold("開設は何年何月ですか")) and "date" in facts.asked(fold("何年何月何日ですか"))
    r = desk.answer("デジタル改革共創プラットフォームができたのは何年何月?")
    assert r.answered and "2021年4月" in r.text
