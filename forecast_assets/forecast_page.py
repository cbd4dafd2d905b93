"""The page with every series' forecast against its actuals: one inline SVG chart per series, worst sMAPE first.

Drawn as SVG paths straight from the data (no plotting library in the loop), so a page of thousands of series costs
milliseconds per series, stays sharp at any zoom, and names each line when the pointer rests on it.
"""

import html
from functools import lru_cache

import numpy as np
import pandas as pd

WIDTH, HEIGHT = 440, 170
LEFT, RIGHT, TOP, BOTTOM = 52, 8, 8, 20  # plot margins inside the SVG, in pixels
BAND_OPACITY = (0.18, 0.35, 0.5)  # widest interval lightest, as in the asset page's picture


def _scale(values: np.ndarray, lo: float, hi: float, out_lo: float, out_hi: float) -> np.ndarray:
    span = hi - lo if hi > lo else 1.0
    return out_lo + (values - lo) / span * (out_hi - out_lo)


def _line(x: np.ndarray, y: np.ndarray) -> str:
    """An SVG path through the finite points; a missing value breaks the line, as it breaks the series."""
    parts, pen_down = [], False
    for xi, yi in zip(x, y):
        if np.isfinite(yi):
            parts.append(f"{'L' if pen_down else 'M'}{xi:.1f},{yi:.1f}")
            pen_down = True
        else:
            pen_down = False
    return "".join(parts)


def _band(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> str:
    keep = np.isfinite(lo) & np.isfinite(hi)
    if not keep.any():
        return ""
    x, lo, hi = x[keep], lo[keep], hi[keep]
    points = [f"{a:.1f},{b:.1f}" for a, b in zip(np.concatenate([x, x[::-1]]), np.concatenate([lo, hi[::-1]]))]
    return "M" + "L".join(points) + "Z"


@lru_cache(maxsize=64)  # the series of a page mostly share one window
def _date_ticks(t0: float, t1: float) -> list[tuple[float, str]]:
    """Calendar date ticks in [t0, t1] (epoch seconds) with concise labels (matplotlib's locator, no drawing)."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num

    lo, hi = date2num(pd.Timestamp(t0, unit="s")), date2num(pd.Timestamp(t1, unit="s"))
    locator = AutoDateLocator(minticks=3, maxticks=6)
    dates = [d for d in locator.tick_values(pd.Timestamp(t0, unit="s"), pd.Timestamp(t1, unit="s")) if lo <= d <= hi]
    labels = ConciseDateFormatter(locator).format_ticks(dates) if dates else []
    return [(t0 + (d - lo) * 86400.0, label) for d, label in zip(dates, labels)]


def _value_ticks(y0: float, y1: float) -> list[float]:
    from matplotlib.ticker import MaxNLocator

    return [v for v in MaxNLocator(nbins=4).tick_values(y0, y1) if y0 <= v <= y1]


def _seconds(stamps: pd.Series) -> np.ndarray:
    return stamps.to_numpy(dtype="datetime64[ns]").astype("int64") / 1e9


def series_svg(past: pd.DataFrame, forecast: pd.DataFrame, start: pd.Timestamp, levels: list[int]) -> str:
    """One series: history (grey) before start, actuals (black) from start, forecast (blue) with its bands."""
    past_t, past_v = _seconds(past["timestamp"]), past["value"].to_numpy(dtype=float)
    fc_t = _seconds(forecast["timestamp"])
    fc = {c: forecast[c].to_numpy(dtype=float) for c in ["forecast", *(f"{b}_{lv}" for lv in levels for b in ("lo", "hi"))]}
    stamps = np.concatenate([past_t, fc_t])
    t0, t1 = (float(stamps.min()), float(stamps.max())) if len(stamps) else (0.0, 1.0)
    values = np.concatenate([past_v, *fc.values()])
    values = values[np.isfinite(values)]
    y0, y1 = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    pad = (y1 - y0) * 0.05 or 1.0
    y0, y1 = y0 - pad, y1 + pad

    def x(seconds):
        return _scale(np.asarray(seconds, dtype=float), t0, t1, LEFT, WIDTH - RIGHT)

    def y(v):
        return _scale(np.asarray(v, dtype=float), y0, y1, HEIGHT - BOTTOM, TOP)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-size="10" '
           f'font-family="sans-serif"><rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
           f'height="{HEIGHT - TOP - BOTTOM}" fill="none" stroke="#ccc"/>']
    for v in _value_ticks(y0, y1):
        out.append(f'<text x="{LEFT - 4}" y="{float(y(v)) + 3:.1f}" text-anchor="end">{v:g}</text>')
    for t, label in _date_ticks(t0, t1):
        out.append(f'<text x="{float(x(t)):.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                   f"{html.escape(label)}</text>")
    fx = x(fc_t)
    for level, opacity in zip(levels, BAND_OPACITY):
        out.append(f'<path d="{_band(fx, y(fc[f"lo_{level}"]), y(fc[f"hi_{level}"]))}" fill="#1f77b4" '
                   f'fill-opacity="{opacity}"><title>{level}% interval</title></path>')
    split = past_t < start.value / 1e9
    for t, v, colour, name in ((past_t[split], past_v[split], "#8c8c8c", "history"),
                               (past_t[~split], past_v[~split], "#000", "actual"),
                               (fc_t, fc["forecast"], "#1f77b4", "forecast")):
        out.append(f'<path d="{_line(x(t), y(v))}" fill="none" stroke="{colour}" stroke-width="1.3">'
                   f"<title>{name}</title></path>")
    sx = float(x(start.value / 1e9))
    out.append(f'<line x1="{sx:.1f}" x2="{sx:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#555" '
               'stroke-dasharray="2,2"/></svg>')
    return "".join(out)


def forecast_page(history: pd.DataFrame, forecasts: pd.DataFrame, per_series: pd.DataFrame, start: pd.Timestamp,
                  context_start: pd.Timestamp, title: str) -> str:
    """A self-contained HTML page: the metrics table (each series linking to its chart), then every chart."""
    from forecast_assets.forecast_plots import interval_levels, latest_forecasts, series_title

    ranked = per_series.assign(series_id=per_series["series_id"].astype(str))
    ranked = ranked.sort_values("smape", ascending=False, na_position="last")
    latest = latest_forecasts(forecasts)
    levels = interval_levels(latest)
    past_by_series = dict(tuple(history[history["timestamp"] >= context_start].groupby(
        history["series_id"].astype(str), sort=False)))
    forecast_by_series = dict(tuple(latest.groupby(latest["series_id"].astype(str), sort=False)))
    empty_past, empty_forecast = history.iloc[:0], latest.iloc[:0]
    sections = []
    for _, row in ranked[ranked["smape"].notna()].iterrows():
        sid = row["series_id"]
        svg = series_svg(past_by_series.get(sid, empty_past), forecast_by_series.get(sid, empty_forecast), start, levels)
        sections.append(f'<figure id="{html.escape(sid)}"><figcaption>{html.escape(series_title(row))}</figcaption>'
                        f"{svg}</figure>")
    table = ranked.round(3).assign(series_id=[f'<a href="#{html.escape(s)}">{html.escape(s)}</a>'
                                              for s in ranked["series_id"]])
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>"
            "body{font-family:sans-serif;margin:1.5em}figure{display:inline-block;margin:.3em}"
            "figcaption{font-size:12px}.metrics{border-collapse:collapse;font-size:13px}"
            ".metrics td,.metrics th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>History (grey), actuals (black), the latest forecast (blue) and its "
            "prediction intervals (widest lightest) per series, worst sMAPE first; the dotted line is where the "
            "monitored period starts. A series name in the table jumps to its chart.</p>"
            f"{table.to_html(index=False, border=0, classes='metrics', escape=False)}{''.join(sections)}</body></html>")
