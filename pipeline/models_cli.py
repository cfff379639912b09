"""`peticiones retrain` and `peticiones models list|activate`: the classifier's versions from the terminal
(registered in pipeline/cli.py). Changes are in the event log under the OS user's name (`cli:NAME`)."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict
from typing import Annotated

import typer

models_app = typer.Typer(help="Versiones del clasificador: listar y activar (volver a una anterior o a otra).",
                         no_args_is_help=True)

AS_JSON = typer.Option("--json", help="Un objeto JSON en la salida estándar.")


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def retrain_command(as_json: Annotated[bool, AS_JSON] = False) -> None:
    """Entrena un candidato con las decisiones confirmadas de los revisores, lo compara con el modelo activo sobre
    las decisiones más recientes (que no usó para entrenar) y lo activa sólo si no es peor más allá del ruido."""
    from pipeline.terminal import context, refuse, say
    from pipeline.errors import PeticionesError
    from pipeline.retrain import retrain

    ctx = context()
    try:
        outcome = retrain(ctx, _actor())
    except PeticionesError as error:
        refuse(error)
    if as_json:
        print(json.dumps({k: v for k, v in asdict(outcome).items() if k != "message"}, ensure_ascii=False))
        return
    say(outcome.message)
    if outcome.candidate:
        say(f"Candidato {outcome.candidate}: {'activado' if outcome.promoted else 'no activado'}. "
            f"Modelo activo: {outcome.active}.")
    for side in ("active", "candidate"):
        for target, figures in ((outcome.gate or {}).get(side) or {}).items():
            say(f"  {'activo' if side == 'active' else 'candidato':10s} {target:12s} exactitud "
                f"{figures['accuracy']:.3f}  top 3 {figures['top3_accuracy']:.3f}  Brier {figures['brier']:.3f}  "
                f"ECE {figures['expected_calibration_error']:.3f}  (n={figures['n']})")


@models_app.command("list")
def list_command(as_json: Annotated[bool, AS_JSON] = False) -> None:
    """Las versiones guardadas, la más nueva primero, con la activa marcada y las cifras con que se decidió."""
    from pipeline.terminal import context, refuse, say
    from storage import model_versions

    ctx = context()
    with ctx.sessions() as session:
        rows = [{"version": row.version, "active": row.active, "trained_at": row.trained_at, "n": row.n,
                 "gate": row.gate} for row in model_versions.listed(session)]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        gate = row["gate"] or {}
        verdict = f"{'promovido' if gate.get('promoted') else 'no promovido'} ({gate.get('reason')})" if gate else ""
        say(f"{'*' if row['active'] else ' '} {row['version']}  {row['trained_at']}  {row['n']} textos  {verdict}")


@models_app.command("activate")
def activate_command(version: Annotated[str, typer.Argument(help="Versión a activar (vea «models list»).")]) -> None:
    """Activa una versión guardada (para volver a una anterior o adelante); los trabajadores la toman sin
    reiniciar. Una carpeta dañada se rechaza y el modelo activo no cambia."""
    from pipeline.terminal import context, refuse, say
    from pipeline.errors import PeticionesError
    from pipeline.retrain import activate

    ctx = context()
    try:
        row = activate(ctx, version, _actor())
    except PeticionesError as error:
        refuse(error)
    say(f"Modelo activo: {row.version}")
