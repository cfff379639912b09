"""The catalogue file format (`catalogo.json`, Spanish keys): read strictly, every entry checked before anything is
used, and written back in the same shape, so an export imports as it was."""

from __future__ import annotations

import json
import re

from classifiers.catalogue_entries import Catalogue, DirectorateEntry, ProgramEntry
from pipeline.errors import ReviewError

MAX_BYTES = 1024 * 1024  # the shipped catalogue is ~6 KB: a megabyte is room for hundreds of programs
CODE = re.compile(r"[a-z0-9_]{2,60}")
MAX_NAME = 300  # the database columns' length
MAX_DESCRIPTION = 2000
MAX_SYNONYM = 200
MAX_SYNONYMS = 200
MAX_DAYS = 365


class CatalogueFileError(ReviewError):
    """A catalogue file that cannot be imported as it is; nothing was changed."""

    code = "catalogue_invalid"
    http_status = 400
    user_message = "El archivo del catálogo no es válido; no se cambió nada."


class CatalogueTooLarge(CatalogueFileError):
    code = "catalogue_too_large"
    http_status = 413
    user_message = (f"El archivo del catálogo pasa de {MAX_BYTES // 1024} KB; no se cambió nada. Revise que sea el "
                    "archivo JSON del catálogo.")


class CatalogueBadJson(CatalogueFileError):
    code = "catalogue_bad_json"
    user_message = "El archivo no es JSON válido (UTF-8); no se cambió nada. Vuelva a exportar el catálogo y edítelo."


class CatalogueMissingKey(CatalogueFileError):
    code = "catalogue_missing_key"


class CatalogueBadValue(CatalogueFileError):
    code = "catalogue_bad_value"


class CatalogueDuplicateCode(CatalogueFileError):
    code = "catalogue_duplicate_code"


class CatalogueTooLong(CatalogueFileError):
    code = "catalogue_too_long"


class CatalogueUnknownDirectorate(CatalogueFileError):
    code = "catalogue_unknown_directorate"


def _refuse(error: type[CatalogueFileError], detail: str, message: str) -> CatalogueFileError:
    return error(detail, user_message=f"{message} No se cambió nada.")


def _text(entry: dict, key: str, where: str, limit: int, *, required: bool = True) -> str:
    if key not in entry:
        if required:
            raise _refuse(CatalogueMissingKey, f"{where}: {key}", f"{where}: falta «{key}».")
        return ""
    value = entry[key]
    if not isinstance(value, str) or (required and not value.strip()):
        raise _refuse(CatalogueBadValue, f"{where}: {key}", f"{where}: «{key}» debe ser un texto no vacío.")
    if len(value.strip()) > limit:
        raise _refuse(CatalogueTooLong, f"{where}: {key}", f"{where}: «{key}» pasa de {limit} caracteres.")
    return value.strip()


def _code(entry: dict, where: str) -> str:
    code = _text(entry, "clave", where, 60)
    if not CODE.fullmatch(code):
        raise _refuse(CatalogueBadValue, f"{where}: clave {code!r}",
                      f"{where}: la clave «{code}» debe llevar de 2 a 60 minúsculas, números o guiones bajos.")
    return code


def _days(entry: dict, where: str, default: int | None) -> int | None:
    if "plazo_dias_habiles" not in entry:
        return default
    value = entry["plazo_dias_habiles"]
    # bool is an int in Python: true would pass as 1 day
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS):
        raise _refuse(CatalogueBadValue, f"{where}: plazo {value!r}",
                      f"{where}: «plazo_dias_habiles» debe ser un número entero de 1 a {MAX_DAYS}, o null.")
    return value


def _synonyms(entry: dict, where: str) -> tuple[str, ...]:
    words = entry.get("sinonimos", [])
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise _refuse(CatalogueBadValue, f"{where}: sinonimos", f"{where}: «sinonimos» debe ser una lista de textos.")
    if len(words) > MAX_SYNONYMS or any(len(w.strip()) > MAX_SYNONYM for w in words):
        raise _refuse(CatalogueTooLong, f"{where}: sinonimos", f"{where}: «sinonimos» admite hasta {MAX_SYNONYMS} "
                                                               f"sinónimos de hasta {MAX_SYNONYM} caracteres.")
    return tuple(w.strip() for w in words if w.strip())


def _entries(data: dict, key: str) -> list[dict]:
    if key not in data:
        raise _refuse(CatalogueMissingKey, key, f"Falta la lista «{key}».")
    entries = data[key]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _refuse(CatalogueBadValue, key, f"«{key}» debe ser una lista de objetos {{\"clave\": ..., ...}}.")
    return entries


def _unique(codes: list[str], what: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise _refuse(CatalogueDuplicateCode, f"{what} {code}", f"La clave «{code}» aparece dos veces en {what}.")
        seen.add(code)


def parse(data: bytes) -> Catalogue:
    """The catalogue a file holds, or a CatalogueFileError naming the first problem. A program's directorate is not
    checked here: it may be one already in the database (see storage.catalogue.apply)."""
    if len(data) > MAX_BYTES:
        raise CatalogueTooLarge(f"{len(data)} bytes")
    try:
        document = json.loads(data.decode("utf-8-sig"))  # a spreadsheet or Notepad may add a BOM
    except UnicodeDecodeError:
        raise CatalogueBadJson("not UTF-8") from None
    except json.JSONDecodeError as error:
        raise _refuse(CatalogueBadJson, str(error), f"El archivo no es JSON válido (línea {error.lineno}, columna "
                                                    f"{error.colno}): {error.msg}.") from None
    if not isinstance(document, dict):
        raise _refuse(CatalogueBadValue, "top level", "El archivo debe ser un objeto JSON con «direcciones» y "
                                                      "«programas».")
    default_days = _days(document, "El archivo", None)
    directorates = []
    for number, entry in enumerate(_entries(document, "direcciones"), 1):
        where = f"Dirección n.º {number}"
        directorates.append(DirectorateEntry(_code(entry, where), _text(entry, "nombre", where, MAX_NAME)))
    programs = []
    for number, entry in enumerate(_entries(document, "programas"), 1):
        where = f"Programa n.º {number}"
        code = _code(entry, where)
        where = f"{where} ({code})"
        programs.append(ProgramEntry(code, _text(entry, "nombre", where, MAX_NAME),
                                     _text(entry, "direccion", where, 60),
                                     _text(entry, "descripcion", where, MAX_DESCRIPTION, required=False),
                                     _synonyms(entry, where), _days(entry, where, default_days)))
    _unique([d.code for d in directorates], "las direcciones")
    _unique([p.code for p in programs], "los programas")
    return Catalogue(tuple(directorates), tuple(programs))


def dump(catalogue: Catalogue, version: str, note: str) -> str:
    """The catalogue as a file `parse` reads back to the same entries. No file-wide deadline: a program without its
    own keeps none (the configured default applies), as in the database."""
    programs = []
    for p in catalogue.programs:
        entry = {"clave": p.code, "nombre": p.name, "direccion": p.directorate, "descripcion": p.description,
                 "sinonimos": list(p.synonyms)}
        if p.deadline_days is not None:
            entry["plazo_dias_habiles"] = p.deadline_days
        programs.append(entry)
    document = {"version": version, "nota": note,
                "direcciones": [{"clave": d.code, "nombre": d.name} for d in catalogue.directorates],
                "programas": programs}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
