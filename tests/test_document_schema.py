"""The document model JSON is a public contract: it validates against the shipped schema
and round-trips through Document.from_dict."""

from __future__ import annotations

import json

import jsonschema

from fengong.model import Document
from fengong.ontology import path


def test_sample_validates(sample_doc):
    schema = json.loads(path("document.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(sample_doc.to_dict(), schema)


def test_round_trip(sample_doc):
    data = json.loads(json.dumps(sample_doc.to_dict(), ensure_ascii=False))
    assert Document.from_dict(data).to_dict() == data


def test_schema_rejects_a_bad_role(sample_doc):
    schema = json.loads(path("document.schema.json").read_text(encoding="utf-8"))
    data = sample_doc.to_dict()
    data["items"][0]["clauses"][0]["assignments"][0]["role"] = "boss"
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("schema accepted an unknown role")


def test_every_warning_the_extractor_gives_is_in_the_schema():
    """Documents of other forms (officials in charge, tasks in running text, leading
    attributions, divisions as units, unregistered and untyped units) validate too."""
    from fengong.extract import Extractor

    schema = json.loads(path("document.schema.json").read_text(encoding="utf-8"))
    doc = Extractor().extract(
        "成都市2024年城市更新工作要点\n\n一、重点任务\n1.【市住建局牵头】改造老旧小区500个。\n"
        "2.完善路网。\n责任领导：张三\n责任单位：锦江区、成华区政府\n3.推进更新（之江实验室、某某某某）。\n"
        "4.强化保障。\n二、工作要求\n一是加强领导（市政府办公厅负责）；二是强化考核。\n")
    codes = {w.code for w in doc.warnings}
    assert {"official_not_a_unit", "unregistered_unit", "no_attribution"} <= codes
    jsonschema.validate(doc.to_dict(), schema)
    assert set(schema["properties"]["warnings"]["items"]["properties"]["code"]["enum"]) >= codes
