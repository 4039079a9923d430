"""Predicted and observed tracks of a vessel as SVG, for the vessel page.

The orbit plane of the baseline is drawn face-on: the central body, the agreed orbit over
one revolution (predicted track), each observed position joined in time order (observed
track), and each prediction beside the observation it was made for. Observations that
failed the manoeuvre test are drawn in red. Below, each observation's chi-square test as a
share of its threshold (above 1: a manoeuvre).
"""

from __future__ import annotations

import math
from datetime import timedelta
from html import escape

import numpy as np
from sqlalchemy.orm import Session

from muster.vessels import orbits
from muster.vessels.bodies import body_named
from muster.vessels.models import Observation, Vessel
from muster.vessels.service import get_vessel, list_observations, prediction_model

WIDTH, PLANE_H, STRIP_H, PAD = 720.0, 520.0, 170.0, 40.0
SAMPLES = 180
OBSERVED, PREDICTED, ALARM = "#1f5fa8", "#7f8c8d", "#c0392b"


def _plane_basis(row: Observation) -> tuple[orbits.Vector, orbits.Vector]:
    r = orbits.vector(row.position)
    h = np.cross(r, orbits.vector(row.velocity))
    e1 = r / np.linalg.norm(r)
    e2 = np.cross(h / np.linalg.norm(h), e1)
    return e1, e2


def _agreed_track(session: Session, vessel: Vessel, baseline: Observation) -> list[orbits.Vector]:
    """One revolution of the predicted orbit from the baseline (none for an open orbit)."""
    r, v = orbits.vector(baseline.position), orbits.vector(baseline.velocity)
    mu = body_named(vessel.body).mu
    a = orbits.elements_of(r, v, mu).a
    if not (a > 0 and math.isfinite(a)):
        return []
    period = orbits.period_of(a, mu)
    start = baseline.observed_at
    _baseline, reference, estimate = prediction_model(session, vessel)
    return [
        reference.predict(estimate.deviation, start + timedelta(seconds=period * k / SAMPLES))[:3]
        for k in range(SAMPLES + 1)
    ]


def _polyline(points: list[tuple[float, float]], colour: str, cls: str, dash: str = "") -> str:
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline class="{cls}" points="{coords}" fill="none" stroke="{colour}" '
        f'stroke-width="2"{extra}/>'
    )


def _share(row: Observation) -> float:
    """The test's statistic as a share of its threshold."""
    return (row.test_statistic or 0.0) / (row.test_threshold or 1.0)


def _strip(rows: list[Observation], top: float) -> str:
    """Bars of each observation's chi-square test as a share of its threshold."""
    compared = [r for r in rows if r.test_statistic is not None]
    # A burn drives the statistic far past its threshold: draw on a log scale, 0.01 to max.
    biggest = max([2.0, *(_share(r) for r in compared)])
    span = math.log10(biggest) + 2.0
    base, full = top + STRIP_H - 14, STRIP_H - 34

    def height_of(share: float) -> float:
        return max(0.0, math.log10(max(share, 0.01)) + 2.0) / span * full

    limit_y = base - height_of(1.0)
    out = [
        f'<g class="test-strip"><text x="{PAD:g}" y="{top + 4:.1f}" font-size="12">'
        "Chi-square test per observation, as a share of its threshold (log scale; "
        "above the line: a manoeuvre)</text>",
        f'<line x1="{PAD:g}" y1="{base:.1f}" x2="{WIDTH - PAD:g}" y2="{base:.1f}" stroke="#999"/>',
        f'<line class="limit" x1="{PAD:g}" y1="{limit_y:.1f}" x2="{WIDTH - PAD:g}" '
        f'y2="{limit_y:.1f}" stroke="{ALARM}" stroke-dasharray="4 3"/>',
    ]
    step = (WIDTH - 2 * PAD) / max(len(compared), 1)
    for n, row in enumerate(compared):
        value = _share(row)
        height = height_of(value)
        y = base - height
        colour = ALARM if row.manoeuvre else OBSERVED
        out.append(
            f'<rect class="bar" x="{PAD + n * step + 2:.1f}" y="{y:.1f}" '
            f'width="{max(step - 4, 1):.1f}" height="{max(height, 0.5):.1f}" fill="{colour}">'
            f"<title>observation {row.number}: {row.test_statistic:.1f} against "
            f"{row.test_threshold:.1f} over {row.test_observations} observation(s)</title></rect>"
        )
    out.append("</g>")
    return "".join(out)


def render_tracks_svg(session: Session, *, vessel_id: str, limit: int = 500) -> str:
    """The vessel's predicted and observed tracks as one SVG document."""
    vessel = get_vessel(session, vessel_id)
    rows, _total = list_observations(session, vessel_id=vessel.id, limit=limit)
    height = PLANE_H + STRIP_H
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="vessel-tracks" role="img" '
        f'aria-label="Tracks of {escape(vessel.name, quote=True)}" viewBox="0 0 {WIDTH:g} '
        f'{height:g}" width="{WIDTH:g}" height="{height:g}" font-family="sans-serif">'
        f"<title>Predicted and observed tracks of {escape(vessel.name)}</title>"
        f'<rect width="{WIDTH:g}" height="{height:g}" fill="#fbfcfd"/>'
        f'<text x="{PAD:g}" y="24" font-size="15" font-weight="bold">{escape(vessel.name)} '
        f"({escape(vessel.body)}): {len(rows)} observations, status {escape(vessel.status)}"
        "</text>"
    )
    baseline = next((r for r in rows if r.id == vessel.baseline_observation_id), None)
    if baseline is None:
        note = '<text x="40" y="60" font-size="13">No observation recorded yet.</text>'
        return head + note + "</svg>"
    e1, e2 = _plane_basis(baseline)
    agreed = _agreed_track(session, vessel, baseline)
    observed = [orbits.vector(r.position) for r in rows]
    predicted = [orbits.vector(r.predicted_position) for r in rows if r.predicted_position]
    radius = body_named(vessel.body).radius
    extent = max(float(np.linalg.norm(p)) for p in [*agreed, *observed, *predicted]) * 1.08
    scale = (min(WIDTH, PLANE_H - 40) / 2 - PAD) / extent
    cx, cy = WIDTH / 2, 40 + (PLANE_H - 40) / 2

    def xy(p: orbits.Vector) -> tuple[float, float]:
        return cx + float(np.dot(p, e1)) * scale, cy - float(np.dot(p, e2)) * scale

    out = [
        head,
        f'<circle class="body" cx="{cx:.1f}" cy="{cy:.1f}" r="{radius * scale:.1f}" '
        f'fill="#e8d8b0" stroke="#b39b5e"><title>{escape(vessel.body)}</title></circle>',
    ]
    if agreed:
        out.append(_polyline([xy(p) for p in agreed], PREDICTED, "predicted-track", "6 4"))
    out.append(_polyline([xy(p) for p in observed], OBSERVED, "observed-track"))
    for row in rows:
        x, y = xy(orbits.vector(row.position))
        colour = ALARM if row.manoeuvre else OBSERVED
        tip = f"observation {row.number} at {row.observed_at:%H:%M:%S}"
        if row.position_error_km is not None:
            tip += f", {row.position_error_km:.2f} km from prediction"
        out.append(
            f'<circle class="observation{" manoeuvre" if row.manoeuvre else ""}" '
            f'cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"><title>{escape(tip)}</title></circle>'
        )
        if row.predicted_position:
            px, py = xy(orbits.vector(row.predicted_position))
            out.append(
                f'<path class="prediction" d="M{px - 4:.1f},{py - 4:.1f} '
                f"L{px + 4:.1f},{py + 4:.1f} M{px - 4:.1f},{py + 4:.1f} "
                f'L{px + 4:.1f},{py - 4:.1f}" stroke="{PREDICTED}" '
                f'stroke-width="2"/>'
            )
    legend_y = PLANE_H - 12
    out.append(
        f'<g font-size="11"><line x1="{PAD:g}" y1="{legend_y:g}" x2="{PAD + 24:g}" '
        f'y2="{legend_y:g}" stroke="{PREDICTED}" stroke-width="2" stroke-dasharray="6 4"/>'
        f'<text x="{PAD + 30:g}" y="{legend_y + 4:g}">agreed orbit (predicted)</text>'
        f'<line x1="{PAD + 190:g}" y1="{legend_y:g}" x2="{PAD + 214:g}" y2="{legend_y:g}" '
        f'stroke="{OBSERVED}" stroke-width="2"/>'
        f'<text x="{PAD + 220:g}" y="{legend_y + 4:g}">observed</text>'
        f'<circle cx="{PAD + 300:g}" cy="{legend_y:g}" r="4" fill="{ALARM}"/>'
        f'<text x="{PAD + 310:g}" y="{legend_y + 4:g}">manoeuvre</text></g>'
    )
    out.append(_strip(rows, PLANE_H + 10))
    out.append("</svg>")
    return "".join(out)
