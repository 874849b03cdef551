"""Forms of the genre beyond the sample's, each seen in real work plans: the first-listed
unit leads by convention (列第一位的为牵头单位, 下同), a role in parentheses after a unit
(市建委(牵头)), 等 closing a list, 负责落实 after local governments, bracketed labels
(【牵头单位】), group headings between sections and tasks, implementer rules without 任务,
attributions followed directly by the next sentence, 关于…的意见 headings, X会同Y, X负责、Y配合,
a closing parenthesis naming the lead, and officials in charge (责任领导) who are not units."""

from __future__ import annotations

import pytest

from fengong.attribution import parse_attribution
from fengong.extract import Extractor
from fengong.registry import DepartmentRegistry

REG = DepartmentRegistry.default()


def roles(text: str, first_leads: bool = False) -> list[tuple[str, str]]:
    return [(u.name, u.role.value) for u in parse_attribution(text, REG, first_leads).units]


def document(body: str, preamble: str = "") -> dict[str, list[tuple[str, str]]]:
    """Roles per task label of a small work plan."""
    doc = Extractor().extract(f"某某省2024年工作要点\n\n{preamble}\n一、总体任务\n{body}")
    return {item.label: [(a.name, a.role.value) for c in item.clauses for a in c.assignments] for item in doc.items}


def test_first_listed_leads_when_the_parenthesis_says_so():
    assert roles("省发展改革委、省公安厅、省人力社保厅按职责分工负责,列第一位的为牵头单位") == [
        ("省发展改革委", "lead"), ("省公安厅", "support"), ("省人力社保厅", "support")]
    assert roles("省建设厅、省财政厅,排在第一位的部门为牵头部门") == [("省建设厅", "lead"), ("省财政厅", "support")]
    # without the convention the same units share the task
    assert roles("省发展改革委、省公安厅按职责分工负责") == [("省发展改革委", "co_responsible"), ("省公安厅", "co_responsible")]


def test_xiatong_carries_the_convention_to_later_tasks_only():
    got = document(
        "1.稳岗扩就业。(省发展改革委、省公安厅按职责分工负责,列第一位者为牵头单位,下同)\n"
        "2.推进城市更新。(省建设厅、省发展改革委、省财政厅)\n"
        "3.保障粮食安全。(省农业农村厅牵头,省发展改革委、省粮食物资局配合)\n"
        "4.深化改革。(省发展改革委)\n")
    assert got["1."] == [("省发展改革委", "lead"), ("省公安厅", "support")]
    assert got["2."] == [("省建设厅", "lead"), ("省发展改革委", "support"), ("省财政厅", "support")]
    assert got["3."] == [("省农业农村厅", "lead"), ("省发展改革委", "support"), ("省粮食物资局", "support")]
    assert got["4."] == [("省发展改革委", "lead")]
    # the convention stated once without 下同 holds for its own parenthesis only
    got = document("1.稳岗。(省发展改革委、省公安厅,列第一位的为牵头单位)\n2.更新。(省建设厅、省财政厅)\n")
    assert got["2."] == [("省建设厅", "co_responsible"), ("省财政厅", "co_responsible")]


def test_convention_in_the_preamble_holds_for_the_whole_document():
    got = document("1.推进城市更新。(省建设厅、省财政厅)\n2.保障粮食安全。(省农业农村厅、省粮食物资局)\n",
                   preamble="各项任务中列第一位的为牵头单位,其他为配合单位。")
    assert got["1."] == [("省建设厅", "lead"), ("省财政厅", "support")]
    assert got["2."] == [("省农业农村厅", "lead"), ("省粮食物资局", "support")]


def test_xiatong_alone_is_not_an_attribution_word():
    parsed = parse_attribution("省建设厅、省财政厅,下同", REG)
    assert parsed.leftovers == ["下同"] and not parsed.first_leads_onward


@pytest.mark.parametrize("text,expected", [
    ("责任单位:市建委(牵头),市发改委、市财政局", [("市建委", "lead"), ("市发改委", "support"), ("市财政局", "support")]),
    ("省建设厅（牵头单位）、省财政厅（配合）", [("省建设厅", "lead"), ("省财政厅", "support")]),
    ("责任单位：市交通运输局〔牵头〕、市公安局", [("市交通运输局", "lead"), ("市公安局", "support")]),
])
def test_role_in_parentheses_after_a_unit(text, expected):
    assert roles(text) == expected


def test_deng_closing_a_list_is_not_part_of_a_name():
    assert roles("省通信管理局牵头,省经信厅、省发展改革委等按职责分工负责") == [
        ("省通信管理局", "lead"), ("省经信厅", "support"), ("省发展改革委", "support")]


def test_local_governments_fuze_luoshi_stay_one_unit():
    assert roles("省农业农村厅牵头,各市、县(市、区)政府负责落实") == [
        ("省农业农村厅", "lead"), ("各市、县(市、区)政府", "support")]


def test_bracketed_labels_after_a_task():
    got = document("1.发展跨境电子商务。【牵头单位】省商务厅【配合单位】杭州海关、宁波海关\n"
                   "2.推进城市更新。\n【责任单位】省建设厅\n")
    assert got["1."] == [("省商务厅", "lead"), ("杭州海关", "support"), ("宁波海关", "support")]
    assert got["2."] == [("省建设厅", "lead")]


def test_offsets_still_point_at_the_names():
    text = "某某省2024年工作要点\n\n一、总体任务\n1.推进城市更新。(责任单位:省建设厅(牵头),省财政厅等)\n"
    doc = Extractor().extract(text)
    for a in doc.items[0].clauses[0].assignments:
        assert text[a.start:a.end] == a.name


def test_group_headings_between_sections_and_tasks_end_the_task_before():
    # 一、 → (一) group title → 1. task: "(二)…" is not text of task 2.
    doc = Extractor().extract(
        "某某省2024年工作要点\n\n一、优化营商环境\n(一)深化审批改革。\n"
        "1.推行告知承诺制。(省司法厅牵头)\n2.推进一件事一次办。(省政务办牵头)\n"
        "(二)加强事中事后监管。\n3.健全监管机制。(省市场监管局牵头)\n")
    assert [item.label for item in doc.items] == ["1.", "2.", "3."]
    second = doc.items[1]
    assert "加强事中事后监管" not in doc.text[second.start:second.end]
    assert [len(item.clauses) for item in doc.items] == [1, 1, 1]
    assert not [w for w in doc.warnings if w.code == "no_attribution"]


def test_implementer_rule_without_the_word_task():
    doc = Extractor().extract(
        "某某省2024年工作要点\n\n一、总体任务\n"
        "1.推行告知承诺制。(责任单位:省司法厅、省政务办,各设区市人民政府。以下均需各设区市人民政府落实,不再列出)\n"
        "2.推进一件事一次办。(省政务办牵头)\n3.所有新建建筑均需按照绿色建筑标准实施。(省建设厅牵头)\n")
    assert [[a.name for a in item.implementers] for item in doc.items] == [["各设区市人民政府"]] * 3
    assert [(a.name, a.role.value) for a in doc.items[0].clauses[0].assignments] == [
        ("省司法厅", "co_responsible"), ("省政务办", "co_responsible"), ("各设区市人民政府", "co_responsible")]


def test_attribution_after_a_full_stop_closes_its_clause_even_when_text_follows():
    # The State Council's style: 工程。(X等按职责分工负责)制定…。(Y牵头)
    doc = Extractor().extract(
        "国务院关于落实重点工作分工的意见\n\n一、产业体系\n"
        "(一)培育新兴产业。实施产业创新工程。(国家发展改革委、工业和信息化部等按职责分工负责,排在第一位的为牵头单位,下同)"
        "制定未来产业发展规划。(工业和信息化部牵头)\n")
    clauses = doc.items[0].clauses
    assert [c.text for c in clauses] == ["培育新兴产业。实施产业创新工程。", "制定未来产业发展规划。"]
    assert [[(a.name, a.role.value) for a in c.assignments] for c in clauses] == [
        [("国家发展改革委", "lead"), ("工业和信息化部", "support")], [("工业和信息化部", "lead")]]
    assert not doc.warnings


@pytest.mark.parametrize("heading,title,issuer_name,issuer", [
    ("国务院关于落实《政府工作报告》重点工作分工的意见", "国务院关于落实《政府工作报告》重点工作分工的意见", "国务院",
     "cn-state-council"),
    ("某某省人民政府办公厅关于印发《2024年政府工作报告》重点工作责任分工方案的通知",
     "《2024年政府工作报告》重点工作责任分工方案", "某某省人民政府办公厅", None),
    ("关于印发《江苏省2024年深化“放管服”改革工作要点》的通知", "江苏省2024年深化“放管服”改革工作要点", None, None),
    ("浙江省发展和改革委员会关于印发《2023年浙江省新型城镇化和城乡融合发展工作要点》的通知",
     "2023年浙江省新型城镇化和城乡融合发展工作要点", "浙江省发展和改革委员会", "zj-drc"),
])
def test_title_and_issuer_from_the_heading(heading, title, issuer_name, issuer):
    doc = Extractor().extract(f"{heading}\n\n一、总体任务\n1.推进城市更新。(省建设厅牵头)\n")
    assert (doc.document.title, doc.document.issuer_name, doc.document.issuer) == (title, issuer_name, issuer)


def test_a_sentence_that_is_an_attribution():
    text = ("某市2024年生态环境保护工作要点\n\n1.加强生态保护修复。由市自然资源和规划局牵头,市林业局、市水利局配合。\n"
            "2.建立由省发展改革委牵头的联席会议制度。(省发展改革委牵头)\n")
    doc = Extractor().extract(text)
    first, second = doc.items
    assert [c.text for c in first.clauses] == ["加强生态保护修复。"]
    assert [(a.name, a.role.value, text[a.start:a.end]) for a in first.clauses[0].assignments] == [
        ("市自然资源和规划局", "lead", "市自然资源和规划局"), ("市林业局", "support", "市林业局"),
        ("市水利局", "support", "市水利局")]
    # a sentence about a lead is not an attribution: only the parenthesis is
    assert [c.text for c in second.clauses] == ["建立由省发展改革委牵头的联席会议制度。"]


def test_joint_leads_and_deng_di():
    assert roles("市农业农村局、市住建局共同牵头;各区县(市)政府负责落实") == [
        ("市农业农村局", "lead"), ("市住建局", "lead"), ("各区县(市)政府", "support")]
    assert roles("市农业农村局牵头,余姚市、慈溪市、宁海县等地参与") == [
        ("市农业农村局", "lead"), ("余姚市", "support"), ("慈溪市", "support"), ("宁海县", "support")]


def test_a_unit_with_two_plaques_is_named_by_the_first():
    assert roles("市市场监管局(市知识产权局)牵头,市中级法院、市检察院配合") == [
        ("市市场监管局", "lead"), ("市中级法院", "support"), ("市检察院", "support")]
    # a parenthesis that is part of the name stays
    assert roles("各市、县(市、区)发展改革委(局)负责") == [("各市、县(市、区)发展改革委(局)", "lead")]


def test_a_departments_own_divisions_are_units():
    # a department's own plan names its divisions (处室)
    assert roles("厅房地产市场监管处、厅计划财务处") == [
        ("厅房地产市场监管处", "co_responsible"), ("厅计划财务处", "co_responsible")]
    from fengong.unit_types import classify
    assert classify("厅房地产市场监管处") == ("government_department", "mixed")
    assert roles("厅里研究") == []


@pytest.mark.parametrize("text,expected", [
    # X会同Y: X leads, Y works with it (由 before the lead is not part of its name)
    ("市发改委会同市财政局、市住建局等部门负责", [("市发改委", "lead"), ("市财政局", "support"), ("市住建局", "support")]),
    ("由省发展改革委会同省财政厅按职责分工负责", [("省发展改革委", "lead"), ("省财政厅", "support")]),
    # the unit said to be responsible beside one marked 配合 leads ...
    ("市公安局具体负责，市交通运输局配合", [("市公安局", "lead"), ("市交通运输局", "support")]),
    ("责任单位：省发展改革委、省财政厅；配合单位：省建设厅",
     [("省发展改革委", "lead"), ("省财政厅", "lead"), ("省建设厅", "support")]),
    # ... but 按职责分工负责 with no lead still shares the task
    ("省委组织部、省人力社保厅按职责分工负责；各市政府具体落实",
     [("省委组织部", "co_responsible"), ("省人力社保厅", "co_responsible"), ("各市政府", "co_responsible")]),
    # roles said with 为
    ("省教育厅为牵头单位，省财政厅为配合单位", [("省教育厅", "lead"), ("省财政厅", "support")]),
    # 分别牵头 / 联合牵头: each of them leads
    ("省自然资源厅、省建设厅分别牵头", [("省自然资源厅", "lead"), ("省建设厅", "lead")]),
    ("省发展改革委联合省财政厅牵头", [("省发展改革委", "lead"), ("省财政厅", "lead")]),
    # short and further labels
    ("牵头：省教育厅；配合：省财政厅、省人力社保厅",
     [("省教育厅", "lead"), ("省财政厅", "support"), ("省人力社保厅", "support")]),
    ("主责单位：省商务厅 协同单位：省发展改革委、省财政厅",
     [("省商务厅", "lead"), ("省发展改革委", "support"), ("省财政厅", "support")]),
    # a closing parenthesis naming the lead of the list before it
    ("省卫生健康委、省医保局、省药监局（省卫生健康委牵头）",
     [("省卫生健康委", "lead"), ("省医保局", "support"), ("省药监局", "support")]),
    ("省委宣传部、省委网信办（省委宣传部为牵头单位）", [("省委宣传部", "lead"), ("省委网信办", "support")]),
    # offices and bodies with a jurisdiction in front
    ("市委督查室、市政府督查室", [("市委督查室", "co_responsible"), ("市政府督查室", "co_responsible")]),
    ("省军区、省供销社按职责分工负责", [("省军区", "co_responsible"), ("省供销社", "co_responsible")]),
])
def test_more_ways_of_saying_who_leads(text, expected):
    assert roles(text) == expected


def test_levels_before_labels_deng_xiangguan_and_deadlines_in_brackets():
    assert roles("市级责任单位：市发改委；县级责任单位：各区县（市）政府") == [
        ("市发改委", "co_responsible"), ("各区县（市）政府", "co_responsible")]
    assert roles("省建设厅牵头，省财政厅等相关部门配合") == [("省建设厅", "lead"), ("省财政厅", "support")]
    parsed = parse_attribution("省建设厅牵头（2024年底）", REG)
    assert [(u.name, u.role.value) for u in parsed.units] == [("省建设厅", "lead")]
    assert parsed.deadline == "2024年底"


def test_a_closing_parenthesis_that_is_a_remark_is_not_a_lead():
    parsed = parse_attribution("省财政厅（省级统筹）", REG)
    assert parsed.units == [] and parsed.leftovers


def test_officials_in_charge_are_people_not_units():
    parsed = parse_attribution("市政府副秘书长张三协调，市发改委牵头", REG)
    assert [(u.name, u.role.value) for u in parsed.units] == [("市发改委", "lead")]
    assert parsed.officials == ["市政府副秘书长张三协调"]
    doc = Extractor().extract("某某市2024年工作要点\n\n一、总体任务\n1.加快轨道交通建设。完成投资100亿元。\n"
                              "责任领导：张三\n责任单位：市发改委、市交通运输局\n完成时限：2024年12月底前\n")
    (clause,) = doc.items[0].clauses
    assert [(a.name, a.role.value) for a in clause.assignments] == [
        ("市发改委", "co_responsible"), ("市交通运输局", "co_responsible")]
    assert clause.text == "加快轨道交通建设。完成投资100亿元。" and clause.deadline == "2024年12月底前"
    assert [w.code for w in doc.warnings if w.code == "official_not_a_unit"] == ["official_not_a_unit"]
    assert "张三" in next(w.message for w in doc.warnings if w.code == "official_not_a_unit")


def test_remarks_ending_like_offices_are_not_units():
    from fengong.unit_types import looks_like_unit
    assert not looks_like_unit("省级平台") and not looks_like_unit("市级合作社")
    assert roles("省级平台") == []


def test_sections_without_numbered_tasks_keep_their_attributions():
    doc = Extractor().extract(
        "某某市2024年城市管理工作要点\n\n一、提升城市精细化管理水平\n"
        "一是深化“一网统管”建设，新增应用场景20个（市城管局牵头，市大数据局配合）；二是推进垃圾分类"
        "（市城管局负责）；三是整治背街小巷100条（各区政府负责）。\n"
        "二、加强市政设施建设\n1．改造雨污管网50公里。（市住建局牵头，市水务局配合）\n"
        "2．新建停车位5000个。（市城管局、市公安局，列第一位的为牵头单位）\n"
        "三、强化保障\n（1）加强组织领导。（市城管委办公室）\n（2）强化考核评价。\n"
        "四、工作要求\n各区要高度重视，抓好落实（各区政府负责）。\n本要点由市城管委办公室负责解释。\n")
    got = [(i.label, i.section, [(a.name, a.role.value) for c in i.clauses for a in c.assignments]) for i in doc.items]
    assert got == [
        ("一是", 1, [("市城管局", "lead"), ("市大数据局", "support")]),
        ("二是", 1, [("市城管局", "lead")]),
        ("三是", 1, [("各区政府", "lead")]),
        ("1．", 2, [("市住建局", "lead"), ("市水务局", "support")]),
        ("2．", 2, [("市城管局", "lead"), ("市公安局", "support")]),
        ("（1）", 3, [("市城管委办公室", "lead")]),
        ("（2）", 3, []),
        ("第1段", 4, [("各区政府", "lead")]),
    ]
    assert [i.title for i in doc.items[:3]] == ["深化“一网统管”建设，新增应用场景20个", "推进垃圾分类", "整治背街小巷100条"]
    # a section of guiding text with no attribution has no tasks, even with headings of its own
    plain = Extractor().extract("某某市2024年工作要点\n\n一、总体要求\n坚持稳中求进。\n（一）指导思想\n以人为本。\n"
                                "二、重点任务\n（一）城市更新\n1．推进更新。（市住建局负责）\n")
    assert [i.label for i in plain.items] == ["1．"]


def test_divisions_named_as_units_are_their_governments():
    """锦江区, 锦江区人民政府 and 成都市锦江区 are one unit, the district's government, known
    from the division list (id gov-<GB/T 2260 code>) and linked to its region."""
    from rdflib import Literal
    from rdflib.namespace import DCTERMS, SKOS

    from fengong.rdf import build_graph, department_iri, region_iri, validate

    doc = Extractor().extract(
        "成都市2024年城市更新工作要点\n\n一、总体任务\n"
        "1.改造老旧小区500个。（市住建局牵头，锦江区、成都市青羊区、成华区政府负责）\n"
        "2.完善城市路网。（市政府、锦江区人民政府）\n")
    ids = {a.name: a.department for item in doc.items for c in item.clauses for a in c.assignments}
    assert ids["锦江区"] == ids["锦江区人民政府"] == "gov-510104"
    assert ids["成都市青羊区"] == "gov-510105" and ids["成华区政府"] == "gov-510108"
    assert ids["市政府"] == "gov-510100"  # the city's own government, from the document's jurisdiction
    assert ids["市住建局"].startswith("x-")  # a department the registry does not know stays unregistered
    assert not [w for w in doc.warnings if "锦江区" in w.message]
    graph = build_graph([doc], REG)
    node = department_iri("gov-510104")
    assert (node, DCTERMS.spatial, region_iri("510104")) in graph
    assert (node, SKOS.prefLabel, Literal("成都市锦江区人民政府", lang="zh")) in graph
    assert validate(graph)[0]


@pytest.mark.parametrize("text,expected", [
    # units separated by spaces or slashes, as tables and PDFs write them
    ("市发改委 市财政局 市住建局", [("市发改委", "co_responsible"), ("市财政局", "co_responsible"), ("市住建局", "co_responsible")]),
    ("市发改委/市财政局", [("市发改委", "co_responsible"), ("市财政局", "co_responsible")]),
    ("牵头单位：市发改委 配合单位：市财政局 市住建局", [("市发改委", "lead"), ("市财政局", "support"), ("市住建局", "support")]),
    ("省建设厅牵头 省财政厅配合", [("省建设厅", "lead"), ("省财政厅", "support")]),
    # a place and a bare department word are one name
    ("浙江省 发展改革委", [("浙江省 发展改革委", "lead")]),
])
def test_units_separated_by_spaces(text, expected):
    assert roles(text) == expected


def test_a_plan_without_numbered_headings():
    text = ("某县2024年乡村振兴重点工作安排\n\n为做好今年乡村振兴工作，现将重点工作安排如下。\n\n"
            "全年粮食播种面积稳定在30万亩以上（县农业农村局牵头，各乡镇负责）。\n"
            "一是推进高标准农田建设，新建高标准农田2万亩（县农业农村局负责）；二是推进农村人居环境整治"
            "（县住建局牵头，县生态环境分局配合）。\n各乡镇要高度重视，切实抓好落实。\n")
    doc = Extractor().extract(text)
    got = [(i.label, [(a.name, a.role.value) for c in i.clauses for a in c.assignments]) for i in doc.items]
    assert got == [("第2段", [("县农业农村局", "lead"), ("各乡镇", "support")]),
                   ("一是", [("县农业农村局", "lead")]),
                   ("二是", [("县住建局", "lead"), ("县生态环境分局", "support")])]
    # a task in running text ends with its paragraph: the closing exhortation is no clause of it
    assert doc.items[-1].end <= text.index("各乡镇要高度重视")
    assert not [w for w in doc.warnings if w.code == "no_attribution"]
    assert doc.document.title == "某县2024年乡村振兴重点工作安排"


def test_an_attribution_before_the_task_text_owns_the_task():
    text = ("某市2024年工作要点\n\n一、重点任务\n1.【市发改委牵头】推进重大项目建设，完成投资100亿元。\n"
            "2.（责任单位：市住建局）推进老旧小区改造。\n3.（市交通局牵头）推进路网建设（市公安局负责）。\n")
    doc = Extractor().extract(text)
    first, second, third = doc.items
    assert [(c.text, [(a.name, a.role.value) for a in c.assignments]) for c in first.clauses] == [
        ("推进重大项目建设，完成投资100亿元。", [("市发改委", "lead")])]
    assert first.title == "推进重大项目建设，完成投资100亿元" and [t.text for t in first.targets] == ["完成投资100亿元"]
    assert [(a.name, a.role.value) for a in second.clauses[0].assignments] == [("市住建局", "lead")]
    assert second.title == "推进老旧小区改造"
    for item in (first, second):
        a = item.clauses[0].assignments[0]
        assert text[a.start:a.end] == a.name
    # with an attribution of its own at the end as well, which one owns what is not clear: reported
    assert [(a.name, a.role.value) for c in third.clauses for a in c.assignments] == [("市公安局", "lead")]
    assert any(w.code == "suspicious_parenthesis" and "市交通局牵头" in w.message for w in doc.warnings)


def test_short_and_official_department_words_are_one_unit():
    """广州市发改委 in one plan and 广州市发展和改革委员会 in another are one department,
    though the registry does not list Guangzhou's departments."""
    first = Extractor().extract("广州市2024年工作要点\n\n一、重点任务\n1.推进更新。（市发改委牵头，市住建局配合）\n")
    second = Extractor().extract("广州市2023年工作要点\n\n一、重点任务\n"
                                 "1.推进更新。（市发展和改革委员会牵头，市住房城乡建设局配合）\n")
    ids = [[a.department for a in doc.items[0].clauses[0].assignments] for doc in (first, second)]
    assert ids[0] == ids[1] and all(i.startswith("x-") for i in ids[0])
    # registered units are found under their short forms too
    assert REG.resolve("省住房城乡建设厅").id == REG.resolve("浙江省住房和城乡建设厅").id == "zj-housing"


def test_unregistered_units_are_labelled_with_their_jurisdiction():
    """市发改委 of Chengdu and of Guangzhou are two units; each is labelled with its city."""
    from rdflib import Literal
    from rdflib.namespace import SKOS

    from fengong.rdf import build_graph, department_iri

    chengdu = Extractor().extract("成都市2024年工作要点\n\n一、重点任务\n1.推进更新。（市发改委牵头）\n")
    guangzhou = Extractor().extract("广州市2024年工作要点\n\n一、重点任务\n1.推进振兴。（市发改委牵头）\n")
    (a,), (b,) = (doc.items[0].clauses[0].assignments for doc in (chengdu, guangzhou))
    assert a.department != b.department
    graph = build_graph([chengdu, guangzhou], REG)
    assert graph.value(department_iri(a.department), SKOS.prefLabel) == Literal("成都市发改委", lang="zh")
    assert (department_iri(b.department), SKOS.altLabel, Literal("市发改委", lang="zh")) in graph


def test_labels_followed_by_a_space():
    """牵头单位 市发改委 (a table's cells copied into text) reads like 牵头单位：市发改委."""
    got = document("1.推进更新。\n牵头单位 市发改委\n配合单位 市财政局、市住建局\n完成时限 2024年底\n2.推进振兴。（市农业农村局负责）\n")
    assert got["1."] == [("市发改委", "lead"), ("市财政局", "support"), ("市住建局", "support")]
    assert got["2."] == [("市农业农村局", "lead")]


def test_an_attribution_closing_the_heading_line_owns_the_paragraphs_below():
    text = ("某省2024年工作要点\n\n一、重点任务\n（一）推进城市更新（省建设厅牵头，省财政厅配合）\n"
            "实施老旧小区改造500个，推进城中村改造。\n（二）推进乡村振兴\n建设高标准农田10万亩（省农业农村厅负责）。\n")
    doc = Extractor().extract(text)
    first, second = doc.items
    (clause,) = first.clauses
    assert [(a.name, a.role.value) for a in clause.assignments] == [("省建设厅", "lead"), ("省财政厅", "support")]
    assert clause.text.endswith("推进城中村改造。") and text[clause.start:clause.end] == clause.text
    assert first.title == "推进城市更新" and [t.text for t in first.targets] == ["老旧小区改造500个"]
    assert not [w for w in doc.warnings if w.code == "no_attribution"]
    assert [(a.name, a.role.value) for c in second.clauses for a in c.assignments] == [("省农业农村厅", "lead")]
