"""``/docs``: Swagger UI from local assets (no CDN: intranets cannot reach one).

The Swagger UI files come from the ``swagger-ui-bundle-v2`` package (module
``swagger_ui_bundle``) and are served under ``/docs/assets/``; the page itself is
FastAPI's, pointed at them.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import Response

from ..problems import Problem

router = APIRouter(include_in_schema=False)

ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "favicon-16x16.png",
          "oauth2-redirect.html", "oauth2-redirect.js")


def assets_dir() -> Path:
    import swagger_ui_bundle

    return Path(str(swagger_ui_bundle.swagger_ui_path))


@router.get("/docs")
async def docs(request: Request):
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} — API",
        swagger_js_url=f"{root}/docs/assets/swagger-ui-bundle.js",
        swagger_css_url=f"{root}/docs/assets/swagger-ui.css",
        swagger_favicon_url=f"{root}/docs/assets/favicon-32x32.png",
        oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        swagger_ui_parameters={"tryItOutEnabled": True, "displayRequestDuration": True},
    )


@router.get("/docs/oauth2-redirect")
async def oauth2_redirect():
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/docs/assets/{name}")
async def asset(name: str):
    if name not in ASSETS:
        raise Problem(404, "not-found", f"No asset called {name!r}.")
    path = assets_dir() / name
    if not path.is_file():
        raise Problem(404, "not-found", f"The asset {name!r} is not installed (pip install swagger-ui-bundle-v2).")
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".js"):
        media = "text/javascript; charset=utf-8"
    return Response(path.read_bytes(), media_type=media, headers={"Cache-Control": "public, max-age=86400"})
