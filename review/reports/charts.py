"""Charts drawn on the server as plain SVG (no script, no CDN): stacked bars, lines and a heat map. Each chart is a
<figure> with the SVG (a <title> for the chart and for every mark, all text escaped) and its numbers as a table
beside it, so a screen reader or a printout has the figures as well as the picture."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Okabe–Ito: told apart by people with the common colour blindnesses; a series past the eighth repeats a colour.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 56  # room for the value axis, the category labels and the legend
FONT = 'font-family="sans-serif" font-size="11"'


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per category; None: nothing to draw


@dataclass(frozen=True)
class Chart:
    """A chart ready for a page: `ident` names the figure (an HTML id), `title` heads it."""

    ident: str
    title: str
    svg: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]

    def __html__(self) -> str:
        head = "".join(f"<th>{escape(h)}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in self.rows)
        return (f'<figure class="chart" id="{escape(self.ident)}"><figcaption>{escape(self.title)}</figcaption>'
                f'<div class="chart-pair">{self.svg}<div class="scroll"><table class="queue chart-data">'
                f"<caption>Datos de la gráfica</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
                "</table></div></div></figure>")


def number(value: float | None, percent: bool = False) -> str:
    """A figure as the table shows it: "—" for none, "42.5 %" for a share, "12" for a count."""
    if value is None:
        return "—"
    if percent:
        return f"{value * 100:.1f} %"
    return f"{value:g}" if isinstance(value, float) else str(value)


def bars(ident: str, title: str, categories: Sequence[str], series: Sequence[Series], unit: str = "") -> Chart:
    """Stacked bars, one per category, a segment per series (counts)."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(categories))]
    top = _nice(max(totals, default=0))
    marks, step = [], (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    for i, category in enumerate(categories):
        base = 0.0
        for k, s in enumerate(series):
            value = s.values[i] or 0
            if not value:
                continue
            y0, y1 = _y(base, top), _y(base + value, top)
            marks.append(f'<rect x="{LEFT + i * step + step * 0.15:.1f}" y="{y1:.1f}" width="{step * 0.7:.1f}" '
                         f'height="{y0 - y1:.1f}" fill="{_colour(k)}"><title>'
                         f"{escape(category)} · {escape(s.name)}: {number(value)}{escape(unit)}</title></rect>")
            base += value
        marks.append(_category(i, step, category, len(categories)))
    rows = [[c, *(number(s.values[i]) for s in series), number(totals[i])] for i, c in enumerate(categories)]
    header = ["", *(s.name for s in series), "Total"] if len(series) > 1 else ["", series[0].name if series else ""]
    if len(series) <= 1:
        rows = [row[:2] for row in rows]
    return Chart(ident, title, _svg(title, _axis(top, False) + "".join(marks) + _legend(series)), header, rows)


def lines(ident: str, title: str, categories: Sequence[str], series: Sequence[Series], percent: bool = True,
          reference: Series | None = None) -> Chart:
    """A line per series over the categories, with a dot per value; shares from 0 to 100 % when `percent`.
    `reference` is drawn dashed and grey (what a calibrated score would give, say)."""
    every = [*series, *([reference] if reference else [])]
    top = 1.0 if percent else _nice(max((v or 0 for s in every for v in s.values), default=0))
    step = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    marks = [_category(i, step, c, len(categories)) for i, c in enumerate(categories)]
    for k, s in enumerate(every):
        colour = _colour(k, s is reference)
        points = [(LEFT + step * (i + 0.5), _y(v, top), v, categories[i]) for i, v in enumerate(s.values)
                  if v is not None]
        dash = ' stroke-dasharray="4 3"' if s is reference else ""
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            marks.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        marks.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{escape(category)} · '
                     f"{escape(s.name)}: {number(v, percent)}</title></circle>" for x, y, v, category in points)
    rows = [[c, *(number(s.values[i], percent) for s in every)] for i, c in enumerate(categories)]
    return Chart(ident, title, _svg(title, _axis(top, percent) + "".join(marks) + _legend(every, reference)),
                 ["", *(s.name for s in every)], rows)


def heatmap(ident: str, title: str, rows: Sequence[str], columns: Sequence[str],
            values: Sequence[Sequence[float | None]], percent: bool = False) -> Chart:
    """A grid of rows × columns, darker for more (a share from 0 to 100 %, or a count against the largest)."""
    top = 1.0 if percent else max((v or 0 for line in values for v in line), default=0) or 1
    label = 150
    width, height = (WIDTH - label - RIGHT) / max(len(columns), 1), 22
    total_height = TOP + height * len(rows) + 70
    marks = []
    for r, name in enumerate(rows):
        y = TOP + r * height
        marks.append(f'<text x="{label - 4}" y="{y + 15}" text-anchor="end" {FONT}>{escape(_short(name, 24))}</text>')
        for c, column in enumerate(columns):
            v = values[r][c]
            shade = "#eee" if v is None else _blue(v / top)
            ink = "#fff" if v is not None and v / top > 0.55 else "#222"
            x = label + c * width
            marks.append(f'<rect x="{x:.1f}" y="{y}" width="{width - 1:.1f}" height="{height - 1}" fill="{shade}">'
                         f"<title>{escape(name)} · {escape(column)}: {number(v, percent)}</title></rect>")
            if width >= 28:
                text = "" if v is None else (f"{v * 100:.0f}" if percent else number(v))
                marks.append(f'<text x="{x + width / 2:.1f}" y="{y + 15}" text-anchor="middle" fill="{ink}" '
                             f'{FONT}>{text}</text>')
    for c, column in enumerate(columns):
        x, y = label + c * width + width / 2, TOP + height * len(rows) + 6
        marks.append(f'<text x="{x:.1f}" y="{y}" transform="rotate(40 {x:.1f} {y})" {FONT}>'
                     f"{escape(_short(column, 14))}</text>")
    table = [[name, *(number(v, percent) for v in values[r])] for r, name in enumerate(rows)]
    return Chart(ident, title, _svg(title, "".join(marks), total_height), ["", *columns], table)


# Helpers --------------------------------------------------------------------------------------------------------


def _svg(title: str, body: str, height: int = HEIGHT) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
            f'class="chart-svg" preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>{body}</svg>')


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value / top if top else 0))


def _axis(top: float, percent: bool) -> str:
    """Four grid lines with their values, and the baseline."""
    parts = []
    for k in range(5):
        value = top * k / 4
        y = _y(value, top)
        text = f"{value * 100:.0f} %" if percent else f"{value:g}"
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{text}</text>')
    return "".join(parts)


def _category(i: int, step: float, name: str, count: int) -> str:
    """A category's label under its place; with many categories, every few only (the table has them all)."""
    every = max(1, round(count / 12))
    if i % every:
        return ""
    x, y = LEFT + step * (i + 0.5), HEIGHT - BOTTOM + 14
    return f'<text x="{x:.1f}" y="{y}" text-anchor="middle" {FONT}>{escape(_short(name, 12))}</text>'


def _legend(series: Sequence[Series], reference: Series | None = None) -> str:
    parts, x = [], LEFT
    y = HEIGHT - 18
    for k, s in enumerate(series):
        colour = _colour(k, s is reference)
        name = _short(s.name, 22)
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{y + 9}" {FONT}>{escape(name)}</text>')
        x += 24 + 6.2 * len(name)
        if x > WIDTH - 80:  # no room for the next one: the table names every series
            break
    return "".join(parts)


def _colour(k: int, reference: bool = False) -> str:
    return "#888" if reference else PALETTE[k % len(PALETTE)]


def _nice(top: float) -> float:
    """An axis top at or above `top` whose quarters are round numbers: 4 × (1, 2, 2.5 or 5 × 10ⁿ), at least 4."""
    step = max(top, 4) / 4
    magnitude = 10 ** math.floor(math.log10(step))
    return 4 * next(f * magnitude for f in (1, 2, 2.5, 5, 10) if step <= f * magnitude + 1e-9)


def _blue(t: float) -> str:
    """From a pale to a dark blue as t goes from 0 to 1."""
    t = min(max(t, 0.0), 1.0)
    low, high = (230, 240, 250), (8, 48, 107)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(low, high))


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"
