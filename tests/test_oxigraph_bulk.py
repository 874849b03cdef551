"""The two write paths of the Oxigraph store give the same store.

``add_prepared(batch, bulk=True)`` sends a batch of new documents through Oxigraph's bulk
loader; batches that replace documents, and ``bulk=False``, go through one SPARQL update.
Whatever the path, the quads must be the same, registry lines are sent once per store
object, and a document replaced through the bulk option is replaced, not doubled.
(Killing an ingest during bulk loads: tests/test_cli_store.py and tests/test_faults.py.)
"""

from __future__ import annotations

import dataclasses

import pytest

from fengong.rdf import DEFAULT_BASE
from fengong.store.oxigraph import OxigraphStore, prepare


def variant(doc, k: int, title_suffix: str = ""):
    """The sample under another id (and, optionally, a title holding odd characters)."""
    meta = dataclasses.replace(doc.document, id=f"{doc.id}-v{k}", title=doc.document.title + title_suffix)
    return dataclasses.replace(doc, document=meta)


def quads(store: OxigraphStore) -> set[str]:
    return set(store.dump("nquads").decode("utf-8").splitlines())


@pytest.fixture()
def docs(sample_doc):
    # U+2028 and U+0085 are line breaks for str.splitlines() but plain characters in N-Triples
    return [variant(sample_doc, 1, " \u2028第二行\x85"), variant(sample_doc, 2)]


def test_bulk_and_transaction_give_the_same_quads(tmp_path, docs):
    bulk = OxigraphStore(tmp_path / "bulk")
    transactional = OxigraphStore(tmp_path / "transactional")
    reference = OxigraphStore()  # in memory, through add_documents
    try:
        for doc in docs:  # one batch each: the second sends only the registry lines not sent yet
            bulk.add_prepared(prepare([doc], DEFAULT_BASE), bulk=True)
            transactional.add_prepared(prepare([doc], DEFAULT_BASE), bulk=False)
        reference.add_documents(docs)
        assert quads(bulk) == quads(transactional) == quads(reference)
        assert bulk.document_ids() == sorted(d.id for d in docs)
        titles = {str(r["t"]) for r in bulk.select(
            "SELECT ?t WHERE { ?d a <https://w3id.org/fengong/ns#WorkPlan> ; "
            "<http://purl.org/dc/terms/title> ?t }")}
        assert docs[0].document.title in titles
    finally:
        for store in (bulk, transactional, reference):
            store.close()


def test_replacing_through_the_bulk_option_replaces(tmp_path, docs, sample_doc):
    store = OxigraphStore(tmp_path / "store")
    reference = OxigraphStore()
    try:
        store.add_prepared(prepare(docs, DEFAULT_BASE), bulk=True)
        # the same documents again, the first one edited: existing graphs take the
        # transactional path, which drops them first
        edited = variant(sample_doc, 1)
        store.add_prepared(prepare([edited, docs[1]], DEFAULT_BASE), bulk=True)
        reference.add_documents([edited, docs[1]])
        assert quads(store) == quads(reference)
        assert not any("第二行" in line for line in quads(store))
    finally:
        store.close()
        reference.close()


def test_a_fresh_store_object_sends_the_registry_again(tmp_path, docs):
    path = tmp_path / "store"
    first = OxigraphStore(path)
    first.add_prepared(prepare(docs[:1], DEFAULT_BASE), bulk=True)
    first.replace_all([])  # drops everything, the registry graph included
    first.add_prepared(prepare(docs[:1], DEFAULT_BASE), bulk=True)
    held = quads(first)
    first.close()
    reference = OxigraphStore()
    reference.add_documents(docs[:1])
    try:
        assert held == quads(reference)
    finally:
        reference.close()
