"""Security middleware: response headers, allowed hosts, a write rate limit, log redaction.

Installed by :func:`install` and :func:`install_hosts` (from
:func:`fengong.api.app.create_app`), all plain ASGI (no per-request cost beyond a few header
look-ups):

- :class:`SecurityHeaders` — every response gets ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: no-referrer`` and ``X-Frame-Options: SAMEORIGIN`` unless it set them.
  An HTML page that brings no ``Content-Security-Policy`` of its own (``/docs``, the
  ``/sparql`` query page) gets :func:`page_policy`: its own origin only, and its inline
  scripts and styles allowed by their SHA-256 hashes, computed from the page itself (the
  views and the landing page carry a nonce policy already). Every other response gets
  ``default-src 'none'; frame-ancestors 'none'``: a JSON or XML answer opened in a
  browser runs nothing and cannot be framed.
- :class:`TrustedHosts` — with ``allowed_hosts`` (``FENGONG_ALLOWED_HOSTS``: ``api.example.org``,
  ``*.example.org``), a request for any other ``Host`` is a 400 problem (DNS rebinding, Host
  header poisoning of the absolute URLs the API writes).
- :class:`WriteRateLimit` — at most ``write_rate`` write requests (POST/PUT/PATCH/DELETE
  under ``/api/v1/documents``) per client per minute (``FENGONG_WRITE_RATE``; 0: no limit);
  past it a 429 problem with ``Retry-After``, before the body is read. It bounds a flood
  of tiny documents and guessing of write tokens alike.
- :class:`RedactSecrets` — a logging filter: the values of query parameters that look like
  credentials (``token``, ``access_token``, ``api_key`` …), ``Bearer …`` and the configured
  tokens themselves never reach a log line (uvicorn's access log writes the query string).

>>> policy = page_policy(b"<script>go()</script>")
>>> "script-src 'self' 'sha256-" in policy and "frame-ancestors 'self'" in policy
True
"""

from __future__ import annotations

import base64
import hashlib
import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from .problems import problem_response

__all__ = ["SecurityHeaders", "TrustedHosts", "WriteRateLimit", "RedactSecrets", "page_policy", "install",
           "install_hosts", "install_redaction", "REDACTED"]

REDACTED = "[redacted]"

#: Headers every response carries unless the route set its own.
DEFAULT_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
]
#: Policy of every response that is not an HTML page (JSON, RDF, CSV …).
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"

_INLINE = re.compile(rb"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.I | re.S)
_SRC = re.compile(rb"\bsrc\s*=", re.I)
_JSON_TYPE = re.compile(rb"""\btype\s*=\s*["']?application/(?:ld\+)?json""", re.I)


def _hash(content: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode("ascii") + "'"


def page_policy(html: bytes) -> str:
    """A Content-Security-Policy for a page of this server: scripts, styles, images, fonts
    and connections from its own origin only, plus its inline ``<script>`` and ``<style>``
    elements by hash; no plugins, no ``<base>``, forms only to itself, framed only by itself."""
    scripts, styles = [], []
    for match in _INLINE.finditer(html):
        tag, attrs, content = match.group(1).lower(), match.group(2), match.group(3)
        if tag == b"script":
            if not _SRC.search(attrs) and not _JSON_TYPE.search(attrs):
                scripts.append(_hash(content))
        else:
            styles.append(_hash(content))
    directives = [
        "default-src 'none'",
        " ".join(["script-src 'self'", *dict.fromkeys(scripts)]),
        " ".join(["style-src 'self'", *dict.fromkeys(styles)]),
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
    return "; ".join(directives)


class SecurityHeaders:
    """ASGI middleware adding the security headers (see the module docstring)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] = {}
        parts: list[bytes] = []

        async def wrapped(message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in DEFAULT_HEADERS if h[0] not in names)
                html = any(n.lower() == b"content-type" and v.lower().startswith(b"text/html") for n, v in headers)
                if b"content-security-policy" not in names:
                    if html and scope.get("method") != "HEAD":
                        # The policy needs the hashes of the page's inline elements: hold the
                        # response until the whole body is here (only /docs and /sparql's page).
                        held["start"] = {**message, "headers": headers}
                        return
                    headers.append((b"content-security-policy", DATA_POLICY.encode("ascii")))
                await send({**message, "headers": headers})
                return
            if kind == "http.response.body" and "start" in held:
                parts.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(parts)
                start = held.pop("start")
                headers = [(n, v) for n, v in start["headers"] if n.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode("ascii")))
                headers.append((b"content-security-policy", page_policy(body).encode("ascii")))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, wrapped)


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _host_matches(host: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern == "*" or host == pattern:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


def _hostname(header: str) -> str:
    header = header.strip().lower()
    if header.startswith("["):  # [::1]:8000
        return header[: header.find("]") + 1] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class TrustedHosts:
    """ASGI middleware: requests whose ``Host`` is not in ``allowed`` get a 400 problem.

    Patterns are host names (``api.example.org``), ``*.example.org`` (any sub-domain) or ``*``.
    """

    def __init__(self, app, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = [a.strip().lower() for a in allowed if a.strip()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.allowed:
            await self.app(scope, receive, send)
            return
        host = _hostname(_header(scope, b"host") or "")
        if _host_matches(host, self.allowed):
            await self.app(scope, receive, send)
            return
        response = problem_response(400, "invalid-host", "This server does not answer for the host named in "
                                    "the request (FENGONG_ALLOWED_HOSTS).", title="Host not allowed",
                                    instance=scope.get("path"))
        await response(scope, receive, send)


class WriteRateLimit:
    """ASGI middleware: at most ``per_minute`` write requests per client in any 60 s.

    >>> limiter = WriteRateLimit(None, 2)
    >>> [limiter.retry_after("c", now=t) for t in (0.0, 1.0, 2.0)]
    [None, None, 58]
    """

    METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, app, per_minute: int, prefix: str = "/api/v1/documents", window: float = 60.0,
                 max_clients: int = 100_000) -> None:
        self.app = app
        self.per_minute = per_minute
        self.prefix = prefix
        self.window = window
        self.max_clients = max_clients
        self._log: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: float | None = None) -> int | None:
        """Record a write by ``client``; None if allowed, else seconds until it would be."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entries = self._log.get(client)
            if entries is None:
                if len(self._log) >= self.max_clients:
                    for key in [k for k, v in self._log.items() if not v or v[-1] + self.window <= now]:
                        del self._log[key]
                entries = self._log[client] = deque()
            while entries and entries[0] + self.window <= now:
                entries.popleft()
            if len(entries) >= self.per_minute:
                return max(1, math.ceil(entries[0] + self.window - now))
            entries.append(now)
            return None

    async def __call__(self, scope, receive, send) -> None:
        if (scope["type"] != "http" or self.per_minute <= 0 or scope.get("method") not in self.METHODS
                or not scope.get("path", "").startswith(self.prefix)):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.retry_after(client[0] if client else "unknown")
        if wait is None:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            429, "write-rate-exceeded", f"This client sent more than {self.per_minute} write requests in "
            f"{self.window:g} s (FENGONG_WRITE_RATE); try again in {wait} s.", title="Too many writes",
            instance=scope.get("path"), headers={"Retry-After": str(wait)}, retry_after=wait)
        await response(scope, receive, send)


_SECRET_PARAM = re.compile(
    r"(?i)([?&;](?:[\w.-]*token|access[_-]?key|api[_-]?key|apikey|key|secret|password|passwd|pwd|auth"
    r"|authorization|bearer|credentials?|session|sig|signature|jwt)=)([^&;#\s\"']*)")
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+|%20|\+)([A-Za-z0-9._~+/=%-]{8,})")


class RedactSecrets(logging.Filter):
    """Rewrite log records so that no credential is written: values of credential-like query
    parameters, ``Bearer …``/``Basic …`` values and the exact ``secrets`` given.

    >>> RedactSecrets(["s3cret"]).redact("GET /x?q=1&access_token=abc&y=s3cret")
    'GET /x?q=1&access_token=[redacted]&y=[redacted]'
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("fengong.redact")
        self.secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        # Short values would blank out ordinary words: a token is long by nature.
        self.secrets |= {s for s in secrets if s and len(s) >= 6}
        self._pattern = (re.compile("|".join(re.escape(s) for s in sorted(self.secrets, key=len, reverse=True)))
                         if self.secrets else None)

    def redact(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        text = _SECRET_PARAM.sub(lambda m: m.group(1) + (REDACTED if m.group(2) else ""), text)
        return _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)

    def _value(self, value: Any) -> Any:
        return self.redact(value) if isinstance(value, str) else value

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        # Keep the shape of ``args``: uvicorn's access formatter unpacks the tuple.
        if isinstance(record.args, tuple):
            record.args = tuple(self._value(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._value(v) for k, v in record.args.items()}
        return True


#: Loggers whose records may carry a request line or a header value.
LOGGERS = ("uvicorn", "uvicorn.access", "uvicorn.error", "uvicorn.asgi", "fengong", "fengong.api")
_redactor = RedactSecrets()
_redactor_lock = threading.Lock()


def install_redaction(secrets: Iterable[str]) -> RedactSecrets:
    """Add the redacting filter (one, shared) to the server's loggers; idempotent."""
    with _redactor_lock:
        _redactor.add(secrets)
        for name in LOGGERS:
            logger = logging.getLogger(name)
            if _redactor not in logger.filters:
                logger.addFilter(_redactor)
    return _redactor


def install(app, settings) -> None:
    """Add the write rate limit, the security headers and the log filter to ``app`` as
    ``settings`` say. Call it before adding CORS, and :func:`install_hosts` after: the last
    middleware added runs first, so hosts are checked before anything else and CORS headers
    go on every answer, the 429s and security headers included."""
    install_redaction([*settings.write_tokens, *settings.read_tokens])
    rate = int(getattr(settings, "write_rate", 0) or 0)
    if rate > 0:
        app.add_middleware(WriteRateLimit, per_minute=rate)
    app.add_middleware(SecurityHeaders)


def install_hosts(app, settings) -> None:
    """Refuse requests for hosts not in ``settings.allowed_hosts`` (none given, or ``*``: any)."""
    hosts = [h for h in settings.allowed_hosts if h.strip()]
    if hosts and "*" not in hosts:
        app.add_middleware(TrustedHosts, allowed=hosts)
