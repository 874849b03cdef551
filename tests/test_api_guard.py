"""fengong.sparql_guard: refusals are exact — keywords count only where they are keywords."""

from __future__ import annotations

import pytest

from fengong import sparql_lexer
from fengong.sparql_guard import CheckedQuery, QueryRefused, check_query
from fengong.store import QueryError
from fengong.store.ntriples import check_read_query, where_position


ALLOWED = [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("select * { ?s ?p ?o }", "SELECT"),
    ("PREFIX ex: <http://x/> BASE <http://y/> ASK { ex:a ex:b ex:c }", "ASK"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", "CONSTRUCT"),
    ("DESCRIBE <http://x/insert>", "DESCRIBE"),
    # keywords inside IRIs, strings, comments, variables and prefixed names are not keywords
    ("PREFIX insert: <http://x/SERVICE#> SELECT ?from ?service WHERE { ?from insert:load ?service }", "SELECT"),
    ("SELECT * WHERE { ?s ?p \"INSERT DATA { <a> <b> <c> }\" } # DROP ALL", "SELECT"),
    ("SELECT * WHERE { ?s ?p '''SERVICE\n<http://127.0.0.1/> FROM <x>''' }", "SELECT"),
    ("SELECT * WHERE { ?s <http://x/FROM> ?o . FILTER(?o < 3 && ?o >= 1) }", "SELECT"),
    ("SELECT * WHERE { ?s ?p \"quote \\\" LOAD\" }", "SELECT"),
    ("SELECT * WHERE { ?s ?p ?o } VALUES ?s { <http://x/delete> }", "SELECT"),
]


@pytest.mark.parametrize("query,form", ALLOWED)
def test_allowed(query, form):
    checked = check_query(query)
    assert isinstance(checked, CheckedQuery) and checked.form == form


REFUSED = [
    ("INSERT DATA { <a:a> <a:b> <a:c> }", "INSERT"),
    ("  delete where { ?s ?p ?o }", "DELETE"),
    ("PREFIX : <http://x/> WITH :g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
    ("LOAD <http://127.0.0.1:1/>", "LOAD"),
    ("CLEAR ALL", "CLEAR"), ("DROP SILENT ALL", "DROP"), ("CREATE GRAPH <a:g>", "CREATE"),
    ("ADD <a:x> TO <a:y>", "ADD"), ("MOVE <a:x> TO <a:y>", "MOVE"), ("COPY <a:x> TO <a:y>", "COPY"),
    ("SELECT * WHERE { ?s ?p ?o } ; INSERT DATA { <a:a> <a:b> <a:c> }", "INSERT"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { sErViCe SILENT ?endpoint { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { SER\\u0056ICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * FROM <http://127.0.0.1:1/> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <http://127.0.0.1:1/> WHERE { ?s ?p ?o }", "FROM NAMED"),
    ("ASK FROM <file:///etc/passwd> { ?s ?p ?o }", "FROM"),
    ("SELECT * \\u0046ROM <http://127.0.0.1:1/> { ?s ?p ?o }", "FROM"),
]


@pytest.mark.parametrize("query,word", REFUSED)
def test_refused(query, word):
    with pytest.raises(QueryRefused) as refused:
        check_query(query)
    assert word.split()[0] in str(refused.value)
    assert isinstance(refused.value, QueryError)  # the API answers 400


@pytest.mark.parametrize("query", ["", "   ", "WHATEVER", "{ ?s ?p ?o }", "\x00ASK {}"])
def test_malformed(query):
    with pytest.raises(QueryError):
        check_query(query)


def test_length_limit():
    with pytest.raises(QueryError, match="too long"):
        check_query("ASK { ?s ?p ?o } #" + "x" * 200_000)


# The stores check every query they run (updates, SERVICE) with the same lexer as the
# endpoint's guard: they must agree on what is a keyword.
@pytest.mark.parametrize("query,form", ALLOWED)
def test_store_check_agrees_on_allowed(query, form):
    assert check_read_query(query) == form


@pytest.mark.parametrize("query,word", [(q, w) for q, w in REFUSED if not w.startswith("FROM")])
def test_store_check_agrees_on_refused(query, word):
    with pytest.raises(QueryError):
        check_read_query(query)


def test_where_group_is_found_past_braces_in_strings_iris_and_comments():
    query = 'CONSTRUCT { ?s <a:p> "{" } WHERE # {\n { ?s <a:q> "}" }'
    at = where_position(query)
    assert query[at - 1] == "{" and query[at:].startswith(' ?s <a:q> "}"')


def test_strict_lexing_names_the_character():
    with pytest.raises(sparql_lexer.UnexpectedCharacter) as bad:
        list(sparql_lexer.tokens("ASK { ?s ?p ~ }", strict=True))
    assert bad.value.offset == 12
    assert [t.kind for t in sparql_lexer.tokens("ASK { ?s ?p ~ }")][-2:] == ["other", "op"]
