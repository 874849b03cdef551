"""One router per resource; :func:`fengong.api.app.create_app` includes them."""
