"""Routers onto apps: every route of a router added to the app's own list."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI


def attach(app: FastAPI, router: APIRouter) -> None:
    """The router's routes, one by one, on the app. FastAPI's include_router keeps a router as one lazy branch of
    app.routes (0.16x); listed one by one, the app's routes name every path (tests/test_routes_guarded.py)."""
    app.router.routes.extend(router.routes)
