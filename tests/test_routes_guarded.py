"""Every route the app serves, enumerated from the app itself, refuses a caller without credentials: a route added
without its login check fails here (issue 14, the route × role test; the role table per route and the calls as
each role are tests/test_routes_by_role.py)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.routing import Mount

from review.web.app import create_app
from storage.tables import AccessEntry, Decision, Document, Event
from tests.review_helpers import document_in_review

# What anyone may reach: the login form, the health checks, the API's own description.
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/salud"), ("GET", "/salud/listo"),
          ("GET", "/api/v1/openapi.json")}
PARAMETERS = {"document_id": "1", "number": "1", "followup_id": "1", "user_id": "1", "day": "2026-03-10"}


def routes(app, prefix: str = "") -> list[tuple[str, str]]:
    """(method, path) of every route, mounted apps' included; static files are files, not routes."""
    found = []
    for route in app.routes:
        if isinstance(route, Mount):
            if hasattr(route.app, "routes"):
                found += routes(route.app, prefix + route.path)
            continue
        for method in sorted(set(route.methods or ()) - {"HEAD"}):
            found.append((method, prefix + route.path))
    return found


@pytest.fixture
def app(ctx):
    return create_app(ctx)


def test_the_public_list_names_only_routes_that_exist(app):
    assert PUBLIC <= set(routes(app))


def test_every_other_route_refuses_a_caller_without_credentials(ctx, app):
    document_in_review(ctx, text="María Peña Ávila solicita una silla de ruedas.")
    with ctx.sessions() as session:
        before = [session.scalar(select(func.count()).select_from(t)) for t in (Document, Decision, Event)]
    guarded = [(m, p) for m, p in routes(app) if (m, p) not in PUBLIC]
    assert len(guarded) > 50  # the app's routes were found, not an empty list
    with TestClient(app, follow_redirects=False) as client:
        for method, path in guarded:
            url = re.sub(r"\{(\w+)\}", lambda m: PARAMETERS[m.group(1)], path)
            answer = (client.request(method, url, json={}) if path.startswith("/api/")
                      else client.request(method, url, data={}))
            where = f"{method} {path}: {answer.status_code}"
            if path.startswith("/api/"):
                assert answer.status_code == 401, where
            else:
                # A page sends the browser to the login form; a form without a session or its CSRF token is refused.
                assert answer.status_code in (303, 400, 401, 403), where
                if answer.status_code == 303:
                    assert answer.headers["location"].startswith("/login"), where
            assert "Peña" not in answer.text, where
    with ctx.sessions() as session:
        after = [session.scalar(select(func.count()).select_from(t)) for t in (Document, Decision, Event)]
        refused_views = session.scalar(select(func.count()).select_from(AccessEntry)
                                       .where(AccessEntry.action.like("view%")))
    assert after == before and refused_views == 0  # nothing was done, nothing was shown
