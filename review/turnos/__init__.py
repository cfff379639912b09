"""Turnos: deciding and routing a document, its follow-up, regrouping, reclassifying, capture, the office calendar,
the slip and the answer letter."""
