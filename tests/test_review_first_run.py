"""A new office's first visit: the login page says how to create the first administrator, until one exists."""

from __future__ import annotations

from fastapi.testclient import TestClient

from review.web.app import create_app
from storage.tables import Role
from tests.review_helpers import make_user


def test_the_login_page_tells_a_new_office_how_to_create_its_first_administrator(ctx):
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        assert "peticiones users add NOMBRE --role admin" in client.get("/login").text
        make_user(ctx, "revisora", Role.revisor)
        assert "peticiones users add NOMBRE --role admin" in client.get("/login").text  # a reviewer cannot add users
        make_user(ctx, "directora", Role.admin)
        assert "peticiones users add" not in client.get("/login").text
