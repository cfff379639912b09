"""Charts drawn on the server as SVG (review/reports/charts.py, issue 16): well-formed SVG with a title per chart
and per mark, every text escaped, the numbers as a table beside it; and the audit's charts on its page (the
reliability diagram and the confusion map of suggested against routed programs)."""

from __future__ import annotations

import re
import xml.dom.minidom

import pytest
from fastapi.testclient import TestClient
from markupsafe import Markup

from review.reports import charts
from review.reports.charts import Series
from review.web.app import create_app
from tests.test_review_audit import office  # noqa: F401  (seven route decisions, suggested and chosen programs)
from tests.test_review_web import log_in

EVIL = '<script>alert("x")</script>'


def svg_of(chart: charts.Chart):
    return xml.dom.minidom.parseString(chart.svg)  # raises unless well-formed


@pytest.mark.parametrize("chart", [
    charts.bars("b", "Recibidas " + EVIL, ["s1", EVIL], [Series(EVIL, [3, 1]), Series("Correo", [None, 2])]),
    charts.lines("l", EVIL, ["baja", EVIL], [Series(EVIL, [0.25, None])], reference=Series("Puntaje", [0.3, 0.9])),
    charts.heatmap("h", EVIL, [EVIL, "b"], ["c", EVIL], [[1, None], [0, 7]]),
])
def test_every_chart_is_well_formed_escaped_and_has_its_table(chart):
    dom = svg_of(chart)
    root = dom.documentElement
    assert root.getAttribute("role") == "img" and root.firstChild.tagName == "title"
    marks = [e for name in ("rect", "circle") for e in dom.getElementsByTagName(name)
             if e.getElementsByTagName("title")]
    assert marks, "every mark says what it stands for"
    html = str(Markup(chart.__html__()))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<table class="queue chart-data">' in html and f'id="{chart.ident}"' in html


def test_the_figures_in_the_tables_are_the_charts_numbers():
    chart = charts.bars("b", "Recibidas", ["lun", "mar"], [Series("Correo", [3, 1]), Series("Jornadas", [None, 2])])
    assert chart.header == ["", "Correo", "Jornadas", "Total"]
    assert chart.rows == [["lun", "3", "—", "3"], ["mar", "1", "2", "3"]]
    tall = [float(r.getAttribute("height")) for r in svg_of(chart).getElementsByTagName("rect") if
            r.getElementsByTagName("title")]
    assert tall[0] == pytest.approx(3 * tall[1])  # a bar of 3 is three times as tall as one of 1
    share = charts.heatmap("h", "Plazo", ["Dir"], ["ene"], [[0.5]], percent=True)
    assert share.rows == [["Dir", "50.0 %"]]


def test_the_audit_page_has_the_reliability_diagram_and_the_confusion_map(ctx, office):  # noqa: F811
    client = TestClient(create_app(ctx))
    log_in(client, "gina")
    page = client.get("/auditoria").text
    figures = dict(re.findall(r'<figure class="chart" id="([^"]+)">(.*?)</figure>', page, re.S))
    assert {"confiabilidad", "confusion"} <= set(figures) and len(figures) >= 2
    # Alta: 4 decisions, 2 right, mean score (0.91 + 0.85 + 0.95 + 0.95) / 4 = 91.5 %.
    reliability = figures["confiabilidad"]
    assert re.search(r"<td>alta[^<]*</td><td>50.0 %</td><td>91.5 %</td>", reliability)
    confusion = figures["confusion"]
    assert "<td>sugerido: Las Jefas</td>" in confusion and "Mano con Mano" in confusion
    assert "<svg" in confusion and confusion.count("<title>") > 3


@pytest.mark.parametrize("spans", [1, 2, 3, 7, 53])
def test_a_moment_falls_in_its_week_whatever_the_number_of_weeks(spans):
    from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

    from review.reports.trends import _bucket

    engine, meta = create_engine("sqlite://"), MetaData()
    values = Table("v", meta, Column("x", Integer))
    meta.create_all(engine)
    bounds = [round(i * 100 / spans) for i in range(spans + 1)]
    with engine.begin() as connection:
        connection.execute(insert(values), [{"x": x} for x in range(100)])
        found = dict(connection.execute(select(values.c.x, _bucket(values.c.x, bounds))).all())
    assert found == {x: next(i for i in range(spans) if bounds[i] <= x < bounds[i + 1]) for x in range(100)}
