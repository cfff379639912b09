"""Log records as lines for people (text) or for machines (one JSON object a line), PETICIONES_LOG_FORMAT.

In both, whatever a record carries (a file name chosen by whoever dropped it, OCR text, an exception's message) is
escaped so that it can neither break a line, forge another record nor drive the terminal: a record is one line, a
traceback in text form only adds lines indented under it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

FORMATS = ("text", "json")
# What every LogRecord has; anything else on a record came from `extra=` and is logged as a field of its own.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# What json.dumps leaves as it is and a terminal or a log viewer still acts on: DEL and C1 controls, bidirectional
# overrides and isolates, line and paragraph separators, lone surrogates (undecodable bytes of a file name).
_JSON_HIDDEN = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ud800-\udfff]")
# In text lines the C0 controls too (newline, ESC...).
_TEXT_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ud800-\udfff]")


def shown(value: object) -> str:
    """`value` as text fit for one log line: what a terminal acts on written as \\n, \\x1b, \\u202e..."""
    return _TEXT_HIDDEN.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"),
                            str(value))


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    """Log to stderr in `log_format`, as logging.basicConfig would: only when nothing configured logging before."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
        root.addHandler(handler)
        root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter is not news to staff
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # fpdf2 subsets the slip's font: dozens of lines a slip


def extra_fields(record: logging.LogRecord) -> dict:
    """The fields a call added with `extra=`."""
    return {key: value for key, value in vars(record).items() if key not in _STANDARD and not key.startswith("_")}


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value ...`, control characters escaped; a traceback indented below."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = (f"{self.formatTime(record)} {record.levelname} {shown(record.name)}: "
                f"{shown(record.getMessage())}")
        for key, value in extra_fields(record).items():
            line += f" {shown(key)}={shown(value)}"
        trace = _trace(self, record)
        if trace:  # its lines indented, so that no line of it can pass for a record of its own
            line += "".join(f"\n    {shown(part)}" for part in trace.splitlines())
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the record's extra fields and, when
    there is one, its exception's traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {key: value for key, value in extra_fields(record).items()}
        entry.update(time=dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                     level=record.levelname, logger=record.name, message=record.getMessage())
        trace = _trace(self, record)
        if trace:
            entry["exception"] = trace
        # json.dumps escapes \n, ESC and the other C0 controls; the rest of what a terminal acts on is escaped here.
        text = json.dumps(entry, ensure_ascii=False, default=str)
        return _JSON_HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _trace(formatter: logging.Formatter, record: logging.LogRecord) -> str:
    parts = []
    if record.exc_info:
        record.exc_text = record.exc_text or formatter.formatException(record.exc_info)
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(formatter.formatStack(record.stack_info))
    return "\n".join(parts)
