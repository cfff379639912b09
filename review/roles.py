"""Who may do what. Every page and API route asks here; nothing else decides."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from review.errors import Forbidden
from storage import access
from storage.tables import Role

# action → roles allowed. "read_all": every document in any state; an enlace reads only what was routed to its
# directorate (as responsible or copy), checked per document in review/reports/views.py.
RULES: dict[str, frozenset[Role]] = {
    "read_queue": frozenset({Role.capturista, Role.revisor, Role.gerente, Role.admin}),
    "read_document": frozenset({Role.capturista, Role.revisor, Role.gerente, Role.admin, Role.enlace}),
    "route": frozenset({Role.revisor, Role.admin}),
    "dismiss": frozenset({Role.revisor, Role.admin}),
    "transcribe": frozenset({Role.capturista, Role.revisor, Role.admin}),
    "capture": frozenset({Role.capturista, Role.revisor, Role.admin}),
    # Documents sent through the API (POST /api/v1/documents): the Secretaría's internal system, or a client.
    "receive": frozenset({Role.capturista, Role.revisor, Role.admin}),
    "read_access_log": frozenset({Role.gerente, Role.admin}),
    "manage_closures": frozenset({Role.admin}),
    "regroup": frozenset({Role.revisor, Role.admin}),  # split and merge documents in review
    # Progress notes and the answer to the citizen; an enlace only on turnos its directorate is responsible for.
    "follow_up": frozenset({Role.enlace, Role.revisor, Role.admin}),
    "return_turno": frozenset({Role.revisor, Role.admin}),  # devolución de turno: back to review
    "manage_users": frozenset({Role.admin}),
    "manage_catalogue": frozenset({Role.admin}),
    "export": frozenset({Role.gerente, Role.admin}),
    "audit": frozenset({Role.gerente, Role.admin}),  # accuracy of the suggestions and punctuality (/auditoria)
    "report": frozenset({Role.gerente, Role.admin}),  # informe de atención: received and attended (/informe)
    # Find a petition by petitioner or folio (/buscar); an enlace among its directorate's turnos only.
    "search": frozenset({Role.capturista, Role.revisor, Role.gerente, Role.admin, Role.enlace}),
    # Derechos ARCO: correct a routed petition's petitioner data (rectificación); export everything held about a
    # petitioner for an access request (acceso), which only the administration answers.
    "rectify": frozenset({Role.revisor, Role.admin}),
    "arco_access": frozenset({Role.admin}),
}

ROLE_NAMES = {
    Role.capturista: "Capturista",
    Role.revisor: "Revisor(a)",
    Role.enlace: "Enlace de dirección",
    Role.gerente: "Gerencia (consulta)",
    Role.admin: "Administración",
}


@dataclass(frozen=True)
class Actor:
    """The person behind a request: who, with what role, from where and through what (web, api, cli)."""

    user_id: int | None  # None: the server's own console (a terminal command run without --usuario)
    name: str
    role: Role
    directorate: str | None = None
    ip: str | None = None
    via: str = "web"

    def may(self, action: str) -> bool:
        return self.role in RULES[action]

    @property
    def limited_to_directorate(self) -> bool:
        """An enlace sees only what was routed to its directorate."""
        return self.role == Role.enlace


def require(actor: Actor, action: str) -> None:
    """Raise Forbidden unless the actor's role allows `action`."""
    if not actor.may(action):
        raise Forbidden(f"{actor.name} ({actor.role.value}) may not {action}")


def log_access(session: Session, actor: Actor, action: str, document_id: int | None = None, target: str = "") -> None:
    """The access-log entry of what `actor` did, in the caller's transaction: who, from where and through what."""
    access.record(session, actor.user_id, actor.name, action, document_id, target=target, ip=actor.ip, via=actor.via)
