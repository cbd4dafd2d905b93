"""Pictures of forecasts against actuals: a PNG for the asset page and an HTML page with every series.

Both show, per series, the recent history, the actuals of the monitored period, the forecast and its prediction
intervals (the widest level lightest). Where several origins forecast the same timestamp, the shortest lead (the
latest forecast) is drawn, which is the one a forecaster acts on.
"""

import base64
import html
import io
import os
from pathlib import Path

import pandas as pd

REPORTS_URL_ENV = "FORECAST_REPORTS_URL"  # where `make ui` serves the local artifacts folder
DEFAULT_REPORTS_URL = "http://127.0.0.1:8001"


def latest_forecasts(forecasts: pd.DataFrame) -> pd.DataFrame:
    """One forecast row per (series_id, timestamp): the one with the shortest lead (smallest step)."""
    ordered = forecasts.sort_values(["series_id", "timestamp", "step"])
    return ordered.drop_duplicates(["series_id", "timestamp"], keep="first")


def interval_levels(forecasts: pd.DataFrame) -> list[int]:
    """Every level L with lo_L and hi_L columns, widest first (so narrower bands are drawn on top)."""
    levels = {int(c[3:]) for c in forecasts.columns if c.startswith("lo_") and c[3:].isdigit()}
    return sorted((lv for lv in levels if f"hi_{lv}" in forecasts.columns), reverse=True)


def pick_series(per_series: pd.DataFrame, worst: int = 3, sample: int = 3) -> list[str]:
    """The `worst` series by sMAPE, then `sample` more spread evenly over the rest (median-like, best-like)."""
    ranked = per_series.dropna(subset=["smape"]).sort_values("smape", ascending=False)["series_id"].astype(str).tolist()
    chosen, rest = ranked[:worst], ranked[worst:]
    if rest and sample > 0:
        stride = max(1, len(rest) // sample)
        chosen += rest[stride // 2::stride][:sample]
    return chosen


def _draw(ax, series_id: str, history: pd.DataFrame, forecast: pd.DataFrame, start: pd.Timestamp, title: str) -> None:
    before, during = history[history["timestamp"] < start], history[history["timestamp"] >= start]
    for level, alpha in zip(interval_levels(forecast), (0.18, 0.35, 0.5)):
        ax.fill_between(forecast["timestamp"], forecast[f"lo_{level}"], forecast[f"hi_{level}"], color="tab:blue",
                        alpha=alpha, linewidth=0, label=f"{level}% interval")
    ax.plot(before["timestamp"], before["value"], color="0.55", linewidth=0.9, label="history")
    ax.plot(during["timestamp"], during["value"], color="black", linewidth=1.2, label="actual")
    ax.plot(forecast["timestamp"], forecast["forecast"], color="tab:blue", linewidth=1.2, label="forecast")
    ax.axvline(start, color="0.3", linestyle=":", linewidth=0.8)
    ax.set_title(title, fontsize=8, loc="left")
    ax.tick_params(labelsize=7)
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _figure_png(panels: list[tuple[str, str]], history: pd.DataFrame, forecasts: pd.DataFrame,
                start: pd.Timestamp, context_start: pd.Timestamp, columns: int, dpi: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers; must precede pyplot
    import matplotlib.pyplot as plt

    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.4 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, (series_id, title) in zip(axes.flat, panels):
        past = history[(history["series_id"] == series_id) & (history["timestamp"] >= context_start)]
        _draw(ax, series_id, past, forecasts[forecasts["series_id"] == series_id], start, title)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (2.4 * rows)))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def _title(row: pd.Series, label: str = "") -> str:
    parts = [f"{row['series_id']}{label}", f"sMAPE {row['smape']:.1f}%", f"MASE {row['mase']:.2f}"]
    parts += [f"in {c[9:]}%: {row[c]:.0%}" for c in row.index if c.startswith("coverage_") and pd.notna(row[c])]
    return "  ".join(parts)


def forecast_picture(history: pd.DataFrame, forecasts: pd.DataFrame, per_series: pd.DataFrame, start: pd.Timestamp,
                     context_start: pd.Timestamp, worst: int = 3, sample: int = 3) -> bytes:
    """A PNG of the worst and a sample of series: history from context_start, actuals and forecast from start."""
    chosen = pick_series(per_series, worst, sample)
    if not chosen:
        raise ValueError("forecast_picture: no series has an arrived actual to compare with")
    metrics = per_series.assign(series_id=per_series["series_id"].astype(str)).set_index("series_id", drop=False)
    panels = [(s, _title(metrics.loc[s], " (worst)" if i < worst else "")) for i, s in enumerate(chosen)]
    return _figure_png(panels, history, latest_forecasts(forecasts), start, context_start, columns=3, dpi=72)


def markdown_image(png: bytes, alt: str) -> str:
    """The PNG as a markdown image with a data URI, which the Dagster UI renders on the asset page."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


def forecast_page(history: pd.DataFrame, forecasts: pd.DataFrame, per_series: pd.DataFrame, start: pd.Timestamp,
                  context_start: pd.Timestamp, title: str) -> str:
    """A self-contained HTML page: the metrics table and one picture per series, worst sMAPE first."""
    ranked = per_series.sort_values("smape", ascending=False, na_position="last")
    latest = latest_forecasts(forecasts)
    sections = []
    for _, row in ranked.iterrows():
        series_id = str(row["series_id"])
        if pd.isna(row["smape"]):
            continue
        png = _figure_png([(series_id, _title(row))], history, latest, start, context_start, columns=1, dpi=64)
        sections.append(f'<figure id="{html.escape(series_id)}"><img alt="{html.escape(series_id)}" '
                        f'src="data:image/png;base64,{base64.b64encode(png).decode()}"></figure>')
    table = ranked.round(3).to_html(index=False, border=0, classes="metrics")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>"
            "body{font-family:sans-serif;margin:1.5em}figure{display:inline-block;margin:.3em}"
            ".metrics{border-collapse:collapse;font-size:13px}.metrics td,.metrics th{padding:2px 8px;"
            "border-bottom:1px solid #ddd;text-align:right}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>History (grey), actuals (black), the latest forecast (blue) and its "
            "prediction intervals, per series, worst sMAPE first.</p>"
            f"{table}{''.join(sections)}</body></html>")


def report_url(uri: str, artifacts_root: str | None = None) -> str:
    """A browser link for an artifact URI: gs:// through the Cloud console, a local file through `make ui`."""
    if uri.startswith("gs://"):
        return "https://storage.cloud.google.com/" + uri[len("gs://"):]
    if artifacts_root is not None:
        relative = Path(uri).resolve().relative_to(Path(artifacts_root).resolve()).as_posix()
        return f"{os.getenv(REPORTS_URL_ENV, DEFAULT_REPORTS_URL).rstrip('/')}/{relative}"
    return Path(uri).resolve().as_uri()


def worst_table(per_series: pd.DataFrame, rows: int = 5) -> str:
    """The worst series by sMAPE as a markdown table narrow enough for the asset page (error and coverage only)."""
    columns = ["series_id", "smape", "mase", "rmse", "bias", *[c for c in per_series.columns if c.startswith("coverage_")]]
    worst = per_series.sort_values("smape", ascending=False).head(rows)[columns]
    return worst.round(3).to_markdown(index=False)


def forecast_views(history: pd.DataFrame, forecasts: pd.DataFrame, per_series: pd.DataFrame, start: pd.Timestamp,
                   settings, artifacts, partition_key: str) -> dict:
    """forecast_accuracy's picture metadata: the embedded PNG, and a link to the page with every series."""
    import dagster as dg

    if per_series["smape"].notna().sum() == 0:
        return {"forecasts_vs_actuals": "no actuals have arrived yet for these forecasts"}
    context_start = settings.steps_before(start, 3 * settings.season_length)  # three seasons of context
    png = forecast_picture(history, forecasts, per_series, start, context_start)
    page = forecast_page(history, forecasts, per_series, start, context_start,
                         title=f"Forecasts against actuals, {partition_key}")
    uri = artifacts.write_bytes(f"monitoring/{partition_key}/forecasts_vs_actuals.html", page.encode())
    return {
        "forecasts_vs_actuals": dg.MetadataValue.md(markdown_image(png, f"forecasts against actuals {partition_key}")),
        "all_series": dg.MetadataValue.url(report_url(uri, getattr(artifacts, "root", None))),
    }


def versions_frame(versions: list) -> pd.DataFrame:
    """One row per registered model version: its dataset and its own held-out test metrics beside the naive's."""
    rows = []
    for v in versions:
        test, naive = (v.metrics.get("test") or {}), ((v.metrics.get("seasonal_naive") or {}).get("test") or {})
        rows.append({"version": v.version, "dataset_version": v.dataset_version, "aliases": ", ".join(v.aliases),
                     "test sMAPE (%)": test.get("smape"), "naive sMAPE (%)": naive.get("smape"),
                     "test MASE": test.get("mase"), "naive MASE": naive.get("mase"),
                     "test RMSE (data units)": test.get("rmse")})
    return pd.DataFrame(rows)


def versions_picture(frame: pd.DataFrame) -> bytes:
    """A PNG with one chart per metric group (sMAPE %, MASE) against model version, the seasonal naive beside."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 2.8))
    x = range(len(frame))
    for ax, (metric, unit) in zip(axes, (("sMAPE", "sMAPE (%)"), ("MASE", "MASE"))):
        ax.plot(x, frame[f"test {unit}"], marker="o", color="tab:blue", label="model, own test window")
        ax.plot(x, frame[f"naive {unit}"], marker="s", linestyle="--", color="0.5", label="seasonal naive")
        ax.set_xticks(list(x), frame["version"], fontsize=8)
        ax.set_title(unit, fontsize=9, loc="left")
        ax.set_xlabel("model version", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72)
    plt.close(fig)
    return buffer.getvalue()
