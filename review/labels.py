"""What staff read in place of the stable codes the database and the API keep: states, channels, history events,
machine actors, confidence bands. One mapping for every page; templates use it through Jinja filters (`install`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from classifiers import identifiers
from review import dates

STATES = {
    "received": "recibido",
    "processing": "en proceso",
    "review": "en revisión",
    "routed": "turnado",
    "concluded": "concluido",
    "failed": "con falla",
    "quarantined": "en cuarentena",
    "duplicate": "duplicado",
}

CHANNELS = {
    "correspondencia": "Correspondencia",
    "jornadas": "Jornadas",
    "correo": "Correo electrónico",
    "redes": "Redes sociales",
    "telefono": "Teléfono",
    "presencial": "Presencial",
    "sistema": "Sistema interno",
}

# Confidence of a machine suggestion, from its score: "alta" from HIGH, "media" from MEDIUM; the queue's filter
# (review/reports/views.py) uses the same limits; "muy alta" is the top of "alta".
HIGH, MEDIUM = 0.80, 0.50
BANDS = ((0.95, "muy alta"), (HIGH, "alta"), (MEDIUM, "media"), (0.0, "baja"))

# Who wrote an event without being a person: the watcher, the CLI, the web app's delivery, a worker ("host:pid").
MACHINE_ACTORS = frozenset({"watcher", "intake", "cli", "review", "pipeline", "worker", "sistema"})
_WORKER = re.compile(r"[^\s:]+:\d+")

# The access log (bitácora): what each entry's action code means.
ACTIONS = {
    "login": "Entró", "login_failed": "Intento de entrada fallido", "login_throttled": "Entrada bloqueada por intentos",
    "logout": "Salió", "api_token_created": "Clave de API creada",
    "api_tokens_revoked": "Revocó las claves de API",
    "view_queue": "Vio la cola", "view_routed": "Vio los turnados", "view_document": "Vio el documento", "view_page_image": "Vio la imagen de una página",
    "download_pdf": "Descargó el PDF", "download_slip": "Descargó el volante", "download_answer": "Descargó la respuesta",
    "download_receipt": "Imprimió el acuse de recibo", "download_separator": "Descargó la hoja separadora",
    "view_access_log": "Consultó la bitácora", "view_users": "Consultó los usuarios",
    "view_audit": "Consultó la auditoría", "view_report": "Consultó el informe de atención",
    "view_dashboard": "Consultó el tablero", "monthly_report": "Generó el informe mensual", "search": "Buscó", "rectify": "Corrigió los datos del peticionario",
    "arco_access": "Exportó el expediente de un peticionario (derecho de acceso)", "export": "Exportó una lista",
    "capture": "Capturó una petición", "receive": "Envió un documento por la API", "decision": "Turnó", "not_petition": "Marcó «no es petición»",
    "transcription": "Transcribió una página", "split": "Separó páginas", "merge": "Unió documentos",
    "follow_up": "Registró un avance", "answer": "Registró la respuesta", "return": "Devolvió el turno",
    "closure_added": "Agregó un día inhábil", "closure_removed": "Quitó un día inhábil",
    "user_created": "Creó un usuario", "user_deactivated": "Desactivó un usuario", "user_activated": "Reactivó un usuario",
    "password_reset": "Cambió una contraseña", "user_role_changed": "Cambió el rol de un usuario",
    "catalogue_changed": "Modificó el catálogo", "catalogue_imported": "Importó el catálogo (archivo JSON)",
    "catalogue_exported": "Exportó el catálogo (archivo JSON)", "training_corpus": "Exportó el corpus de entrenamiento",
    "backup": "Respaldó la base de datos y los archivos",
}
VIAS = {"web": "web", "api": "API", "cli": "terminal"}

# Why a model version was promoted or kept out (classifiers/gate.py, pipeline/retrain.py) and why it was activated.
MODEL_REASONS = {
    "better_or_equal": "no es peor que el modelo activo",
    "covers_new_labels": "sugiere programas o direcciones que el modelo activo no conocía",
    "worse_accuracy": "acierta menos que el modelo activo",
    "worse_calibration": "sus puntajes son menos confiables que los del modelo activo",
    "worse_on_known_labels": "es peor en lo que el modelo activo ya conocía",
    "not_better_than_label_shares": "no acierta más que eligiendo siempre la etiqueta más común",
    "too_few_decisions": "muy pocas decisiones para reentrenar",
    "no_active_model": "no había modelo activo",
    "activated_by_hand": "activado a mano",
}

_CAUSES = {"transcription": "tras transcribir una página", "split": "tras separar páginas",
           "merge": "tras unir documentos"}

# History events whose sentence is its detail's values put in their place ({directorate}: its name; {pages}: the
# page numbers joined; {cause}: why suggestions were recalculated).
_SENTENCES = {
    "mail_sent": "Enviado por correo a {directorate} ({to})",
    "mail_failed": "Correo a {directorate} no enviado ({error_code}); queda pendiente",
    "mail_skipped": "Correo a {directorate} no enviado: ya no tiene correo en el catálogo",
    "reminder_sent": "Recordatorio de vencimientos enviado a {directorate} ({to})",
    "reminder_failed": "Recordatorio de vencimientos a {directorate} no enviado ({error_code}); se reintenta ese día",
    "transcribed": "Página {page} transcrita",
    "reclassified": "Sugerencias recalculadas {cause}",
    "split": "Páginas {pages} separadas al documento {new_document}",
    "split_from": "Separado del documento {document} (páginas {pages})",
    "receipt_mailed": "Acuse de recibo enviado por correo a {to} ({folio})",
    "receipt_mail_failed": "Acuse de recibo por correo no enviado ({error_code})",
    "batch_split": "Lote separado en {documents} peticiones por {sheets} hojas separadoras",
    "batch_part": "Petición separada del lote {batch} (páginas {pages} del escaneo)",
    "merged": "Unido al documento {into}",
    "merged_in": "Recibió las páginas del documento {document}",
}


class _Detail(dict):
    """An event's detail with computed values over it, for str.format_map: a value the event lacks reads as ""."""

    def __init__(self, detail: Mapping, **computed):
        super().__init__(detail, **computed)

    def __missing__(self, key: str) -> str:
        return ""


# History events whose sentence needs nothing from their detail.
_EVENTS = {
    "document_received": "Recibido por la carpeta de entrada",
    "document_quarantined": "Recibido y puesto en cuarentena",
    "document_review": "Creado en revisión (páginas separadas de otro documento)",
    "suggested": "Leído y clasificado",
    "delivery_failed": "Falló la entrega a salida/; se vuelve a intentar",
    "not_petition": "Marcado como «no es petición»",
    "progress_note": "Avance registrado",
    "answered": "Respuesta al ciudadano registrada; concluido",
    "returned": "Devolución de turno: vuelve a revisión",
    "petitioner_corrected": "Datos del peticionario corregidos (rectificación)",
}


def named(table: Mapping[str, str], code: str | None) -> str:
    """The Spanish name of `code` in `table`; an unknown code as it is, none as ""."""
    return table.get(code or "", code or "")


def state(code: str | None) -> str:
    return named(STATES, code)


def channel(code: str | None) -> str:
    return named(CHANNELS, code)


def actor(name: str | None) -> str:
    """"sistema" for the machine (watcher, workers, delivery); a person's user name as it is."""
    if not name or name in MACHINE_ACTORS or _WORKER.fullmatch(name):
        return "sistema"
    return name


def band(score: float | None) -> str:
    """"muy alta", "alta", "media" or "baja" for a score between 0 and 1."""
    score = score or 0.0
    return next(name for floor, name in BANDS if score >= floor)


def event(e: Mapping, directorates: Mapping[str, str] | None = None) -> str:
    """One history entry ({"kind", "detail", ...}) as a Spanish sentence."""
    names = directorates or {}
    kind, d = e.get("kind") or "", e.get("detail") or {}
    name = lambda code: named(names, code)  # noqa: E731
    if d.get("via") == "api" and kind in ("document_received", "document_quarantined"):
        joined = f" ({len(d['parts'])} archivos unidos en un documento)" if d.get("parts") else ""
        return ("Recibido por la API" if kind == "document_received" else
                "Recibido por la API y puesto en cuarentena") + joined
    if kind in _EVENTS:
        return _EVENTS[kind]
    if kind == "document_duplicate":
        return f"Recibido: mismo contenido que el documento {d.get('duplicate_of')}" if d.get("duplicate_of") \
            else "Recibido: duplicado de otro documento"
    if kind.startswith("document_"):
        return f"Registrado ({state(kind.removeprefix('document_'))})"
    if kind == "claimed":
        return "Retomado para leer tras una interrupción" if d.get("interrupted_stage_runs") else "Tomado para leer"
    if kind == "state_changed":
        text = f"Pasó a «{state(d.get('state'))}»"
        return text + (f" ({d['reason_code']})" if d.get("reason_code") and d.get("state") in ("failed", "quarantined")
                       else "")
    if kind == "routed":
        text = f"Turnado con folio {d.get('folio', '')} a {name(d.get('directorate'))}"
        copies = d.get("copies") or ()
        return text + (f" (c.c.p. {', '.join(name(c) for c in copies)})" if copies else "")
    if kind == "delivered":
        where = ", ".join(name(c) for c in d.get("directorates") or ())
        return f"Entregado a salida/ ({where})" if where else "Entregado a salida/"
    if kind in _SENTENCES:
        pages = ", ".join(str(p) for p in d.get("pages") or ())
        return _SENTENCES[kind].format_map(_Detail(d, directorate=name(d.get("directorate")), pages=pages,
                                                   cause=_CAUSES.get(d.get("cause"), "")))
    return kind.replace("_", " ").capitalize()


def field_value(name: str, value) -> str:
    """A petitioner field as staff read it: a phone as people write it ("662 213 9087"), a date found in the letter
    as dd/mm/aaaa; anything typed otherwise as it was typed."""
    text = "" if value is None else str(value)
    if name == "phone" and text:
        return identifiers.readable_phone(text)
    if name.endswith("date") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dates.day(dt.date.fromisoformat(text))
        except ValueError:
            return text
    return text


def stored_value(name: str, text: str) -> str:
    """What `field_value` shows, back as it is stored (as the machine stores what it finds): a phone in E.164, a
    date dd/mm/aaaa as ISO; anything else, or what does not parse, as typed."""
    if name == "phone":
        return identifiers.stored_phone(text)
    found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text) if name.endswith("date") else None
    if found:
        try:
            return dt.date(int(found[3]), int(found[2]), int(found[1])).isoformat()
        except ValueError:
            return text
    return text


def install(env) -> None:
    """Jinja filters: `estado`, `medio`, `actor`, `banda`, `evento` (with the directorates' names), `accion`, `via`,
    `campo` (a petitioner field's value as staff read it: `value|campo(name)`)."""
    env.filters.update(estado=state, medio=channel, actor=actor, banda=band, evento=event,
                       campo=lambda value, name: field_value(name, value),
                       accion=lambda code: named(ACTIONS, code), via=lambda code: named(VIAS, code))
