"""Hostile uploads to the write API: each a clear 4xx problem, the store unchanged.

Oversized documents (the limit is a setting: ``FENGONG_MAX_UPLOAD``), zip bombs disguised
as .docx (by ratio, by lying sizes, by overlapping entries), binary garbage, wrong
extensions, JSON built to blow the parser's stack, and "10,000 tiny documents", decided
here as both of the ways they can come:

- in one request (a multipart form with 10,000 file parts): refused whole with 400 before
  any of it is read (the form parser's limit of 1,000 parts);
- as 10,000 requests from one client: the write rate limit (``FENGONG_WRITE_RATE`` per
  client per minute) accepts the first ones and answers 429 with ``Retry-After`` to the
  rest without reading them; the store then holds exactly the documents that got 201.

"Unchanged" is checked as the document ids, the number of triples and the number of quads.
"""

from __future__ import annotations

import asyncio
import io
import random
import struct
import zipfile

import httpx
import pytest
from fastapi.testclient import TestClient

TOKEN = "upload-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROBLEM = "application/problem+json"
LIMIT = 2 * 1024 * 1024


def tiny_plan(k: int) -> str:
    return (f"示例工作要点第{k}号\n\n浙建〔2024〕{k}号\n\n一、总体\n"
            f"(一)建设绿道。新建绿道{100 + k}公里以上(省建设厅)。\n"
            f"(二)改造小区。改造老旧小区{k}个(省建设厅牵头,省财政厅按职责分工负责)。\n")


def make_app(**settings):
    from fengong.api.app import create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    store = open_store("oxigraph")
    settings = {"write_tokens": [TOKEN], "max_upload_bytes": LIMIT, "write_rate": 0, **settings}
    return create_app(Settings(**settings), store), store


@pytest.fixture(scope="module")
def app_store(sample_doc):
    from fengong.api.app import close

    app, store = make_app()
    store.add_documents([sample_doc])
    yield app, store
    close(app)


@pytest.fixture(scope="module")
def client(app_store):
    with TestClient(app_store[0]) as c:
        yield c


def state(store) -> tuple[list[str], int, int]:
    return store.document_ids(), store.count((None, None, None)), len(store)


def assert_problem(response, statuses) -> dict:
    statuses = {statuses} if isinstance(statuses, int) else set(statuses)
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith(PROBLEM), response.text[:300]
    body = response.json()
    assert body["status"] == response.status_code and body["title"] and body["detail"]
    return body


def upload(client, name: str, data: bytes, media: str = "application/octet-stream"):
    return client.post("/api/v1/documents", files={"file": (name, data, media)}, headers=AUTH)


# --- documents built to hurt ---------------------------------------------------------------------

DOCX_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
              b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(document_xml: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", DOCX_TYPES)
        z.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def paragraph_xml(text: str, repeat: int = 1) -> bytes:
    para = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()
    return b"<w:document " + W + b"><w:body>" + para * repeat + b"</w:body></w:document>"


def ratio_bomb() -> bytes:
    """A well-formed .docx whose document.xml expands 1,000-fold (50 MB from ~50 kB)."""
    return docx(b"<w:document " + W + b"><w:body><w:p><w:r><w:t>" + b"a" * 50_000_000
                + b"</w:t></w:r></w:p></w:body></w:document>")


def lying_bomb() -> bytes:
    """The ratio bomb with its declared uncompressed sizes rewritten to look harmless."""
    data = bytearray(ratio_bomb())
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = z.getinfo("word/document.xml")
    small = info.compress_size * 2
    # local file header: uncompressed size at offset 22
    struct.pack_into("<I", data, info.header_offset + 22, small)
    # central directory entry: find it by its signature and name
    name = info.filename.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + name_len]) == name:
            struct.pack_into("<I", data, at + 24, small)
            break
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def overlapping_bomb(entries: int = 2000) -> bytes:
    """Many central-directory entries pointing at the same compressed data (a non-recursive
    zip bomb after D. Fifield): small on disk, huge once every entry is read."""
    payload = b"<w:document " + W + b"><w:body>" + b"<w:p/>" * 200_000 + b"</w:body></w:document>"
    base = docx(payload)
    z = zipfile.ZipFile(io.BytesIO(base))
    info = z.getinfo("word/document.xml")
    data = bytearray(base[:base.find(b"PK\x01\x02")])
    central = base[base.find(b"PK\x01\x02"):base.find(b"PK\x05\x06")]
    records = [central]
    # copy the document.xml record with new names, same local header offset
    start = central.find(b"word/document.xml") - 46
    record = central[start:start + 46 + len("word/document.xml")]
    for k in range(entries):
        name = f"word/media/copy{k:05d}.xml".encode()
        copy = bytearray(record[:46]) + name
        struct.pack_into("<HHH", copy, 28, len(name), 0, 0)  # name, extra field and comment lengths
        records.append(bytes(copy))
    body = b"".join(records)
    end = bytearray(base[base.find(b"PK\x05\x06"):])
    total = len(z.infolist()) + entries
    struct.pack_into("<H", end, 8, total)
    struct.pack_into("<H", end, 10, total)
    struct.pack_into("<I", end, 12, len(body))
    struct.pack_into("<I", end, 16, len(data))
    assert info.file_size > 1_000_000
    return bytes(data) + body + bytes(end)


def many_entries(n: int = 10_000) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        for k in range(n):
            z.writestr(f"plans/p{k}.txt", tiny_plan(k).encode()[:16])
    return buffer.getvalue()


def garbage(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + garbage(2000, 1)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + garbage(2000, 2)
PDF_GARBAGE = b"%PDF-1.7\n" + garbage(3000, 3)


# --- the tests ---------------------------------------------------------------------------------


def test_oversized_documents_are_413(client, app_store):
    store = app_store[1]
    before = state(store)
    big = ("(一)建设绿道。新建绿道500公里以上(省建设厅)。\n" * 40_000).encode()
    assert len(big) > LIMIT
    responses = [
        client.post("/api/v1/documents", json={"text": big.decode()}, headers=AUTH),
        upload(client, "plan.txt", big, "text/plain"),
        upload(client, "plan.docx", b"PK" + b"\x00" * (LIMIT + 10)),
        # declared larger than the limit: refused on the header, before the body is read
        client.post("/api/v1/documents", content=b"{}", headers={**AUTH, "Content-Type": "application/json",
                                                                   "Content-Length": str(10**12)}),
    ]
    for response in responses[:3]:
        assert assert_problem(response, 413)["type"].endswith("/payload-too-large")
    assert responses[3].status_code in (400, 413)

    # streamed without a Content-Length: cut as soon as it passes the limit
    def chunks():
        for _ in range(2 * LIMIT // 4096 + 10):  # JSON may take twice the text: \uXXXX escapes
            yield b'{"text": "' + b"x" * 4096

    streamed = client.post("/api/v1/documents", content=chunks(), headers={**AUTH, "Content-Type": "application/json"})
    assert_problem(streamed, 413)
    assert state(store) == before


def test_the_limit_is_a_setting(monkeypatch):
    from fengong.api.app import close
    from fengong.api.settings import Settings

    monkeypatch.setenv("FENGONG_MAX_UPLOAD", "2000")
    assert Settings().max_upload_bytes == 2000
    plan = tiny_plan(1).encode()
    padded = plan + b"\n" * (2000 - len(plan))  # exactly the limit: accepted
    for limit, expected in ((2000, {"padded": 201, "over": 413}), (4000, {"padded": 201, "over": 201})):
        monkeypatch.setenv("FENGONG_MAX_UPLOAD", str(limit))
        from fengong.store import open_store

        store = open_store("oxigraph")
        app = None
        try:
            from fengong.api.app import create_app

            app = create_app(Settings(write_tokens=[TOKEN], write_rate=0), store)
            with TestClient(app) as c:
                assert upload(c, "plan.txt", padded, "text/plain").status_code == expected["padded"]
                over = upload(c, "plan2.txt", tiny_plan(2).encode() + b"\n" * 2000, "text/plain")
                assert over.status_code == expected["over"], over.text
        finally:
            if app is not None:
                close(app)


@pytest.mark.parametrize("name,build", [
    ("ratio-bomb.docx", ratio_bomb),
    ("lying-bomb.docx", lying_bomb),
    ("overlapping-bomb.docx", overlapping_bomb),
    ("ten-thousand-entries.docx", many_entries),
    ("bomb-without-extension", ratio_bomb),
], ids=["ratio", "lying-sizes", "overlapping-entries", "10000-entries", "sniffed-as-zip"])
def test_zip_bombs_disguised_as_docx_are_refused(client, app_store, name, build):
    store = app_store[1]
    data = build()
    assert len(data) < LIMIT, len(data)  # small on the wire: only expansion could hurt
    before = state(store)
    response = upload(client, name, data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    body = assert_problem(response, 422)
    assert body["type"].endswith("/unreadable-document")
    assert state(store) == before


@pytest.mark.parametrize("name,data,media", [
    ("garbage.txt", garbage(6000, 10), "text/plain"),
    ("garbage.docx", garbage(6000, 11), "application/octet-stream"),
    ("garbage.pdf", garbage(6000, 12), "application/pdf"),
    ("garbage.html", garbage(6000, 13), "text/html"),
    ("garbage", garbage(6000, 14), "application/octet-stream"),
    ("", garbage(6000, 15), "application/octet-stream"),
    ("nul.txt", b"\x00" * 5000, "text/plain"),
    ("gb18030-noise.txt", bytes(range(0x81, 0xff)) * 40, "text/plain"),
    ("empty.txt", b"", "text/plain"),
    ("spaces.txt", b" \n\t " * 100, "text/plain"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None)
def test_binary_garbage_is_refused(client, app_store, name, data, media):
    store = app_store[1]
    before = state(store)
    response = client.post("/api/v1/documents", files={"file": (name, data, media)}, headers=AUTH)
    assert_problem(response, 422)
    assert state(store) == before


@pytest.mark.parametrize("name,data", [
    ("plan.txt", PNG),  # an image named as text
    ("plan.html", ELF),  # an executable named as HTML
    ("plan.pdf", docx(paragraph_xml("(一)建设绿道(省建设厅)。"))),  # a Word file named .pdf
    ("plan.docx", PDF_GARBAGE),  # a PDF named .docx
    ("plan.png", tiny_plan(3).encode()),  # a plan named as an image
    ("plan.doc", tiny_plan(4).encode()),  # legacy Word
    ("plan.xlsx", tiny_plan(5).encode()),
    ("plan.zip", many_entries(3)),
])
def test_wrong_extensions_are_refused(client, app_store, name, data):
    store = app_store[1]
    before = state(store)
    assert_problem(upload(client, name, data), 422)
    assert state(store) == before


def test_unknown_extensions_are_refused(client, app_store):
    """A readable plan under a name that is not a document type is refused, not guessed at."""
    store = app_store[1]
    before = state(store)
    for name in ("plan.exe", "plan.js", "plan.svg", "plan.txt.sh", "plan.docx.exe"):
        body = assert_problem(upload(client, name, tiny_plan(6).encode()), 415)
        assert body["type"].endswith("/unsupported-media-type")
    assert state(store) == before


def test_json_built_to_exhaust_the_parser_is_422(client, app_store):
    store = app_store[1]
    before = state(store)
    response = client.post("/api/v1/documents", content=b"[" * 100_000,
                           headers={**AUTH, "Content-Type": "application/json"})
    assert_problem(response, 422)
    assert state(store) == before


def test_several_files_in_one_form_are_refused(client, app_store):
    store = app_store[1]
    before = state(store)
    parts = [("file", (f"p{k}.txt", tiny_plan(k).encode(), "text/plain")) for k in (7, 8)]
    response = client.post("/api/v1/documents", files=parts, headers=AUTH)
    assert_problem(response, 422)
    assert state(store) == before


def test_malformed_multipart_is_refused(client, app_store):
    store = app_store[1]
    before = state(store)
    for content, media in ((b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
                            b"\xff\xfe", "multipart/form-data; boundary=xyz"),
                           (b"not a multipart body at all", "multipart/form-data; boundary=abc"),
                           (b"--a\r\n\r\n", "multipart/form-data")):
        response = client.post("/api/v1/documents", content=content, headers={**AUTH, "Content-Type": media})
        assert_problem(response, (400, 422))
    assert state(store) == before


def test_ten_thousand_tiny_documents_in_one_request(client, app_store):
    store = app_store[1]
    before = state(store)
    # as plans (3 MB in all: past the size limit) and as one-byte files (under it: the form
    # parser refuses more than 1,000 parts)
    plans = [("file", (f"plan{k}.txt", tiny_plan(k).encode(), "text/plain")) for k in range(10_000)]
    assert_problem(client.post("/api/v1/documents", files=plans, headers=AUTH), 413)
    bytes_ = [("file", (f"p{k}.txt", b"x", "text/plain")) for k in range(10_000)]
    body = assert_problem(client.post("/api/v1/documents", files=bytes_, headers=AUTH), 400)
    assert "1000" in body["detail"]
    fields = [(f"f{k}", "x") for k in range(10_000)]
    body = assert_problem(client.post("/api/v1/documents", data=dict(fields),
                                      files={"file": ("plan.txt", tiny_plan(1).encode(), "text/plain")},
                                      headers=AUTH), 400)
    assert "1000" in body["detail"]
    assert state(store) == before


def test_ten_thousand_tiny_documents_one_request_each(sample_doc):
    """The write rate limit answers the flood: the first ``rate`` are taken, the other 9,980
    get 429 with Retry-After without being read, and the store holds exactly what got 201."""
    from fengong.api.app import close
    from fengong.store import open_store

    rate = 20
    app, store = make_app(write_rate=rate)
    store.add_documents([sample_doc])
    before = state(store)

    async def flood():
        statuses: dict[int, int] = {}
        created: list[str] = []
        retry_after: set[str] = set()
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for k in range(10_000):
                response = await http.post("/api/v1/documents", json={"text": tiny_plan(k)}, headers=AUTH)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code == 201:
                    created.append(response.json()["id"])
                elif response.status_code == 429:
                    assert response.headers["content-type"].startswith(PROBLEM)
                    retry_after.add(response.headers["retry-after"])
            # another client is not held back by this one
            other = httpx.ASGITransport(app=app, client=("10.9.9.9", 5555))
            async with httpx.AsyncClient(transport=other, base_url="http://testserver") as http2:
                extra = await http2.post("/api/v1/documents", json={"text": tiny_plan(20_000)}, headers=AUTH)
        return statuses, created, retry_after, extra

    try:
        statuses, created, retry_after, extra = asyncio.run(flood())
        assert statuses == {201: rate, 429: 10_000 - rate}, statuses
        assert all(int(v) >= 1 for v in retry_after)
        assert extra.status_code == 201
        ids, triples, quads = state(store)
        assert ids == sorted({*before[0], *created, extra.json()["id"]})
        # consistent: the same documents added to a fresh store give the same graph
        from fengong.extract import extract_text

        fresh = open_store("oxigraph")
        fresh.add_documents([sample_doc, *(extract_text(tiny_plan(k)) for k in range(rate)),
                             extract_text(tiny_plan(20_000))])
        assert (triples, quads) == (fresh.count((None, None, None)), len(fresh))
    finally:
        close(app)
