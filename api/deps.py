"""Dependencies shared by the routers: the store and the settings, kept on ``app.state``."""

from __future__ import annotations

from fastapi import Request

from fengong.store import Store

from .settings import Settings


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings
