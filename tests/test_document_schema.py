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
