"""Review app benchmark: latency of the queue page, the document API, the search, and the managers' audit and
informe de atención with 100,000 documents in the database.

A temporary HOME gets a SQLite database with a realistic mix (most documents in review, the rest routed,
concluded, failed, quarantined, duplicates or still processing; one to four pages each with OCR text and word
boxes; suggestions, some re-classified; extracted fields; events; reviewers' decisions and turnos, the concluded ones with
their answer; access-log history), written in bulk
through SQLAlchemy core. The real app (`review.app.create_app`) then runs under uvicorn on 127.0.0.1 in a child
process, as `peticiones serve` runs it, and one client (a logged-in reviewer for the pages, a bearer token for
the API) sends requests one after another: after a warm-up, n requests per endpoint, p50/p95/p99 in ms and the
ratio of p95 to the 150 ms target (below 1 meets it). Every view writes its access-log entry, as in production.

    .venv/bin/python -m bench.review [--documents 100000] [--requests 200] [--keep]

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402  (the port picker the test servers use)

TARGET_MS = 150.0  # issue 5's p95 target for the queue page and the document API; audit routes are measured against
#                  it for reference only (a manager's report over months, not a page staff open all day)
PASSWORD = "contraseña-de-prueba-1"
BATCH = 5000

# Share of documents per state; most wait in review, as in an office that routes daily but has a backlog.
STATES = {"review": 0.70, "routed": 0.16, "concluded": 0.05, "failed": 0.03, "quarantined": 0.03,
          "duplicate": 0.02, "processing": 0.01}
CHANNELS = {"correspondencia": 0.55, "jornadas": 0.2, "correo": 0.1, "redes": 0.05, "telefono": 0.06,
            "presencial": 0.04}
WORDS = ("solicito apoyo para mi familia silla de ruedas despensa vivienda techo lámina agua potable drenaje "
         "colonia calle número municipio Hermosillo Cajeme Navojoa Guaymas Nogales atentamente Secretaría "
         "Desarrollo Social programa madre jefa hijos escuela beca trabajo proyecto productivo salud medicina "
         "adulto mayor pensión comunidad yaqui mayo seri vecinos representante firma teléfono domicilio").split()
NAMES = ("María Guadalupe", "José Ángel", "Rosa Elena", "Ramón Arturo", "Carmen", "Juan Carlos", "Ana Lucía")
SURNAMES = ("Valenzuela", "Ruiz", "Durazo", "Yocupicio", "Buitimea", "Sánchez", "Ochoa", "Ibarra", "Félix", "Moreno")
MUNICIPALITIES = ("Hermosillo", "Cajeme", "Navojoa", "Guaymas", "Nogales", "San Luis Río Colorado", "Álamos")


def pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


# Data -----------------------------------------------------------------------------------------------------------


def page_templates(rng: random.Random, count: int = 300) -> list[tuple[str, list]]:
    """Page texts of 120-260 words with their word boxes, [text, confidence, left, top, width, height]."""
    templates = []
    for _ in range(count):
        words, boxes, x, y = [], [], 220, 250
        for _ in range(rng.randint(120, 260)):
            word = rng.choice(WORDS)
            width = 22 * len(word)
            if x + width > 2260:
                x, y = 220, y + 84
            confidence = round(min(99.0, rng.gauss(88, 12)), 1)
            words.append(word)
            boxes.append([word, confidence, x, y, width, 56])
            x += width + 24
        templates.append((" ".join(words), boxes))
    return templates


def build_database(home: Path, documents: int, seed: int = 5) -> dict:
    """Migrate a fresh HOME and fill it; returns the ids the client needs."""
    from sqlalchemy import insert

    from classifiers.catalogue import load_default
    from pipeline.context import Context
    from pipeline.settings import Settings
    from review import auth
    from storage import search
    from storage.tables import (AccessEntry, Decision, Document, Event, Extraction, FolioCounter, FollowUp, Page,
                                Routing, Role, SearchKey, Suggestion)

    rng = random.Random(seed)
    ctx = Context.open(Settings(home=home))
    auth.add_user(ctx, "revisora", Role.revisor, PASSWORD)
    auth.add_user(ctx, "integracion", Role.revisor, PASSWORD)
    auth.add_user(ctx, "gerencia", Role.gerente, PASSWORD)
    token = auth.new_api_token(ctx, "integracion")
    manager_token = auth.new_api_token(ctx, "gerencia")
    catalogue = load_default()
    programs = [p.code for p in catalogue.programs]
    directorates = [d.code for d in catalogue.directorates]
    program_directorate = {p.code: p.directorate for p in catalogue.programs}
    pages_pool = page_templates(rng)
    now = dt.datetime.now(dt.timezone.utc)
    start = now - dt.timedelta(days=540)
    step = (now - start) / documents
    tables = {name: [] for name in ("documents", "pages", "suggestions", "extractions", "search_keys", "events", "decisions",
                                    "routings", "followups", "access")}  # in foreign-key order
    models = {"documents": Document, "pages": Page, "suggestions": Suggestion, "extractions": Extraction, "search_keys": SearchKey,
              "events": Event, "decisions": Decision, "routings": Routing, "followups": FollowUp,
              "access": AccessEntry}
    ids = {"suggestions": 0, "decisions": 0, "routings": 0}  # explicit, so that rows can point at each other
    reclassified: list[dict] = []
    counts = {name: 0 for name in tables}
    folio = 0

    def flush(engine, final: bool = False) -> None:
        with engine.begin() as connection:
            for name, rows in tables.items():
                if rows and (final or len(rows) >= BATCH):
                    connection.execute(insert(models[name]), rows)
                    counts[name] += len(rows)
                    rows.clear()

    started = time.monotonic()
    for i in range(1, documents + 1):
        state = pick(rng, STATES)
        channel = pick(rng, CHANNELS)
        received = start + step * i + dt.timedelta(seconds=rng.randint(0, 600))
        digest = hashlib.sha256(f"{seed}-{i}".encode()).hexdigest()
        page_count = None if state in ("quarantined", "failed") else rng.choices((1, 2, 3, 4), (55, 30, 10, 5))[0]
        tables["documents"].append(dict(
            id=i, sha256=digest, original_name=f"escaneo-{i:06d}.pdf", source_path=f"/data/entrada/{channel}/escaneo-{i:06d}.pdf",
            source_mtime_ns=None, size=rng.randint(80_000, 4_000_000), media_type="application/pdf", channel=channel,
            received_at=received, state=state, page_count=page_count, archive_path=f"{digest[:2]}/{digest[2:4]}/{digest}.pdf",
            duplicate_of=rng.randint(1, i - 1) if state == "duplicate" and i > 1 else None,
            reason_code={"failed": "ocr_failed", "quarantined": "corrupt_file"}.get(state),
            reason={"failed": "La lectura falló tres veces.", "quarantined": "El archivo está dañado."}.get(state),
            quarantine_path=None, version=4, lease_owner=None, lease_until=None, next_attempt_at=None,
            updated_at=received))
        tables["events"].append(dict(at=received, document_id=i, kind="document_received", actor="watcher",
                                     detail={"file": f"escaneo-{i:06d}.pdf", "channel": channel, "sha256": digest}))
        if page_count is None or state == "duplicate":
            if i % BATCH == 0:
                flush(ctx.engine)
            continue
        for number in range(1, page_count + 1):
            text, words = rng.choice(pages_pool)
            failed = rng.random() < 0.01
            tables["pages"].append(dict(
                document_id=i, number=number, text="" if failed else text, confidence=None if failed else round(rng.uniform(55, 96), 1),
                rotation=0, skew=0.0, width=2480, height=3508, blank=False,
                needs_transcription=rng.random() < 0.07, seconds=round(rng.uniform(0.8, 3.0), 2), source="ocr",
                error_code="ocr_timeout" if failed else None, error="Tiempo agotado." if failed else None,
                words=None if failed else words))
        if state == "processing":
            continue
        program = rng.choice(programs)
        score = round(rng.betavariate(4, 2), 4)
        for target, label in (("program", program), ("directorate", program_directorate[program])):
            pool = programs if target == "program" else directorates
            row = dict(document_id=i, target=target, label=label if score > 0.15 else None, score=score,
                       alternatives=[[a, round(rng.uniform(0, 1 - score), 4)] for a in rng.sample(pool, 3)],
                       model_version="peticiones-20261124-6251cc79", created_at=received)
            ids["suggestions"] += 1
            row["id"] = ids["suggestions"]
            tables["suggestions"].append(row)
            if rng.random() < 0.08:  # classified again after a model update: the later row counts
                reclassified.append({**{k: v for k, v in row.items() if k != "id"}, "score": round(rng.betavariate(4, 2), 4),
                                     "model_version": "peticiones-2"})
            if target == "program":
                program_suggestion = row
        name = f"{rng.choice(NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
        fields = {"name": {"value": name, "score": 0.86}, "municipality": {"value": rng.choice(MUNICIPALITIES), "score": 0.95}}
        if rng.random() < 0.5:
            fields["phone"] = {"value": f"662 {rng.randint(100, 999)} {rng.randint(1000, 9999)}", "score": 0.97, "valid": True}
        if rng.random() < 0.2:
            fields["curp"] = {"value": "YOBJ800514HSRCTS07", "score": 0.99, "valid": True}
        tables["extractions"].append(dict(document_id=i, fields=fields, model_version="reglas-3", created_at=received))
        tables["search_keys"].append(dict(document_id=i, source="extraction", **search.keys(fields)))
        for kind, actor in (("claimed", "vm:1"), ("suggested", "vm:1"), ("state_changed", "vm:1")):
            tables["events"].append(dict(at=received, document_id=i, kind=kind, actor=actor, detail={}))
        if state in ("routed", "concluded"):
            routed_at = received + dt.timedelta(days=rng.randint(0, 6))
            tables["events"].append(dict(at=routed_at, document_id=i, kind="state_changed", actor="revisora",
                                         detail={"state": state}))
            tables["access"].append(dict(at=routed_at, user_id=1, user_name="revisora", action="view_document",
                                         document_id=i, target="", ip="10.0.0.7", via="web"))
        if state in ("routed", "concluded"):
            folio += 1
            # The reviewer keeps the suggestion about as often as its score says, else picks another program.
            chosen = program if rng.random() < score else rng.choice(programs)
            directorate = program_directorate[chosen]
            ids["decisions"] += 1
            ids["routings"] += 1
            tables["decisions"].append(dict(
                id=ids["decisions"], document_id=i, user_id=1, kind="route", program=chosen, directorate=directorate,
                fields={}, note="", program_suggestion_id=program_suggestion["id"], directorate_suggestion_id=None,
                suggested_program=program_suggestion["label"], suggested_directorate=program_directorate[program]
                if program_suggestion["label"] else None, decided_at=routed_at))
            due = (routed_at + dt.timedelta(days=14)).date()
            answered = (routed_at + dt.timedelta(days=rng.randint(2, 24))) if state == "concluded" else None
            tables["routings"].append(dict(
                id=ids["routings"], folio=f"SDS-DAGC-{routed_at.year}-{folio:06d}", year=routed_at.year, number=folio,
                document_id=i, round=1, decision_id=ids["decisions"], program=chosen, directorate=directorate,
                copies=[], instruction="Atender y responder", received_on=received.date(), routed_at=routed_at,
                deadline_days=10, due_date=due, routed_by=1, slip_path=None, delivered_at=routed_at,
                concluded_at=answered))
            if answered:
                tables["followups"].append(dict(routing_id=ids["routings"], document_id=i, kind="answer",
                                                text="Se atendió la petición.", answered_on=answered.date(), user_id=1,
                                                at=answered))
            tables["events"].append(dict(at=routed_at, document_id=i, kind="routed", actor="revisora",
                                         detail={"folio": f"SDS-DAGC-{routed_at.year}-{folio:06d}"}))
        if i % BATCH == 0:
            flush(ctx.engine)
    flush(ctx.engine, final=True)
    with ctx.engine.begin() as connection:
        for chunk in range(0, len(reclassified), BATCH):
            connection.execute(insert(Suggestion), reclassified[chunk:chunk + BATCH])
        counts["suggestions"] += len(reclassified)
        connection.execute(insert(FolioCounter), [{"year": now.year, "last": folio}])
    ctx.close()
    return {"token": token, "manager_token": manager_token, "counts": counts, "seconds": round(time.monotonic() - started, 1),
            "size_mb": round((home / "peticiones.db").stat().st_size / 1e6, 1)}


# Server and client ----------------------------------------------------------------------------------------------


def serve(home: str, port: int) -> None:
    """The child process: the real app under uvicorn, configured as review/service.start_web does."""
    import uvicorn

    from pipeline.context import Context
    from pipeline.settings import Settings
    from review.web.app import create_app

    ctx = Context.open(Settings(home=Path(home)))
    uvicorn.run(create_app(ctx), host="127.0.0.1", port=port, log_level="warning", proxy_headers=False)


def start_server(home: Path, port: int, log: Path) -> subprocess.Popen:
    import httpx

    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "bench.review", "--serve", str(home), str(port)],
                                   cwd=ROOT, stdout=out, stderr=out, env={**os.environ, "PETICIONES_HOME": str(home)})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the app did not answer within 120 s")


def logged_in(base: str, name: str = "revisora"):
    import httpx

    client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf, "next": "/cola"})
    assert answer.status_code == 303, answer.text
    return client


def measure(client, paths, n: int, warmup: int) -> dict:
    """n requests one after another (after `warmup` unmeasured ones); `paths` is a path or a function of i."""
    path_of = paths if callable(paths) else (lambda _i: paths)
    for i in range(warmup):
        client.get(path_of(-1 - i)).raise_for_status()
    times = []
    for i in range(n):
        path = path_of(i)
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
    q = statistics.quantiles(times, n=100, method="inclusive")
    p95 = q[94]
    return {"n": n, "p50_ms": round(q[49], 1), "p95_ms": round(p95, 1), "p99_ms": round(q[98], 1),
            "max_ms": round(max(times), 1), "p95_vs_target": round(p95 / TARGET_MS, 3)}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per endpoint")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the temporary HOME (its path is printed)")
    parser.add_argument("--home", type=Path, help="reuse a HOME filled by an earlier --keep run")
    parser.add_argument("--serve", nargs=2, metavar=("HOME", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return

    import httpx

    scratch = Path(tempfile.mkdtemp(prefix="bench-review-"))
    home = args.home or scratch / "data"
    report: dict = {"documents": args.documents, "cores": os.cpu_count(), "load_before": load()}
    process = None
    try:
        if args.home:
            from review import auth
            from pipeline.context import Context
            from pipeline.settings import Settings

            ctx = Context.open(Settings(home=home))
            report["build"] = {"token": auth.new_api_token(ctx, "integracion"),
                               "manager_token": auth.new_api_token(ctx, "gerencia"), "reused": str(home)}
            ctx.close()
        else:
            print(f"Llenando {home} con {args.documents:,} documentos...", flush=True)
            report["build"] = build_database(home, args.documents)
            built = report["build"]
            print(f"  {built['seconds']} s, {built['size_mb']} MB: {built['counts']}", flush=True)
        token, manager_token = report["build"].pop("token"), report["build"].pop("manager_token")
        port = free_port()
        process = start_server(home, port, scratch / "app.log")
        base = f"http://127.0.0.1:{port}"
        pages = logged_in(base)
        api = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"})
        manager = {"pages": logged_in(base, "gerencia"),
                   "api": httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {manager_token}"})}
        ids = random.Random(7)
        last = args.documents
        random_ids = [ids.randint(1, last) for _ in range(args.requests + args.warmup)]
        endpoints = {
            "GET /cola": "/cola",
            "GET /cola?programa=las_jefas": "/cola?programa=las_jefas",
            "GET /cola?canal=telefono&banda=alta": "/cola?canal=telefono&banda=alta",
            "GET /cola?marca=needs_transcription": "/cola?marca=needs_transcription",
            "GET /api/v1/documents/{id}": lambda i: f"/api/v1/documents/{random_ids[i]}",
            "GET /api/v1/queue": "/api/v1/queue",
            "GET /turnados": "/turnados",  # the 100 nearest due of about 16,000 in attention, counted
            "GET /turnados?semaforo=vencido": "/turnados?semaforo=vencido",
            # Búsqueda: a common name (thousands of matches, counted), a phone, a folio, through the page and the API.
            "GET /buscar?q=rosa valenzuela": "/buscar?q=rosa+valenzuela",
            "GET /buscar?q=662 (teléfono)": lambda i: f"/buscar?q=662{random_ids[i] % 900 + 100}{random_ids[i] % 9000 + 1000}",
            "GET /buscar?q=folio": lambda i: f"/buscar?q={random_ids[i] % 15000 + 1}",
            "GET /api/v1/search?q=ruiz ochoa": "/api/v1/search?q=ruiz+ochoa",
        }
        # Gerencia's reports: measured with a manager's session and token, against the target for reference only.
        manager_endpoints = {
            "GET /auditoria": "/auditoria",  # the last 90 days
            "GET /auditoria?desde=(540 días)": f"/auditoria?desde={(dt.date.today() - dt.timedelta(days=540)).isoformat()}",
            "GET /api/v1/audit": "/api/v1/audit",
            "GET /informe": "/informe",  # received in the last 90 days and where they stand
            "GET /informe?desde=(540 días)": f"/informe?desde={(dt.date.today() - dt.timedelta(days=540)).isoformat()}",
            "GET /api/v1/report": "/api/v1/report",
        }
        report["load_start"] = load()
        print(f"\n{args.documents:,} documentos, {args.requests} peticiones por ruta tras {args.warmup} de calentamiento; "
              f"carga {report['load_start']} en {os.cpu_count()} núcleos")
        print(f"{'ruta':40s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'p95/150':>8s}")
        results = {}
        staff = {"api": api, "pages": pages}
        for managers, table in ((False, endpoints), (True, manager_endpoints)):
            for name, path in table.items():
                client = (manager if managers else staff)["api" if name.startswith("GET /api") else "pages"]
                results[name] = measure(client, path, args.requests, args.warmup)
                r = results[name]
                print(f"{name:40s} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['p99_ms']:8.1f} {r['p95_vs_target']:8.3f}"
                      f"{'' if r['p95_vs_target'] < 1 or managers else '  (no cumple)'}", flush=True)
        report["results"] = results
        report["load_end"] = load()
        print(f"carga al terminar {report['load_end']}")
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        if args.keep:
            print(f"HOME conservado en {home}", file=sys.stderr)
        elif not args.home:
            shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
