"""The web app: the only FastAPI code (pages, document actions, admin, the JSON API, forms, templates, static)."""
