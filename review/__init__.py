"""The web app: review queue, routing, follow-up and audit, with its JSON API."""
