"""The `peticiones` command: the entry point, which assembles the commands of every part (pipeline/, review/) and
starts the service with what the review app hands it. The only module below review/ that imports it."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline import classifier_cli, documents_cli
from pipeline.db_cli import db_app
from pipeline.models_cli import models_app, retrain_command
from pipeline.terminal import Cli, context
from review import cli as review_cli  # light: typer only; the web app loads when a command runs

app = Cli(help="Peticiones ciudadanas: recepción, OCR, clasificación y turno.", no_args_is_help=True,
          add_completion=False)
app.add_typer(db_app, name="db")
app.add_typer(review_cli.arco_app, name="arco")
app.add_typer(review_cli.users_app, name="users")
app.add_typer(review_cli.catalogue_app, name="catalogue")
app.add_typer(review_cli.report_app, name="informe")
app.add_typer(models_app, name="models")
app.command("retrain")(retrain_command)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Dirección donde escucha la aplicación web.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Puerto de la aplicación web.")] = 8000,
) -> None:
    """Servicio completo: aplicación web (cola de revisión y API), vigilancia de data/entrada/ y trabajadores."""
    from pipeline import service
    from review import service as review

    ctx = context()
    service.run(ctx, watch=True, work=True, web=review.web(ctx, host, port), tasks=review.tasks(ctx))


@app.command()
def watch() -> None:
    """Vigilancia de la carpeta de entrada y trabajadores, sin aplicación web."""
    from pipeline import service
    from review import service as review

    ctx = context()
    service.run(ctx, watch=True, work=True, tasks=review.tasks(ctx))


@app.command()
def worker() -> None:
    """Sólo un trabajador de la cola (para repartir el trabajo entre varias máquinas con Redis)."""
    from pipeline import service
    from review import service as review

    ctx = context()
    service.run(ctx, watch=False, work=True, tasks=review.tasks(ctx))


for command in (documents_cli.process, documents_cli.ocr, documents_cli.status, documents_cli.separador):
    app.command()(command)
app.command("recordatorios")(review_cli.reminders_command)
for command in (classifier_cli.train, classifier_cli.corpus, classifier_cli.evaluate, classifier_cli.classify):
    app.command()(command)
