"""What every command shares: the exit codes, the typer app that ends each command with one of them, the Spanish
messages on stderr, and the Context a command opens."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from pipeline import paths
from pipeline.errors import PeticionesError
from pipeline.settings import Settings

# Exit codes of every command (README, «Códigos de salida»): scripts and cron tell these apart.
OK = 0  # everything given was done
SOME_FAILED = 1  # the command ran, but some input failed (a file quarantined or failed, a mail not sent)
REFUSED = 2  # nothing done: bad arguments or configuration, or a typed error the person can fix
INTERNAL = 3  # an unexpected error (a bug or a broken machine): the traceback is in HOME/errores.log
INTERRUPTED = 130  # Ctrl+C, as shells report a SIGINT


class Cli(typer.Typer):
    """The typer app run so that every command ends with one of the codes above and never shows a traceback to
    staff: a typed error prints its Spanish message and code, anything else one line naming where the details are."""

    def __call__(self, *args, **kwargs):
        from pydantic import ValidationError

        try:
            # Not standalone: click would end Ctrl+C with code 1, which here means "some input failed".
            result = super().__call__(*args, **{**kwargs, "standalone_mode": False})
        except typer.TyperException as error:  # usage errors (typer's click): its own message, code 2
            error.show()
            sys.exit(error.exit_code)
        except typer.Abort:
            say("Interrumpido.")
            sys.exit(INTERRUPTED)
        except PeticionesError as error:
            say(f"{error.user_message} ({error.code})")
            sys.exit(REFUSED)
        except ValidationError as error:  # a PETICIONES_ variable that does not parse
            say("Configuración no válida: " + "; ".join(
                f"PETICIONES_{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()))
            sys.exit(REFUSED)
        except Exception:
            where = record_crash()
            say("Error inesperado; no se terminó el comando. "
                + (f"Los detalles quedaron en {where}; avise al administrador." if where else
                    "Avise al administrador."))
            sys.exit(INTERNAL)
        sys.exit(result if isinstance(result, int) else OK)  # typer.Exit(n) comes back as n


def record_crash() -> Path | None:
    """Append the current exception's traceback to HOME/errores.log (readable by its owner only: a traceback may
    name files and petitioners' text); None, and the traceback on stderr, when that file cannot be written."""
    import datetime as dt
    import os
    import traceback

    text = traceback.format_exc()
    try:
        log = Settings().home / paths.CRASH_LOG
        log.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(f"--- {dt.datetime.now(dt.timezone.utc).isoformat()} pid {os.getpid()} "
                         f"peticiones {' '.join(sys.argv[1:2])}\n{text}")
        return log.resolve()
    except Exception:
        print(text, file=sys.stderr)
        return None


console = Console(stderr=True)


def context():
    from pipeline import logs
    from pipeline.context import Context

    settings = Settings()
    logs.configure(settings.log_format)  # text or JSON lines on stderr, control characters escaped
    # Personal data: what the service creates under HOME (database and WAL, archivo/, procesado/...) is owner-only.
    os.umask(settings.umask)
    return Context.open(settings)


def log_export(ctx, action: str, out: Path) -> None:
    """Personal data left the database through the terminal: the access log says who (the OS user) and where to."""
    import getpass

    from storage import access

    with ctx.sessions.begin() as session:
        access.record(session, None, f"cli:{getpass.getuser()}", action, target=str(out), via="cli")


def refuse(error) -> NoReturn:
    """A typed error the person at the terminal can fix: its Spanish message and code, exit code 2."""
    say(f"{error.user_message} ({error.code})")
    raise typer.Exit(REFUSED)


def say(message: str) -> None:
    """A message naming paths, printed as is: not wrapped inside a path, no brackets taken for markup."""
    console.print(message, soft_wrap=True, markup=False, highlight=False)
