"""Derecho de acceso (ARCO): everything the office holds about the petitioner of some documents, in one ZIP the
administration hands over: `resumen.txt` (Spanish, printable), `expediente.json` (the same in codes and ISO dates)
and `archivos/<id>/` (the original as received, the searchable PDF, the routing slips and the answers' PDFs).

Originals are copied, never moved or changed. The ZIP is readable by its owner only from its first byte, and each
document included leaves an access-log entry naming the file.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import Context
from review.errors import DocumentNotFound, InvalidInput
from pipeline.paths import archived_file, searchable_pdf, stored
from review import admin, dates, labels
from review.roles import Actor, log_access, require
from review.turnos.routing import LABELS
from storage import access, decisions, documents, texts
from storage.files import write_streamed
from storage.tables import Decision, Document, Event, FollowUp, Page, Routing, User, aware, utcnow

FILE_KINDS = {"original": "Original recibido", "pdf": "PDF con texto", "slip": "Volante de turno",
              "answer": "Respuesta"}
RULE = "=" * 72


@dataclass(frozen=True)
class Summary:
    """What an expediente holds."""

    out: Path
    documents: int
    files: int  # copies under archivos/
    bytes: int

    def as_json(self) -> dict:
        return {"out": str(self.out), "documents": self.documents, "files": self.files, "bytes": self.bytes}


def dossier(ctx: Context, actor: Actor, document_ids: list[int], out: Path) -> Summary:
    """Write the expediente of these documents to `out` (a new file) and log the export once per document."""
    require(actor, "arco_access")
    ids = list(dict.fromkeys(document_ids))
    if not ids:
        raise InvalidInput("no documents", user_message="Elija al menos un documento para el expediente ARCO.")
    if out.exists():
        raise InvalidInput(f"{out} exists", user_message=f"Ya existe {out}; elija otro nombre (un expediente nunca "
                                                         "reemplaza otro archivo).")
    now = utcnow()
    with ctx.sessions() as session:
        people = {user_id: name for user_id, name in session.execute(select(User.id, User.name))}  # a few staff
        names = _names(session)
        # An unknown id stops here, before anything is written.
        held = [_held(ctx, session, document_id, people, names) for document_id in ids]
    records = [record for record, _ in held]
    copies = [copy for _, files in held for copy in files]
    data = {"generated_at": now.isoformat(), "generated_by": actor.name, "office": ctx.settings.office_name,
            "documents": records}
    text = _summary(data, ctx.settings.timezone)

    def fill(handle) -> None:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, strict_timestamps=False) as archive:
            archive.writestr("resumen.txt", text)
            archive.writestr("expediente.json", json.dumps(data, ensure_ascii=False, indent=1))
            for name, path in copies:
                archive.write(path, name, compress_type=zipfile.ZIP_STORED)  # PDFs and scans are compressed already

    write_streamed(out, fill, private=True)
    try:
        with ctx.sessions.begin() as session:
            for document_id in ids:
                log_access(session, actor, "arco_access", document_id, target=out.name)
    except BaseException:
        out.unlink(missing_ok=True)  # personal data never leaves without its entry in the access log
        raise
    return Summary(out, len(ids), len(copies), out.stat().st_size)


def _held(ctx: Context, session: Session, document_id: int, people: dict[int, str],
          names: tuple[dict[str, str], dict[str, str]]) -> tuple[dict, list[tuple[str, Path]]]:
    """One document as the expediente shows it, and the files to copy: (name in the ZIP, path)."""
    document = session.get(Document, document_id)
    if document is None:
        raise DocumentNotFound(str(document_id))
    folder = f"archivos/{document_id}"
    files: list[tuple[str, dict, Path]] = []

    def keep(kind: str, path: Path | None, name: str | None = None) -> str | None:
        if path is None or not path.is_file():
            return None
        entry = f"{folder}/{name or path.name}"
        if all(entry != known for known, _, _ in files):
            files.append((entry, {"kind": kind, "path": entry}, path))
        return entry

    shared = _scan_shared(session, document)
    original = None if shared else archived_file(ctx, document) if document.archive_path else \
        Path(document.quarantine_path) if document.quarantine_path else None
    keep("original", original, f"original{Path(document.archive_path or document.original_name).suffix.lower()}")
    keep("pdf", searchable_pdf(ctx, document_id))

    extraction = documents.latest_extraction(session, document_id)
    # The data as confirmed at routing and at each rectificación: the latest holds, the earlier ones are still held.
    confirmations = [{"kind": c.kind, "at": _iso(c.decided_at), "by": people.get(c.user_id, ""),
                      "fields": dict(c.fields or {}), "note": c.note}
                     for c in session.scalars(select(Decision).order_by(Decision.id).where(
                         Decision.document_id == document_id, Decision.kind.in_(decisions.CONFIRMING)))]
    notes: dict[int, list[dict]] = {}
    for f in session.scalars(select(FollowUp).where(FollowUp.document_id == document_id).order_by(FollowUp.id)):
        notes.setdefault(f.routing_id, []).append({
            "kind": f.kind, "text": f.text, "at": _iso(f.at), "by": people.get(f.user_id, ""),
            "answered_on": f.answered_on.isoformat() if f.answered_on else None,
            "file": keep("answer", stored(ctx, f.file_path) if f.file_path else None)})
    turnos = []
    for r in session.scalars(select(Routing).where(Routing.document_id == document_id).order_by(Routing.round)):
        turnos.append({
            "round": r.round, "folio": r.folio, "directorate": r.directorate, "copies": list(r.copies or []),
            "program": r.program, "instruction": r.instruction, "routed_at": _iso(r.routed_at),
            "routed_by": people.get(r.routed_by, ""), "deadline_days": r.deadline_days,
            "due_date": r.due_date.isoformat(), "returned_at": _iso(r.returned_at), "return_note": r.return_note,
            "concluded_at": _iso(r.concluded_at),
            "slip": keep("slip", stored(ctx, r.slip_path) if r.slip_path else None),
            "followups": notes.get(r.id, [])})
    history = [{"at": _iso(e.at), "kind": e.kind, "actor": e.actor, "detail": e.detail}
               for e in session.scalars(select(Event).where(Event.document_id == document_id).order_by(Event.id))]
    # Every entry, oldest first: the citizen is owed all of it, not the access-log page's latest 200.
    entries = access.entries(session, document_id=document_id, limit=1_000_000)[::-1]
    record = {
        "id": document.id, "received_at": _iso(document.received_at), "channel": document.channel,
        "state": document.state.value, "reason": document.reason, "original_name": document.original_name,
        "page_count": document.page_count,
        "extracted": {"model_version": extraction.model_version, "at": _iso(extraction.created_at),
                      "fields": extraction.fields} if extraction else None,
        "confirmed": confirmations[-1] if confirmations else None, "confirmed_before": confirmations[:-1],
        "turnos": turnos, "history": history,
        # Who looked and what they did; not the staff's IP addresses, which are their data, not the petitioner's.
        "access_log": [{"at": _iso(a.at), "user": a.user_name, "action": a.action, "target": a.target, "via": a.via}
                       for a in entries],
        "text": texts.current_text(session, document_id),
        "original_shared": shared,  # the scan holds other petitions' pages too: only this one's PDF is included
        "files": [entry for _, entry, _ in files],
    }
    record["directorate_names"] = {code: names[0].get(code, code) for code in _codes(turnos)}
    record["program_names"] = {t["program"]: names[1].get(t["program"], t["program"]) for t in turnos if t["program"]}
    return record, [(name, path) for name, _, path in files]


def _scan_shared(session: Session, document: Document) -> bool:
    """True when the scan as received holds other petitions' pages too: pages were split off it into another
    document, or this document was split off another's scan. Its copy would hand one citizen another's data."""
    if document.reason_code == "split":
        return True
    moved_out = select(Page.id).where(Page.origin_document_id == document.id, Page.document_id != document.id)
    return session.scalar(moved_out.limit(1)) is not None


def _names(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """Directorate and program names, inactive ones included: an old turno may name them."""
    directorates, programs = admin.catalogue_rows(session)
    return {d.code: d.name for d in directorates}, {p.code: p.name for p in programs}


def _codes(turnos: list[dict]) -> list[str]:
    return list(dict.fromkeys(code for t in turnos for code in [t["directorate"], *t["copies"]]))


def _iso(moment: dt.datetime | None) -> str | None:
    return aware(moment).isoformat() if moment else None


def _summary(data: dict, timezone: str) -> str:
    """The expediente as a clerk prints it: Spanish, dates on the office's clock."""
    when = lambda value: dates.moment(value, timezone)  # noqa: E731
    ids = ", ".join(str(d["id"]) for d in data["documents"])
    lines = ["EXPEDIENTE DE DATOS PERSONALES · DERECHO DE ACCESO (ARCO)", data["office"],
             f"Elaborado el {when(data['generated_at'])} por {data['generated_by']}.",
             f"Documentos: {len(data['documents'])} ({ids}).", "",
             "Contiene todos los datos personales que el sistema de peticiones conserva sobre las peticiones "
             "indicadas: lo que se recibió, lo que el sistema leyó, lo que confirmó quien revisó, los turnos, su "
             "seguimiento y respuesta, el historial y quién consultó cada petición. Las copias de los archivos "
             "están en la carpeta archivos/ de este paquete."]
    for d in data["documents"]:
        lines += ["", RULE, f"DOCUMENTO {d['id']}", RULE, *_document(d, when)]
    return "\n".join(lines) + "\n"


def _document(d: dict, when) -> list[str]:
    directorate = lambda code: d["directorate_names"].get(code, code)  # noqa: E731
    lines = [f"Número de documento: {d['id']}", f"Fecha y hora de recepción: {when(d['received_at'])}",
             f"Medio de recepción: {labels.channel(d['channel'])}",
             f"Estado: {labels.state(d['state'])}" + (f" · {d['reason']}" if d["reason"] else ""),
             f"Archivo recibido: {d['original_name']}" + (f", {d['page_count']} página(s)" if d["page_count"] else "")]
    extracted = d["extracted"]
    lines += ["", "Datos del peticionario leídos por el sistema (lectura automática, sin confirmar):",
              *_fields(extracted["fields"] if extracted else {})]
    confirmed = d["confirmed"]
    lines.append("")
    if confirmed:
        lines += [f"Datos del peticionario confirmados por quien revisó ({_confirmation(confirmed, when)}):",
                  *_fields(confirmed["fields"])]
    else:
        lines.append("Datos del peticionario confirmados por quien revisó: ninguno (no se ha turnado).")
    for earlier in reversed(d["confirmed_before"]):
        lines += ["", f"Datos confirmados antes, sustituidos por una corrección ({_confirmation(earlier, when)}):",
                  *_fields(earlier["fields"])]
    lines += ["", "Turnos:"]
    for t in d["turnos"]:
        lines += [f"  Folio {t['folio']} (turno {t['round']}), turnado el {when(t['routed_at'])}"
                  + (f" por {t['routed_by']}" if t["routed_by"] else ""),
                  f"    Dirección: {directorate(t['directorate'])}"]
        if t["copies"]:
            lines.append(f"    Con copia a: {', '.join(directorate(c) for c in t['copies'])}")
        lines += [f"    Programa: {d['program_names'].get(t['program'], '—') if t['program'] else '—'}",
                  f"    Instrucción: {t['instruction']}",
                  f"    Fecha límite: {dates.day(t['due_date'])} ({t['deadline_days']} días hábiles)"]
        if t["returned_at"]:
            lines.append(f"    Devuelto el {when(t['returned_at'])}: {t['return_note'] or ''}")
        if t["concluded_at"]:
            lines.append(f"    Concluido el {when(t['concluded_at'])}")
        for f in t["followups"]:
            what = "Avance" if f["kind"] == "progress" else f"Respuesta al ciudadano del {dates.day(f['answered_on'])}"
            lines.append(f"    {when(f['at'])} · {what} ({f['by']}): {_one_line(f['text'])}"
                         + (f" [archivo: {f['file']}]" if f["file"] else ""))
    if not d["turnos"]:
        lines.append("  Ninguno.")
    lines += ["", "Historial:"]
    lines += [f"  {when(e['at'])} · {labels.actor(e['actor'])} · {labels.event(e, d['directorate_names'])}"
              for e in d["history"]] or ["  Sin eventos."]
    lines += ["", "Quién consultó o modificó esta petición (bitácora de accesos):"]
    lines += [f"  {when(a['at'])} · {a['user']} · {labels.named(labels.ACTIONS, a['action'])}"
              f" ({labels.named(labels.VIAS, a['via'])})" for a in d["access_log"]] or ["  Nadie."]
    lines += ["", "Archivos en este paquete:"]
    if d["original_shared"]:
        lines.append("  (El escaneo original contiene también páginas de otras peticiones: se incluye sólo el PDF "
                     "con las páginas de ésta.)")
    lines += [f"  {FILE_KINDS[f['kind']]}: {f['path']}" for f in d["files"]] or ["  Ninguno disponible."]
    lines += ["", "Texto de las páginas (donde el personal tecleó una página, su texto en lugar del leído):",
              "", d["text"] or "(sin texto)"]
    return lines


def _confirmation(c: dict, when) -> str:
    """Who confirmed the data and when; a correction with its reason."""
    said = f"{c['by'] or 'sin nombre'}, {when(c['at'])}"
    return said + (f"; corrección: {_one_line(c['note'])}" if c["kind"] == "rectify" and c["note"] else "")


def _fields(fields: dict) -> list[str]:
    lines = []
    for name, value in fields.items():
        value = value.get("value") if isinstance(value, dict) else value
        if value in (None, ""):
            continue
        value = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        lines.append(f"  {LABELS.get(name, name)}: {labels.field_value(name, value)}")
    return lines or ["  Ninguno."]


def _one_line(text: str) -> str:
    return " ".join(text.split())
