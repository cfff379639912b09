"""The audit (review/reports/audit.py) as workbook sheets, one per table of the page: names for codes, dates as
dates, shares as fractions (the workbook shows them as percentages)."""

from __future__ import annotations

from review.reports.audit import Audit, Tally
from review.reports.views import BANDS
from review.reports.workbook import Table

TALLY = ("Decisiones", "Acertadas", "% acertadas", "Puntaje promedio")


def as_tables(a: Audit, names: dict[str, dict[str, str]]) -> list[Table]:
    """Summary, by confidence band, by program chosen and suggested, by model version, punctuality and, when the
    audit has its learning part, the one-keystroke weeks. `names`: {"directorate": {code: name}, "program": ...}."""
    acc, directorates, programs = a.accuracy, names.get("directorate", {}), names.get("program", {})
    summary = Table("Resumen", ("Desde", "Hasta", "Dirección", "Decisiones de turno", "Programa sugerido acertado",
                                "% programa acertado", "Dirección sugerida acertada", "% dirección acertada",
                                "Sin sugerencia confiable", "% sin sugerencia", "Devoluciones de turno"),
                    [[a.period.since, a.period.until,
                      directorates.get(a.period.directorate, a.period.directorate) or "Todas", acc.decisions,
                      acc.program_right, acc.program_share, acc.directorate_right, acc.directorate_share,
                      acc.no_suggestion, acc.no_suggestion_share, acc.returned]], frozenset({5, 7, 9}))
    tables = [summary,
              _tallies("Por confianza", "Confianza de la sugerencia", acc.bands, lambda key: BANDS.get(key, key)),
              _tallies("Por programa elegido", "Programa elegido", acc.by_program,
                       lambda key: programs.get(key, key) if key else "sin programa"),
              _tallies("Por programa sugerido", "Programa sugerido", acc.by_suggestion,
                       lambda key: programs.get(key, key)),
              _tallies("Por versión del modelo", "Versión del modelo", acc.by_model,
                       lambda key: key or "sin sugerencia guardada"),
              Table("Puntualidad", ("Dirección", "Turnos", "Respondidos en plazo", "Respondidos fuera de plazo",
                                    "Abiertos en plazo", "Abiertos vencidos", "% en plazo (de los respondidos)",
                                    "Mediana de días hábiles a la respuesta"),
                    [[directorates.get(r.directorate, r.directorate) if r.directorate else "Total", r.turnos,
                      r.on_time, r.late, r.open_on_time, r.overdue, r.on_time_share, r.median_days]
                     for r in (*a.punctuality, a.overall)], frozenset({6}))]
    if a.learning:
        tables.append(Table("Una sola tecla por semana", ("Desde", "Hasta", "Decisiones de turno",
                                                          "Con una sola tecla", "% con una sola tecla"),
                            [[w.since, w.until, w.decisions, w.one_keystroke, w.share] for w in a.learning.weeks],
                            frozenset({4})))
    return tables


def _tallies(title: str, first: str, rows: tuple[Tally, ...], name) -> Table:
    return Table(title, (first, *TALLY), [[name(t.key), t.decisions, t.right, t.share_right, t.mean_score]
                                          for t in rows], frozenset({3, 4}))
