"""What the JSON API (review/web/api.py) reads and answers: the bodies of its actions and their replies, described
for its OpenAPI page."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from review.turnos import reception, routing
from review.web.params import MAX_INT


def _version():
    return Field(ge=0, le=MAX_INT, description="The document version the client saw (from GET); a stale one gets 409.")


class DecisionIn(BaseModel):
    program: str | None = Field(None, description="Program code from the catalogue; null when none applies.")
    directorate: str | None = Field(None, description="Responsible directorate; default the program's.")
    copies: list[str] = Field(default_factory=list, description="Directorates that receive a copy (c.c.p.).")
    instruction: str = Field(routing.INSTRUCTIONS[0], description=f"One of: {', '.join(routing.INSTRUCTIONS)}.")
    fields: dict | None = Field(None, description="Confirmed petitioner fields, {name: value}.")
    note: str = Field("", max_length=4000)
    version: int = _version()
    confirm_invalid_curp: bool = Field(False, description="Route although fields.curp is not a valid CURP (the "
                                                          "page's second confirmation); without it: invalid_curp.")


class DecisionOut(BaseModel):
    folio: str
    state: str
    due_date: str


class DismissIn(BaseModel):
    version: int = _version()
    note: str = Field("", description="Why it is not a petition; kept with the decision.")


class TranscriptionIn(BaseModel):
    text: str = Field(description="The page as a person reads it; the OCR text is kept beside it.")


class SplitIn(BaseModel):
    version: int = _version()
    at_page: int = Field(ge=0, le=MAX_INT, description="First page of the new document (2 to the page count).")


class MergeIn(BaseModel):
    version: int = _version()
    into: int = Field(ge=0, le=MAX_INT,
                      description="The document in review that receives this one's pages after its own.")


class ProgressIn(BaseModel):
    text: str = Field(description="What the directorate did; an empty note is 422.")


class AnswerIn(BaseModel):
    version: int = _version()
    answered_on: dt.date = Field(description="The day the citizen was answered, YYYY-MM-DD; not after today.")
    text: str = Field(description="What the citizen was answered; an empty text is 422.")
    letter: bool = Field(False, description="Make the answer letter (oficio de respuesta) PDF from the text, to the "
                                            "petitioner as confirmed, signed by the directorate.")


class ReturnIn(BaseModel):
    version: int = _version()
    note: str = Field(description="Why the turno is returned; an empty note is 422.")


class PetitionerIn(BaseModel):
    version: int = _version()
    fields: dict = Field(description="The whole corrected petitioner data, {name: value}; a field left out is "
                                     "removed.")
    note: str = Field(description="Why it is corrected (e.g. the citizen's rectification request); empty is 422.")


class DocumentOut(BaseModel):
    id: int
    state: str = Field(description="After the action: review, routed, concluded, duplicate...")
    version: int = Field(description="After the action: send it with the next one.")


class ReceivedOut(BaseModel):
    id: int = Field(description="The new document (or, for a duplicate, its own record pointing at the original).")
    state: str = Field(description="received (queued for reading and classification) or duplicate.")
    duplicate_of: int | None = Field(None, description="The document already held with the same content.")
    reception_folio: str = Field(description="The folio the citizen is given (REC-2026-000123); Buscar finds it.")


# The body of POST /documents is read by review/web/bodies.py (bounded as it arrives), so it is described here.
INTAKE_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string", "description": "The petition as typed (20 characters or more)."},
        "channel": {"type": "string", "default": reception.DEFAULT_CHANNEL, "description": "Reception channel."},
        "petitioner": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "name, curp, phone, email, address, municipality, locality."}}}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "array", "items": {"type": "string", "format": "binary"},
                 "description": "PDF, TIFF, JPEG or PNG; several become one document, pages in order."},
        "channel": {"type": "string", "default": reception.DEFAULT_CHANNEL}}}}}}}


class SplitOut(BaseModel):
    document: DocumentOut = Field(description="The document split, with its first pages.")
    new_document: DocumentOut = Field(description="The new document in review, with the pages from at_page on.")
