"""The database bench/review measures on: a temporary HOME filled in bulk, through SQLAlchemy core, with a
realistic mix (most documents in review, the rest routed, concluded, failed, quarantined, duplicates or still
processing; one to four pages each with OCR text and word boxes; suggestions, some re-classified; extracted
fields; events; reviewers' decisions and turnos, the concluded ones with their answer; access-log history)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from pathlib import Path

from bench.petition_texts import page_text
from storage.fulltext import document_text

PASSWORD = "contraseña-de-prueba-1"
BATCH = 5000

# Share of documents per state; most wait in review, as in an office that routes daily but has a backlog.
STATES = {"review": 0.70, "routed": 0.16, "concluded": 0.05, "failed": 0.03, "quarantined": 0.03,
          "duplicate": 0.02, "processing": 0.01}
CHANNELS = {"correspondencia": 0.55, "jornadas": 0.2, "correo": 0.1, "redes": 0.05, "telefono": 0.06,
            "presencial": 0.04}
NAMES = ("María Guadalupe", "José Ángel", "Rosa Elena", "Ramón Arturo", "Carmen", "Juan Carlos", "Ana Lucía")
SURNAMES = ("Valenzuela", "Ruiz", "Durazo", "Yocupicio", "Buitimea", "Sánchez", "Ochoa", "Ibarra", "Félix", "Moreno")
MUNICIPALITIES = ("Hermosillo", "Cajeme", "Navojoa", "Guaymas", "Nogales", "San Luis Río Colorado", "Álamos")
TABLES = ("documents", "pages", "suggestions", "extractions", "search_keys", "events", "decisions", "routings",
          "followups", "access")  # in foreign-key order


def pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def page_templates(rng: random.Random, count: int = 2000) -> list[tuple[str, list]]:
    """Page texts of 120-260 words (bench/petition_texts.py) with their word boxes, [text, confidence, left, top,
    width, height]."""
    templates = []
    for _ in range(count):
        text = page_text(rng)
        boxes, x, y = [], 220, 250
        for word in text.split():
            width = 22 * len(word)
            if x + width > 2260:
                x, y = 220, y + 84
            boxes.append([word, round(min(99.0, rng.gauss(88, 12)), 1), x, y, width, 56])
            x += width + 24
        templates.append((text, boxes))
    return templates


def build_database(home: Path, documents: int, seed: int = 5) -> dict:
    """Migrate a fresh HOME and fill it; returns the ids the client needs."""
    from sqlalchemy import insert

    from classifiers.catalogue import load_default
    from pipeline.context import Context
    from pipeline.settings import Settings
    from review import auth
    from storage.tables import FolioCounter, Role, Suggestion

    rng = random.Random(seed)
    ctx = Context.open(Settings(home=home))
    auth.add_user(ctx, "revisora", Role.revisor, PASSWORD)
    auth.add_user(ctx, "integracion", Role.revisor, PASSWORD)
    auth.add_user(ctx, "gerencia", Role.gerente, PASSWORD)
    token = auth.new_api_token(ctx, "integracion")
    manager_token = auth.new_api_token(ctx, "gerencia")
    filler = _Filler(rng, seed, load_default(), documents)
    started = time.monotonic()
    for i in range(1, documents + 1):
        filler.document(i)
        if i % BATCH == 0:
            filler.flush(ctx.engine)
    filler.flush(ctx.engine, final=True)
    with ctx.engine.begin() as connection:
        for chunk in range(0, len(filler.reclassified), BATCH):
            connection.execute(insert(Suggestion), filler.reclassified[chunk:chunk + BATCH])
        filler.counts["suggestions"] += len(filler.reclassified)
        connection.execute(insert(FolioCounter), [{"year": filler.now.year, "last": filler.folio}])
    ctx.close()
    return {"token": token, "manager_token": manager_token, "counts": filler.counts,
            "seconds": round(time.monotonic() - started, 1),
            "size_mb": round((home / "peticiones.db").stat().st_size / 1e6, 1)}


class _Filler:
    """The rows of one document after another, kept per table until a batch is written (ids explicit, so that
    rows can point at each other). The random draws come in one fixed order: the same seed, the same database."""

    def __init__(self, rng: random.Random, seed: int, catalogue, documents: int):
        self.rng, self.seed = rng, seed
        self.programs = [p.code for p in catalogue.programs]
        self.directorates = [d.code for d in catalogue.directorates]
        self.program_directorate = {p.code: p.directorate for p in catalogue.programs}
        self.pages_pool = page_templates(rng)
        self.now = dt.datetime.now(dt.timezone.utc)
        self.start = self.now - dt.timedelta(days=540)
        self.step = (self.now - self.start) / documents
        self.tables = {name: [] for name in TABLES}
        self.searched: list[dict] = []  # search_texts rows (and the full-text index), written after their documents
        self.ids = {"suggestions": 0, "decisions": 0, "routings": 0}
        self.reclassified: list[dict] = []
        self.counts = {name: 0 for name in TABLES}
        self.folio = 0

    def flush(self, engine, final: bool = False) -> None:
        from sqlalchemy import insert

        from storage import fulltext
        from storage.tables import (AccessEntry, Decision, Document, Event, Extraction, FollowUp, Page, Routing,
                                    SearchKey, Suggestion)

        models = {"documents": Document, "pages": Page, "suggestions": Suggestion, "extractions": Extraction,
                  "search_keys": SearchKey, "events": Event, "decisions": Decision, "routings": Routing,
                  "followups": FollowUp, "access": AccessEntry}
        with engine.begin() as connection:
            for name, rows in self.tables.items():
                if rows and (final or len(rows) >= BATCH):
                    connection.execute(insert(models[name]), rows)
                    self.counts[name] += len(rows)
                    rows.clear()
            if self.searched and (final or len(self.searched) >= BATCH):
                fulltext.write(connection, self.searched)  # as fulltext.refresh writes one document's
                self.counts["search_texts"] = self.counts.get("search_texts", 0) + len(self.searched)
                self.searched.clear()

    def document(self, i: int) -> None:
        """Document i and everything recorded of it, as far as its state goes."""
        rng = self.rng
        state = pick(rng, STATES)
        channel = pick(rng, CHANNELS)
        received = self.start + self.step * i + dt.timedelta(seconds=rng.randint(0, 600))
        digest = hashlib.sha256(f"{self.seed}-{i}".encode()).hexdigest()
        page_count = None if state in ("quarantined", "failed") else rng.choices((1, 2, 3, 4), (55, 30, 10, 5))[0]
        self.tables["documents"].append(dict(
            id=i, sha256=digest, original_name=f"escaneo-{i:06d}.pdf",
            source_path=f"/data/entrada/{channel}/escaneo-{i:06d}.pdf", source_mtime_ns=None,
            size=rng.randint(80_000, 4_000_000), media_type="application/pdf", channel=channel, received_at=received,
            state=state, page_count=page_count, archive_path=f"{digest[:2]}/{digest[2:4]}/{digest}.pdf",
            duplicate_of=rng.randint(1, i - 1) if state == "duplicate" and i > 1 else None,
            reason_code={"failed": "ocr_failed", "quarantined": "corrupt_file"}.get(state),
            reason={"failed": "La lectura falló tres veces.", "quarantined": "El archivo está dañado."}.get(state),
            quarantine_path=None, version=4, lease_owner=None, lease_until=None, next_attempt_at=None,
            updated_at=received))
        self.tables["events"].append(dict(at=received, document_id=i, kind="document_received", actor="watcher",
                                          detail={"file": f"escaneo-{i:06d}.pdf", "channel": channel,
                                                  "sha256": digest}))
        if page_count is None or state == "duplicate":
            return
        text = self.pages(i, page_count)
        if state == "processing":
            self.searched.append({"document_id": i, "text": text})  # indexed once read, before classification
            return
        program, score, program_suggestion = self.suggestions(i, received)
        fields = self.extraction(i, received)
        self.searched.append({"document_id": i, "text": document_text(text, [fields])})
        if state in ("routed", "concluded"):
            self.routing(i, state, received, program, score, program_suggestion)

    def pages(self, i: int, page_count: int) -> str:
        """Document i's pages; returns their text as the search reads it."""
        rng = self.rng
        texts = []
        for number in range(1, page_count + 1):
            text, words = rng.choice(self.pages_pool)
            failed = rng.random() < 0.01
            self.tables["pages"].append(dict(
                document_id=i, number=number, text="" if failed else text,
                confidence=None if failed else round(rng.uniform(55, 96), 1), rotation=0, skew=0.0, width=2480,
                height=3508, blank=False, needs_transcription=rng.random() < 0.07,
                seconds=round(rng.uniform(0.8, 3.0), 2), source="ocr",
                error_code="ocr_timeout" if failed else None, error="Tiempo agotado." if failed else None,
                words=None if failed else words))
            texts.append("" if failed else text)
        return "\n\n".join(t for t in texts if t)

    def suggestions(self, i: int, received: dt.datetime) -> tuple[str, float, dict]:
        """The model's program and directorate; some classified again after a model update (the later row
        counts). Returns the program, its score and its row."""
        rng = self.rng
        program = rng.choice(self.programs)
        score = round(rng.betavariate(4, 2), 4)
        for target, label in (("program", program), ("directorate", self.program_directorate[program])):
            pool = self.programs if target == "program" else self.directorates
            row = dict(document_id=i, target=target, label=label if score > 0.15 else None, score=score,
                       alternatives=[[a, round(rng.uniform(0, 1 - score), 4)] for a in rng.sample(pool, 3)],
                       model_version="peticiones-20261124-6251cc79", created_at=received)
            self.ids["suggestions"] += 1
            row["id"] = self.ids["suggestions"]
            self.tables["suggestions"].append(row)
            if rng.random() < 0.08:
                self.reclassified.append({**{k: v for k, v in row.items() if k != "id"},
                                          "score": round(rng.betavariate(4, 2), 4), "model_version": "peticiones-2"})
            if target == "program":
                program_suggestion = row
        return program, score, program_suggestion

    def extraction(self, i: int, received: dt.datetime) -> dict:
        from storage import search

        rng = self.rng
        name = f"{rng.choice(NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
        fields = {"name": {"value": name, "score": 0.86},
                  "municipality": {"value": rng.choice(MUNICIPALITIES), "score": 0.95}}
        if rng.random() < 0.5:
            fields["phone"] = {"value": f"662 {rng.randint(100, 999)} {rng.randint(1000, 9999)}", "score": 0.97,
                               "valid": True}
        if rng.random() < 0.2:
            fields["curp"] = {"value": "YOBJ800514HSRCTS07", "score": 0.99, "valid": True}
        self.tables["extractions"].append(dict(document_id=i, fields=fields, model_version="reglas-3",
                                               created_at=received))
        self.tables["search_keys"].append(dict(document_id=i, source="extraction", **search.keys(fields)))
        for kind, actor in (("claimed", "vm:1"), ("suggested", "vm:1"), ("state_changed", "vm:1")):
            self.tables["events"].append(dict(at=received, document_id=i, kind=kind, actor=actor, detail={}))
        return fields

    def routing(self, i: int, state: str, received: dt.datetime, program: str, score: float,
                program_suggestion: dict) -> None:
        """The reviewer's decision, its turno and, when concluded, the answer."""
        rng = self.rng
        routed_at = received + dt.timedelta(days=rng.randint(0, 6))
        self.tables["events"].append(dict(at=routed_at, document_id=i, kind="state_changed", actor="revisora",
                                          detail={"state": state}))
        self.tables["access"].append(dict(at=routed_at, user_id=1, user_name="revisora", action="view_document",
                                          document_id=i, target="", ip="10.0.0.7", via="web"))
        self.folio += 1
        folio = self.folio
        # The reviewer keeps the suggestion about as often as its score says, else picks another program.
        chosen = program if rng.random() < score else rng.choice(self.programs)
        directorate = self.program_directorate[chosen]
        self.ids["decisions"] += 1
        self.ids["routings"] += 1
        self.tables["decisions"].append(dict(
            id=self.ids["decisions"], document_id=i, user_id=1, kind="route", program=chosen,
            directorate=directorate, fields={}, note="", program_suggestion_id=program_suggestion["id"],
            directorate_suggestion_id=None, suggested_program=program_suggestion["label"],
            suggested_directorate=self.program_directorate[program] if program_suggestion["label"] else None,
            decided_at=routed_at))
        due = (routed_at + dt.timedelta(days=14)).date()
        answered = (routed_at + dt.timedelta(days=rng.randint(2, 24))) if state == "concluded" else None
        self.tables["routings"].append(dict(
            id=self.ids["routings"], folio=f"SDS-DAGC-{routed_at.year}-{folio:06d}", year=routed_at.year,
            number=folio, document_id=i, round=1, decision_id=self.ids["decisions"], program=chosen,
            directorate=directorate, copies=[], instruction="Atender y responder", received_on=received.date(),
            routed_at=routed_at, deadline_days=10, due_date=due, routed_by=1, slip_path=None,
            delivered_at=routed_at, concluded_at=answered))
        if answered:
            self.tables["followups"].append(dict(routing_id=self.ids["routings"], document_id=i, kind="answer",
                                                 text="Se atendió la petición.", answered_on=answered.date(),
                                                 user_id=1, at=answered))
        self.tables["events"].append(dict(at=routed_at, document_id=i, kind="routed", actor="revisora",
                                          detail={"folio": f"SDS-DAGC-{routed_at.year}-{folio:06d}"}))
