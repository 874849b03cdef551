"""The cache of finished answers is bounded by the bytes it holds, not only by entries:
answers range from a few bytes to megabytes (a department's tasks, an /ask answer)."""

from __future__ import annotations

from fengong.api.common import AnswerCache, Entry


def entry(size: int) -> Entry:
    return Entry(b"x" * size, "application/json")


def cache_of(**kwargs) -> AnswerCache:
    """A cache on generation 1 (entries are kept for the generation last asked about)."""
    cache = AnswerCache(**kwargs)
    assert cache.get(1, "nothing") is None
    return cache


def test_least_recently_used_answers_go_past_the_byte_bound():
    cache = cache_of(size=100, max_bytes=1000)
    for key in "abc":
        cache.put(1, key, entry(300))
    assert cache.bytes == 900 and cache.get(1, "a") is not None  # a is now the most recent
    cache.put(1, "e", entry(300))  # 1200 > 1000: the least recently used (b) goes
    assert cache.get(1, "b") is None and cache.get(1, "a") is not None
    assert cache.bytes == 900


def test_replacing_an_entry_counts_its_bytes_once():
    cache = cache_of(max_bytes=1000)
    cache.put(1, "a", entry(400))
    cache.put(1, "a", entry(500))
    assert cache.bytes == 500


def test_an_answer_larger_than_the_cache_is_served_but_not_kept():
    cache = cache_of(max_bytes=1000)
    cache.put(1, "small", entry(10))
    cache.put(1, "huge", entry(5000))
    assert cache.get(1, "huge") is None and cache.get(1, "small") is not None


def test_a_new_generation_frees_the_bytes():
    cache = cache_of(max_bytes=1000)
    cache.put(1, "a", entry(400))
    assert cache.get(2, "a") is None and cache.bytes == 0


def test_the_server_setting_bounds_the_cache(monkeypatch):
    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    monkeypatch.setenv("FENGONG_ANSWER_CACHE_MB", "3")
    app = create_app(Settings(), open_store("memory"))
    try:
        assert app.state.answer_cache.max_bytes == 3 * 1024 * 1024
    finally:
        close(app)
