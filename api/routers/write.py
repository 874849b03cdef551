"""``POST /api/v1/documents`` and ``DELETE /api/v1/documents/{id}``: other systems add and
remove documents.

Both need ``Authorization: Bearer <token>`` with one of the operator's tokens
(``FENGONG_WRITE_TOKENS``, comma-separated), compared in constant time; with no token
configured, writes are disabled (403). A document is sent as a multipart file upload
(field ``file``: .txt in UTF-8 or GB18030, .html, .docx, .xlsx, .pdf; .doc, .wps, .xls … where
LibreOffice is installed) or as JSON
``{"text": "…", "filename": "…"}``, at most ``FENGONG_MAX_UPLOAD`` bytes (413 beyond).
Extraction runs off the event loop; the document replaces any document with the same id
(idempotent) in one transaction of the store. The answer gives the document id and the
warnings of its extraction (units not in the registry, clauses without a responsible
unit …). Errors are RFC 9457 problem JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from fengong.reading import OFFICE_SUFFIXES

from ..problems import Problem, problem_responses

router = APIRouter(prefix="/api/v1/documents", tags=["write"])

#: Room for the multipart envelope (boundaries, part headers) around the file itself.
MULTIPART_OVERHEAD = 16 * 1024
_REALM = 'Bearer realm="fengong"'

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "required": ["file"],
                           "properties": {"file": {"type": "string", "format": "binary",
                                                   "description": "the document: .txt, .html, .docx, .xlsx or .pdf (.doc, .wps, .xls, .et, .rtf, .odt, .ods through LibreOffice)"}}},
            },
            "application/json": {
                "schema": {"type": "object", "required": ["text"],
                           "properties": {"text": {"type": "string", "description": "the document's text"},
                                          "filename": {"type": "string", "description": "its file name"}}},
                "example": {"text": "(一)建设绿道。新建绿道500公里以上(省建设厅)。", "filename": "plan.txt"},
            },
        },
    },
}
_CREATED = {
    201: {
        "description": "The document was extracted and stored (replacing one with the same id).",
        "content": {"application/json": {"example": {
            "id": "2023-044de8f5", "title": "2023年浙江省新型城镇化和城乡融合发展工作要点",
            "items": 32, "assignments": 106, "replaced": False,
            "warnings": [{"code": "unregistered_unit", "message": "unit … is not in the registry",
                          "start": 120, "line": 9, "column": 40}]}}},
    },
}


def _digest(token: str) -> bytes:
    # Equal-length digests: compare_digest then takes the same time whatever the token.
    return hashlib.sha256(token.encode("utf-8")).digest()


def authorize(request: Request) -> None:
    """Raise 403 when writes are disabled, 401 without a valid bearer token."""
    tokens = [t for t in request.app.state.settings.write_tokens if t]
    if not tokens:
        raise Problem(403, "writes-disabled", "Writes are disabled on this server: the operator has configured "
                      "no write token (FENGONG_WRITE_TOKENS).", title="Writes disabled")
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Problem(401, "unauthorized", "Send the write token as `Authorization: Bearer <token>`.",
                      title="Authentication required", headers={"WWW-Authenticate": _REALM})
    given = _digest(credentials.strip())
    match = False
    for token in tokens:  # no early exit: the time taken does not tell which token matched
        match |= hmac.compare_digest(given, _digest(token))
    if not match:
        raise Problem(401, "unauthorized", "The bearer token is not valid.", title="Authentication required",
                      headers={"WWW-Authenticate": f'{_REALM}, error="invalid_token"'})


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    data = bytes(body)
    request._body = data  # let request.form() / .json() parse what was read
    return data


def _too_large(limit: int) -> Problem:
    return Problem(413, "payload-too-large", f"The upload is larger than this server accepts ({limit:,} bytes "
                   "per document; FENGONG_MAX_UPLOAD).", title="Document too large")


#: File types the reader takes; names without an extension are sniffed.
DOCUMENT_SUFFIXES = ("", ".txt", ".text", ".html", ".htm", ".docx", ".xlsx", ".pdf", *OFFICE_SUFFIXES)
#: Types the reader knows and explains how to convert (a 422 with that advice).
_CONVERTIBLE = (".ofd", ".zip", ".png", ".jpg", ".jpeg", ".gif")


def _check_name(filename: str | None) -> None:
    from pathlib import PurePath

    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES and suffix not in _CONVERTIBLE:
        raise Problem(415, "unsupported-media-type", f"“{filename}” is not a document type fengong reads: "
                      "send .txt, .html, .htm, .docx, .xlsx, .pdf, .doc, .wps, .xls or .et.")


def _unreadable(message: str) -> Problem:
    return Problem(422, "unreadable-document", message, title="Document not readable")


async def _document_source(request: Request) -> tuple[bytes | None, str | None, str | None]:
    """``(bytes, filename, None)`` for an upload, ``(None, filename, text)`` for JSON."""
    limit = request.app.state.settings.max_upload_bytes
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        await _body(request, limit + MULTIPART_OVERHEAD)
        form = await request.form()
        try:
            uploads = form.getlist("file")
            if not uploads or isinstance(uploads[0], str):
                raise _unreadable("The multipart form has no file part named `file`.")
            if len(uploads) > 1:
                raise _unreadable(f"The form holds {len(uploads)} files; send one document per request.")
            upload = uploads[0]
            _check_name(upload.filename)
            data = await upload.read()
        finally:
            await form.close()
        if len(data) > limit:
            raise _too_large(limit)
        return data, upload.filename or None, None
    if media in ("application/json", ""):
        # \uXXXX escapes (json.dumps' default) take 6 bytes where UTF-8 takes 3 for a Chinese
        # character: the body may be twice the text; the text itself is checked below.
        raw = await _body(request, 2 * limit + 1024)
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, nesting
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise _unreadable(f"The body is not valid JSON: {reason}") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
            raise _unreadable('Send JSON like {"text": "…", "filename": "plan.txt"}.')
        filename = payload.get("filename")
        if filename is not None and not isinstance(filename, str):
            raise _unreadable("`filename` must be a string.")
        text = payload["text"]
        if len(text.encode("utf-8")) > limit:
            raise _too_large(limit)
        return None, filename, text
    raise Problem(415, "unsupported-media-type", "Send the document as multipart/form-data (field `file`) "
                  'or as application/json {"text": …, "filename": …}.',
                  headers={"Accept-Post": "multipart/form-data, application/json"})


def _extract(data: bytes | None, filename: str | None, text: str | None):
    from fengong.extract import ExtractionError, extract_bytes, extract_text
    from fengong.reading import ReadError

    try:
        if data is not None:
            return extract_bytes(data, filename)
        return extract_text(text or "", source=filename)
    except (ReadError, ExtractionError) as exc:
        raise _unreadable(str(exc)) from None


_EXISTS = "ASK { ?doc a <https://w3id.org/fengong/ns#WorkPlan> }"


def _store_document(store, doc) -> bool:
    """Add the document; True if it replaced one with the same id."""
    from fengong.rdf import document_iri

    existed = bool(store.query(_EXISTS, {"doc": document_iri(doc.id, store.base)}).boolean)
    try:
        store.add_documents([doc])
    except PermissionError as exc:
        raise Problem(503, "store-unavailable", str(exc), headers={"Retry-After": "60"}) from None
    return existed


def _summary(doc, replaced: bool) -> dict[str, Any]:
    return {
        "id": doc.id,
        "title": doc.document.title,
        "items": len(doc.items),
        "assignments": sum(len(item.assignments()) for item in doc.items),
        "replaced": replaced,
        "warnings": [dict(w.__dict__) for w in doc.warnings],
    }


@router.post("", status_code=201, summary="Add a document",
             description="Upload a work plan (multipart field `file`, or JSON `{text, filename}`); it is extracted, "
                         "stored in its own named graph (replacing a document with the same id) and its id and "
                         "extraction warnings are returned. Needs `Authorization: Bearer <write token>`.",
             openapi_extra=_UPLOAD_BODY,
             responses={**_CREATED, **problem_responses(401, 403, 413, 415, 422, 503)})
async def add_document(request: Request):
    authorize(request)
    data, filename, text = await _document_source(request)
    doc = await run_in_threadpool(_extract, data, filename, text)
    replaced = await run_in_threadpool(_store_document, request.app.state.store, doc)
    request.app.state.page_warmer.request()
    return JSONResponse(_summary(doc, replaced), status_code=201,
                        headers={"Location": f"/api/v1/documents/{doc.id}"})


@router.delete("/{doc_id}", status_code=204, summary="Remove a document",
               description="Remove a document (its named graph) from the store. "
                           "Needs `Authorization: Bearer <write token>`.",
               responses={204: {"description": "Removed."}, **problem_responses(401, 403, 404, 503)})
async def delete_document(
    request: Request,
    doc_id: Annotated[str, Path(description="Document id.", max_length=200)],
):
    authorize(request)
    store = request.app.state.store

    def remove() -> bool:
        try:
            return store.remove_document(doc_id)
        except PermissionError as exc:
            raise Problem(503, "store-unavailable", str(exc), headers={"Retry-After": "60"}) from None

    if not await run_in_threadpool(remove):
        raise Problem(404, "unknown-document", f"No document has the id “{doc_id}”.")
    request.app.state.page_warmer.request()
    return Response(status_code=204)
