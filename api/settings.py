"""Server settings, from flags or ``FENGONG_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from fengong.rdf import DEFAULT_BASE


def _env_list(name: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, "").split(",") if v.strip()]


@dataclass
class Settings:
    host: str = field(default_factory=lambda: os.environ.get("FENGONG_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(os.environ.get("FENGONG_PORT", "8000")))
    # Where `fengong build`/`ingest` wrote the store; None: serve the bundled document from memory.
    data_dir: Path | None = field(default_factory=lambda: Path(p) if (p := os.environ.get("FENGONG_DATA")) else None)
    base: str = field(default_factory=lambda: os.environ.get("FENGONG_BASE", DEFAULT_BASE))
    store: str | None = field(default_factory=lambda: os.environ.get("FENGONG_STORE"))
    sparql_url: str | None = field(default_factory=lambda: os.environ.get("FENGONG_SPARQL_URL"))
    # SPARQL endpoint bounds.
    query_timeout: float = field(default_factory=lambda: float(os.environ.get("FENGONG_QUERY_TIMEOUT", "5")))
    max_rows: int = field(default_factory=lambda: int(os.environ.get("FENGONG_MAX_ROWS", "10000")))
    # Per-client query-time budget (seconds of query time per minute).
    query_budget: float = field(default_factory=lambda: float(os.environ.get("FENGONG_QUERY_BUDGET", "60")))
    cors_origins: list[str] = field(default_factory=lambda: _env_list("FENGONG_CORS_ORIGINS"))
    allowed_hosts: list[str] = field(default_factory=lambda: _env_list("FENGONG_ALLOWED_HOSTS"))
    # Bearer tokens that may write (POST/DELETE documents); empty: writes are disabled.
    write_tokens: list[str] = field(default_factory=lambda: _env_list("FENGONG_WRITE_TOKENS"))
    read_tokens: list[str] = field(default_factory=lambda: _env_list("FENGONG_READ_TOKENS"))
    max_upload_bytes: int = field(default_factory=lambda: int(os.environ.get("FENGONG_MAX_UPLOAD", str(10 * 1024 * 1024))))
    # Write requests (POST/DELETE /api/v1/documents) per client per minute; 0: no limit.
    write_rate: int = field(default_factory=lambda: int(os.environ.get("FENGONG_WRITE_RATE", "60")))
    # Memory for finished REST/ask answers (MiB), least recently used dropped first.
    answer_cache_mb: int = field(default_factory=lambda: int(os.environ.get("FENGONG_ANSWER_CACHE_MB", "256")))
    # Departments whose first page of lead tasks is computed after start and after writes
    # (most tasks first); 0: none (computed when asked).
    warm_departments: int = field(default_factory=lambda: int(os.environ.get("FENGONG_WARM_DEPARTMENTS", "200")))
    # Whether the overview networks (/viz/responsibility, /viz/coordination, /viz/regions in
    # their default scope) are drawn after start and after writes, after the department pages.
    warm_views: bool = field(default_factory=lambda: os.environ.get("FENGONG_WARM_VIEWS", "1") not in ("0", "", "false"))
