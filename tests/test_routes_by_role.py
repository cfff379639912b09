"""Every route the app serves × every role: who may use it is written down here, from the README's role table and
its per-feature notes (and review/roles.py's RULES), never read from the app's own permission code, so the two can
disagree. A route added without an entry in EXPECTED fails, as does an entry for a route that is gone: whoever adds
a route decides here who may use it (issue 14; the check without credentials is tests/test_routes_guarded.py).

Each cell logs in as a user of that role (web: a session from the login form; API: a bearer token) and sends a
request that is well formed (a CSRF token, a version, a date, a file) so that it reaches the role check, but that
fails after it for a role that may act (a stale version, a page or user that does not exist), so the allowed calls
change next to nothing. An allowed role must not be refused (401, 403, or a redirect to the login form); a role
that may not gets 403 (the API's `forbidden`, the page's «Su perfil no permite esta acción») and changes nothing.
Enlaces are scoped by directorate: another directorate's petition does not exist for them (404)."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from review import auth
from review.turnos import followup, routing
from review.web.app import create_app
from storage.tables import (AccessEntry, ApiToken, Decision, Directorate, Document, Event, FollowUp, OfficeClosure,
                            Program, Role, Routing, Transcription, User)
from tests.review_helpers import actor, document_in_review, make_user, version_of
from tests.test_review_web import csrf_of, log_in, page_pdf
from tests.test_routes_guarded import PUBLIC, routes

ANYONE = "anyone"  # no login needed (tests/test_routes_guarded.py's PUBLIC)
C, R, E, G, A = Role.capturista, Role.revisor, Role.enlace, Role.gerente, Role.admin
EVERYONE = frozenset(Role)
# README, role table: capturista «ver la cola»; revisor «además»; gerente «consulta todo»; admin. An enlace «sólo
# ve lo turnado a su dirección»: no queue, and no page beyond its turnos (the office closures included).
QUEUE = frozenset({C, R, G, A})
# A document, its page images and files: everyone who reads; an enlace only what was routed to its directorate.
READ = EVERYONE
CAPTURE = frozenset({C, R, A})  # «capturar peticiones recibidas por teléfono o en persona»; «Recepción por la API»
TRANSCRIBE = frozenset({C, R, A})  # «transcribe una página (capturista, revisor, admin)»
DECIDE = frozenset({R, A})  # «confirmar o corregir programa, dirección y datos, y turnar»; no es petición
REGROUP = frozenset({R, A})  # «Documentos escaneados juntos (revisor, admin)»
FOLLOW_UP = frozenset({E, R, A})  # «Seguimiento (enlace de la dirección responsable, revisor, admin)»
RETURN = frozenset({R, A})  # «devolución de turno (revisor, admin)»
RECTIFY = frozenset({R, A})  # «Rectificación (revisor, admin)»
MANAGERS = frozenset({G, A})  # auditoría, informe, exportar turnados, bitácora de accesos: «gerente, admin»
ADMIN = frozenset({A})  # usuarios, catálogo, días inhábiles, expediente ARCO

EXPECTED: dict[tuple[str, str], frozenset[Role] | str] = {
    # Public: the login form, the health checks, the API's description.
    ("GET", "/login"): ANYONE,
    ("POST", "/login"): ANYONE,
    ("POST", "/logout"): ANYONE,
    ("GET", "/salud"): ANYONE,
    ("GET", "/salud/listo"): ANYONE,
    ("GET", "/api/v1/openapi.json"): ANYONE,
    # Pages.
    ("GET", "/"): EVERYONE,  # sends each role to its start: the queue, or an enlace's turnos
    ("GET", "/cola"): QUEUE,
    ("GET", "/turnados"): EVERYONE,  # an enlace sees its directorate's turnos only
    ("GET", "/buscar"): EVERYONE,  # «Buscar (/buscar; todos los perfiles)»
    ("GET", "/bitacora"): MANAGERS,
    ("GET", "/auditoria"): MANAGERS,
    ("GET", "/informe"): MANAGERS,
    ("GET", "/tablero"): MANAGERS,  # the gerente's landing page (issue 16)
    ("GET", "/informe.csv"): MANAGERS,
    ("GET", "/informe.xlsx"): MANAGERS,
    ("GET", "/informe/mensual.pdf"): MANAGERS,  # the monthly report for the Governor's office
    ("GET", "/auditoria.xlsx"): MANAGERS,
    ("GET", "/cierres"): QUEUE,  # the office's closures: read by the office staff, changed by the admin
    ("POST", "/cierres"): ADMIN,
    ("POST", "/cierres/{day}/quitar"): ADMIN,
    ("POST", "/cierres/rango"): ADMIN,  # a period of closures at once (issue 16)
    ("GET", "/captura"): CAPTURE,
    ("POST", "/captura"): CAPTURE,
    ("GET", "/captura/hoja-separadora.pdf"): CAPTURE,
    ("POST", "/captura/fotos"): CAPTURE,  # the jornada photos: who may receive petitions (the same roles)
    ("GET", "/documentos/{document_id}"): READ,
    ("GET", "/documentos/{document_id}/paginas/{number}.png"): READ,
    ("GET", "/documentos/{document_id}/pdf"): READ,
    ("GET", "/documentos/{document_id}/volante"): READ,
    ("GET", "/documentos/{document_id}/acuse.pdf"): CAPTURE,  # printed for the citizen by who receives petitions
    ("GET", "/documentos/{document_id}/respuestas/{followup_id}.pdf"): READ,
    ("POST", "/documentos/{document_id}/confirmar"): DECIDE,
    ("POST", "/documentos/{document_id}/no-es-peticion"): DECIDE,
    ("POST", "/documentos/{document_id}/paginas/{number}/transcripcion"): TRANSCRIBE,
    ("POST", "/documentos/{document_id}/separar"): REGROUP,
    ("POST", "/documentos/{document_id}/unir"): REGROUP,
    ("POST", "/documentos/{document_id}/rectificar"): RECTIFY,
    ("POST", "/documentos/{document_id}/avance"): FOLLOW_UP,
    ("POST", "/documentos/{document_id}/respuesta"): FOLLOW_UP,
    ("POST", "/documentos/{document_id}/devolver"): RETURN,
    ("GET", "/admin/usuarios"): ADMIN,
    ("POST", "/admin/usuarios"): ADMIN,
    ("POST", "/admin/usuarios/{user_id}"): ADMIN,
    ("GET", "/admin/catalogo"): ADMIN,
    ("GET", "/admin/catalogo/exportar.json"): ADMIN,
    ("POST", "/admin/catalogo/importar"): ADMIN,
    ("POST", "/admin/catalogo/programas"): ADMIN,
    ("POST", "/admin/catalogo/direcciones"): ADMIN,
    ("GET", "/turnados/exportar.csv"): MANAGERS,  # «/turnados/exportar.csv (gerente, admin)»
    ("GET", "/turnados/exportar.xlsx"): MANAGERS,  # the same list as XLSX
    ("POST", "/arco/expediente"): ADMIN,  # «Expediente ARCO (derecho de acceso; admin)»
    # The API: «las mismas reglas de rol».
    ("GET", "/api/v1/queue"): QUEUE,
    ("GET", "/api/v1/search"): EVERYONE,
    ("POST", "/api/v1/documents"): CAPTURE,
    ("GET", "/api/v1/documents/{document_id}"): READ,
    ("POST", "/api/v1/documents/{document_id}/decision"): DECIDE,
    ("POST", "/api/v1/documents/{document_id}/dismiss"): DECIDE,
    ("POST", "/api/v1/documents/{document_id}/pages/{number}/transcription"): TRANSCRIBE,
    ("POST", "/api/v1/documents/{document_id}/split"): REGROUP,
    ("POST", "/api/v1/documents/{document_id}/merge"): REGROUP,
    ("POST", "/api/v1/documents/{document_id}/progress"): FOLLOW_UP,
    ("POST", "/api/v1/documents/{document_id}/answer"): FOLLOW_UP,
    ("POST", "/api/v1/documents/{document_id}/petitioner"): RECTIFY,
    ("POST", "/api/v1/documents/{document_id}/return"): RETURN,
    ("GET", "/api/v1/audit"): MANAGERS,
    ("GET", "/api/v1/report"): MANAGERS,
    ("GET", "/api/v1/dashboard"): MANAGERS,  # the tablero's figures, as /tablero
}

STALE = "999999"  # a version no document has: an allowed role gets 409 after the role check
NOBODY = "999999"  # a user, document or answer that does not exist
PAST_DAY = "2025-01-06"  # a valid answer date, not in the future

# What each request carries besides the CSRF token (pages) or the token (API): enough to pass every check made
# before the role's, nothing that would let an allowed role change the petition. "path" overrides a path parameter;
# "query" is the query string; "files" a multipart upload; the rest is the form (pages) or the JSON body (API).
REQUESTS: dict[tuple[str, str], dict] = {
    ("POST", "/cierres"): {"day": ""},
    ("POST", "/cierres/rango"): {"desde": "2026-04-10", "hasta": "2026-04-01"},  # backwards: 422 once allowed
    ("POST", "/captura"): {"channel": "", "text": ""},
    ("POST", "/captura/fotos"): {"files": {"otro": ("nota.txt", b"sin foto", "text/plain")}},  # no photo: 422
    ("POST", "/documentos/{document_id}/confirmar"): {"version": STALE, "program": "las_jefas"},
    ("POST", "/documentos/{document_id}/no-es-peticion"): {"version": STALE},
    ("POST", "/documentos/{document_id}/paginas/{number}/transcripcion"): {"path": {"number": "99"}, "text": "x"},
    ("POST", "/documentos/{document_id}/separar"): {"version": STALE, "page": "2"},
    ("POST", "/documentos/{document_id}/unir"): {"version": STALE, "into": "{review}"},
    ("POST", "/documentos/{document_id}/rectificar"): {"version": STALE, "note": "Solicitud de rectificación"},
    # A progress note has no version: an allowed role really adds one (a refused one must not).
    ("POST", "/documentos/{document_id}/avance"): {"text": "Se llamó a la peticionaria."},
    ("POST", "/documentos/{document_id}/respuesta"): {"version": STALE, "answered_on": PAST_DAY,
                                                       "text": "Se entregó."},
    ("POST", "/documentos/{document_id}/devolver"): {"version": STALE, "note": "No es de esta dirección."},
    ("GET", "/documentos/{document_id}/respuestas/{followup_id}.pdf"): {"path": {"followup_id": NOBODY}},
    ("POST", "/admin/usuarios"): {"name": "", "role": "revisor", "password": ""},
    ("POST", "/admin/usuarios/{user_id}"): {"path": {"user_id": NOBODY}, "action": "activate"},
    ("POST", "/admin/catalogo/importar"): {"files": {"archivo": ("catalogo.json", b"no es JSON", "application/json")}},
    ("POST", "/admin/catalogo/programas"): {"code": "", "name": ""},
    ("POST", "/admin/catalogo/direcciones"): {"code": "", "name": ""},
    ("POST", "/arco/expediente"): {"documento": NOBODY},
    ("GET", "/api/v1/search"): {"query": {"q": "Peña"}},
    ("POST", "/api/v1/documents"): {"channel": "telefono"},  # no text: 422 once the role may receive
    ("POST", "/api/v1/documents/{document_id}/decision"): {"program": "las_jefas", "version": int(STALE)},
    ("POST", "/api/v1/documents/{document_id}/dismiss"): {"version": int(STALE)},
    ("POST", "/api/v1/documents/{document_id}/pages/{number}/transcription"): {"path": {"number": "99"}, "text": "x"},
    ("POST", "/api/v1/documents/{document_id}/split"): {"version": int(STALE), "at_page": 2},
    ("POST", "/api/v1/documents/{document_id}/merge"): {"version": int(STALE), "into": "{review}"},
    ("POST", "/api/v1/documents/{document_id}/progress"): {"text": "Se llamó a la peticionaria."},
    ("POST", "/api/v1/documents/{document_id}/answer"): {"version": int(STALE), "answered_on": PAST_DAY,
                                                          "text": "Se entregó."},
    ("POST", "/api/v1/documents/{document_id}/petitioner"): {"version": int(STALE), "fields": {},
                                                              "note": "Rectificación"},
    ("POST", "/api/v1/documents/{document_id}/return"): {"version": int(STALE), "note": "No es de esta dirección."},
}

# What a refused request must leave as it was.
WATCHED = (Document, Decision, Event, Routing, FollowUp, Transcription, OfficeClosure, User, ApiToken, Program,
           Directorate)
REFUSED_PAGE = "Su perfil no permite esta acción"


def counts(ctx) -> dict[str, int]:
    with ctx.sessions() as session:
        return {t.__name__: session.scalar(select(func.count()).select_from(t)) for t in WATCHED}


def logged_since(ctx, last: int | None) -> list[str]:
    """The access-log actions recorded after entry `last`."""
    with ctx.sessions() as session:
        return list(session.scalars(select(AccessEntry.action).where(AccessEntry.id > (last or 0))))


def last_logged(ctx) -> int | None:
    with ctx.sessions() as session:
        return session.scalar(select(func.max(AccessEntry.id)))


def routed(ctx, program: str, name: str) -> int:
    """A petition routed by a reviewer (user "rita"), with its page image and PDF, petitioner `name`."""
    document_id = document_in_review(ctx, text=f"{name} solicita apoyo del programa.",
                                     fields={"name": {"value": name, "score": 0.9}})
    page_pdf(ctx, document_id)
    routing.confirm(ctx, actor(ctx, "rita"), document_id, version=version_of(ctx, document_id), program=program,
                    fields={"name": name})
    return document_id


def request_for(method: str, path: str, ids: dict[str, str], csrf: str | None) -> tuple[str, dict]:
    """The URL and keyword arguments of one probe (TestClient.request)."""
    spec = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in REQUESTS.get((method, path), {}).items()}
    values = {"document_id": ids["routed"], "number": "1", "day": "2026-03-10", **spec.pop("path", {})}
    url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
    kwargs: dict = {"params": spec.pop("query", None)}
    if path.startswith("/api/"):
        if "into" in spec:
            spec["into"] = int(spec["into"])
        if method == "POST":
            kwargs["json"] = spec
    elif method == "POST":
        kwargs["files"] = spec.pop("files", None)
        kwargs["data"] = {**spec, "csrf": csrf}
    return url, kwargs


def test_the_table_lists_exactly_the_apps_routes(ctx):
    served = set(routes(create_app(ctx)))
    unlisted = sorted(served - set(EXPECTED))
    gone = sorted(set(EXPECTED) - served)
    assert not unlisted, f"routes without a row in EXPECTED (decide who may use them): {unlisted}"
    assert not gone, f"rows in EXPECTED for routes the app no longer has: {gone}"
    assert {route for route, who in EXPECTED.items() if who == ANYONE} == PUBLIC
    assert set(REQUESTS) <= set(EXPECTED), sorted(set(REQUESTS) - set(EXPECTED))


def test_every_route_admits_exactly_the_roles_the_table_names(ctx):
    app = create_app(ctx)
    people = {C: "caro", R: "rita", E: "enzo", G: "gina", A: "adan"}
    for role, name in people.items():
        make_user(ctx, name, role, "programas_sociales" if role == E else None)
    review_id = document_in_review(ctx)
    ids = {"routed": str(routed(ctx, "las_jefas", "María Peña Ávila")), "review": str(review_id)}
    cells = 0
    found: list[str] = []
    with TestClient(app, follow_redirects=False) as api:
        for role, name in people.items():
            headers = {"Authorization": f"Bearer {auth.new_api_token(ctx, name)}"}
            with TestClient(app, follow_redirects=False) as web:
                assert log_in(web, name).status_code == 303, name
                csrf = csrf_of(web.get("/buscar").text)
                for (method, path), allowed in EXPECTED.items():
                    if allowed == ANYONE:
                        continue
                    cells += 1
                    url, kwargs = request_for(method, path, ids, csrf)
                    before, last = (counts(ctx), last_logged(ctx)) if role not in allowed else (None, None)
                    if path.startswith("/api/"):
                        answer = api.request(method, url, headers=headers, **kwargs)
                    else:
                        answer = web.request(method, url, **kwargs)
                    where = f"{role.value} {method} {path}: {answer.status_code} {answer.text[:200]!r}"
                    to_login = answer.status_code == 303 and answer.headers["location"].startswith("/login")
                    assert answer.status_code < 500, where
                    if role in allowed:
                        if answer.status_code in (401, 403) or to_login:
                            found.append(f"refused but allowed: {where}")
                    else:
                        if path.startswith("/api/"):
                            refused = answer.status_code == 403 and answer.json()["detail"]["code"] == "forbidden"
                        else:
                            refused = answer.status_code == 403 and REFUSED_PAGE in answer.text
                        if not refused:
                            found.append(f"not refused but forbidden: {where}")
                            continue
                        assert counts(ctx) == before, f"a refused request changed something: {where}"
                        # A refused form on a document shows that document again, with the refusal: a view, logged.
                        assert set(logged_since(ctx, last)) <= {"view_document"}, where
    assert not found, "\n".join(found)
    assert cells == len([1 for who in EXPECTED.values() if who != ANYONE]) * len(people) > 250


def test_an_enlace_reaches_only_its_own_directorates_petitions(ctx):
    """Two enlaces of different directorates: the other's petition, its files and its follow-up do not exist for
    them (404, nothing changed, nothing shown); their own answer 200."""
    make_user(ctx, "rita", Role.revisor)
    make_user(ctx, "enzo", Role.enlace, "programas_sociales")
    make_user(ctx, "otto", Role.enlace, "infraestructura_social")
    petitions = {"enzo": ("las_jefas", "Rosa Fimbres Lugo"), "otto": ("infraestructura_basica", "Tomás Yocupicio")}
    own: dict[str, dict] = {}
    for enlace, (program, name) in petitions.items():
        open_id, answered_id = routed(ctx, program, name), routed(ctx, program, name + " Segunda")
        followup.answer(ctx, actor(ctx, "rita"), answered_id, version=version_of(ctx, answered_id),
                        answered_on=dt.date(2025, 1, 6), text="Se entregó el apoyo.", letter=True)
        with ctx.sessions() as session:
            answer_id = session.scalar(select(FollowUp.id).where(FollowUp.document_id == answered_id,
                                                                 FollowUp.file_path.is_not(None)))
            folio = session.scalar(select(Routing.folio).where(Routing.document_id == open_id))
        own[enlace] = {"open": open_id, "answered": answered_id, "answer": answer_id, "name": name, "folio": folio}

    app = create_app(ctx)
    with TestClient(app, follow_redirects=False) as api:
        for enlace, other in (("enzo", "otto"), ("otto", "enzo")):
            mine, theirs = own[enlace], own[other]
            headers = {"Authorization": f"Bearer {auth.new_api_token(ctx, enlace)}"}
            with TestClient(app, follow_redirects=False) as web:
                log_in(web, enlace)
                csrf = csrf_of(web.get("/buscar").text)

                def reads(ids: dict) -> dict[str, object]:
                    return {
                        "page": web.get(f"/documentos/{ids['open']}"),
                        "image": web.get(f"/documentos/{ids['open']}/paginas/1.png"),
                        "pdf": web.get(f"/documentos/{ids['open']}/pdf"),
                        "slip": web.get(f"/documentos/{ids['open']}/volante"),
                        "answer pdf": web.get(f"/documentos/{ids['answered']}/respuestas/{ids['answer']}.pdf"),
                        "concluded page": web.get(f"/documentos/{ids['answered']}"),
                        "api": api.get(f"/api/v1/documents/{ids['open']}", headers=headers),
                    }

                for what, answer in reads(mine).items():
                    assert answer.status_code == 200, f"{enlace}, own {what}: {answer.status_code}"
                for what, answer in reads(theirs).items():
                    assert answer.status_code in (403, 404), f"{enlace}, other's {what}: {answer.status_code}"
                    assert theirs["name"] not in answer.text and theirs["folio"] not in answer.text, what

                # Follow-up actions on the other directorate's turno: refused, nothing recorded.
                before = counts(ctx)
                doc = theirs["open"]
                version = version_of(ctx, doc)
                actions = [
                    web.post(f"/documentos/{doc}/avance", data={"csrf": csrf, "text": "Avance ajeno"}),
                    web.post(f"/documentos/{doc}/respuesta", data={"csrf": csrf, "version": str(version),
                                                                   "answered_on": "2025-01-06", "text": "Ajena"}),
                    api.post(f"/api/v1/documents/{doc}/progress", headers=headers, json={"text": "Avance ajeno"}),
                    api.post(f"/api/v1/documents/{doc}/answer", headers=headers,
                             json={"version": version, "answered_on": "2025-01-06", "text": "Ajena"}),
                ]
                for answer in actions:
                    assert answer.status_code in (403, 404), f"{enlace}: {answer.request.url} {answer.status_code}"
                assert counts(ctx) == before

                # Their own: the progress note is recorded.
                assert web.post(f"/documentos/{mine['open']}/avance",
                                data={"csrf": csrf, "text": "Se visitó la colonia."}).status_code == 303
                assert api.post(f"/api/v1/documents/{mine['open']}/progress", headers=headers,
                                json={"text": "Se agendó la entrega."}).status_code == 200

                # Listings and search show only their own.
                listing = web.get("/turnados")
                assert mine["folio"] in listing.text and theirs["folio"] not in listing.text
                found = api.get("/api/v1/search", headers=headers, params={"q": theirs["name"]}).json()
                assert found["total"] == 0
                found = api.get("/api/v1/search", headers=headers, params={"q": mine["name"]}).json()
                assert mine["open"] in [item["id"] for item in found["items"]]
    with ctx.sessions() as session:
        notes = session.scalars(select(FollowUp.document_id).where(FollowUp.kind == "progress")).all()
    assert sorted(notes) == sorted([own["enzo"]["open"]] * 2 + [own["otto"]["open"]] * 2)


def test_a_malformed_path_answers_a_role_that_may_not_act_as_a_valid_one_does(ctx):
    """/documentos/abc/confirmar: the role is checked before the path is read, so a capturista gets the same 403 as
    for a real document (not a 422 that answers before the refusal), and someone logged out the same as for a
    valid address (the login form, 401), on every route with a path parameter."""
    app = create_app(ctx)
    people = {C: "caro", R: "rita", E: "enzo", G: "gina", A: "adan"}
    for role, name in people.items():
        make_user(ctx, name, role, "programas_sociales" if role == E else None)
    with_path = [(method, path) for (method, path), allowed in EXPECTED.items() if "{" in path and allowed != ANYONE]
    valid = {"day": "2026-03-10"}  # any other parameter: a number nothing has
    found: list[str] = []
    with TestClient(app, follow_redirects=False) as api, TestClient(app, follow_redirects=False) as outsider:
        for role, name in [*people.items(), (None, None)]:
            headers = {"Authorization": f"Bearer {auth.new_api_token(ctx, name)}"} if name else {}
            with TestClient(app, follow_redirects=False) as web:
                csrf = csrf_of(web.get("/buscar").text) if name and log_in(web, name) else ""
                for method, path in with_path:
                    if role is not None and role in EXPECTED[(method, path)]:
                        continue  # a role that may act reads why the address is wrong (422)
                    data = {"csrf": csrf} if method == "POST" and not path.startswith("/api/") else None
                    client = api if path.startswith("/api/") else web if name else outsider
                    answers = [client.request(method, re.sub(r"\{(\w+)\}", lambda m: value or valid.get(m[1], NOBODY),
                                                             path), headers=headers, data=data).status_code
                               for value in ("abc", None)]
                    if answers[0] != answers[1] or answers[1] not in (303, 401, 403):
                        found.append(f"{role.value if role else 'logged out'} {method} {path}: malformed "
                                     f"{answers[0]}, valid {answers[1]}")
    assert not found, "\n".join(found)
