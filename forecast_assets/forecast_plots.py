"""Pictures of forecasts against actuals: a PNG for the asset page (and the day's Evidently report), and the model
quality by version. The page with every series is forecast_assets/forecast_page.py.

Both forecast views show, per series, the recent history, the actuals of the monitored period, the forecast and its prediction
intervals (the widest level lightest). Where several origins forecast the same timestamp, the shortest lead (the
latest forecast) is drawn, which is the one a forecaster acts on.
"""

import base64
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


def pyplot():
    """matplotlib's pyplot on the Agg backend (no display on servers; the backend must be chosen before pyplot)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _draw(ax, history: pd.DataFrame, forecast: pd.DataFrame, start: pd.Timestamp, title: str) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    before, during = history[history["timestamp"] < start], history[history["timestamp"] >= start]
    for level, alpha in zip(interval_levels(forecast), (0.18, 0.35, 0.5)):
        ax.fill_between(forecast["timestamp"], forecast[f"lo_{level}"], forecast[f"hi_{level}"], color="tab:blue",
                        alpha=alpha, linewidth=0, label=f"{level}% interval")
    ax.plot(before["timestamp"], before["value"], color="0.55", linewidth=0.9, label="history")
    ax.plot(during["timestamp"], during["value"], color="black", linewidth=1.2, label="actual")
    ax.plot(forecast["timestamp"], forecast["forecast"], color="tab:blue", linewidth=1.2, label="forecast")
    ax.axvline(start, color="0.3", linestyle=":", linewidth=0.8)
    ax.set_title(title, fontsize=7.5, loc="left")
    ax.tick_params(labelsize=7)
    ax.xaxis.get_offset_text().set_fontsize(7)
    locator = AutoDateLocator(minticks=3, maxticks=6)  # minticks=3: a few days of hourly data get day ticks
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _figure_png(panels: list[tuple[str, str]], history: pd.DataFrame, forecasts: pd.DataFrame,
                start: pd.Timestamp, context_start: pd.Timestamp, columns: int = 3, dpi: int = 72) -> bytes:
    """The panels (series_id, title) as a grid of small charts with one shared legend."""
    plt = pyplot()
    rows = -(-len(panels) // columns)
    height = 2.4 * rows + 0.3
    # Fixed margins instead of tight_layout, which draws the whole figure once more to measure it.
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, height), squeeze=False,
                             gridspec_kw={"left": 0.045, "right": 0.99, "bottom": 0.5 / height,
                                          "top": 1 - 0.55 / height, "hspace": 0.6, "wspace": 0.2})
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    history = history[history["timestamp"] >= context_start]
    past_by_series = dict(tuple(history.groupby(history["series_id"].astype(str), sort=False)))
    forecast_by_series = dict(tuple(forecasts.groupby(forecasts["series_id"].astype(str), sort=False)))
    for ax, (series_id, title) in zip(axes.flat, panels):
        _draw(ax, past_by_series.get(series_id, history.iloc[:0]), forecast_by_series.get(series_id, forecasts.iloc[:0]),
              start, title)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, frameon=False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def series_title(row: pd.Series, label: str = "") -> str:
    """e.g. "s011 (worst)  sMAPE 11.0%  MASE 1.10  in 80/95% band: 80/90%" (short enough for a panel's width)."""
    parts = [f"{row['series_id']}{label}", f"sMAPE {row['smape']:.1f}%", f"MASE {row['mase']:.2f}"]
    coverage = [(c[len("coverage_"):], row[c]) for c in row.index if c.startswith("coverage_") and pd.notna(row[c])]
    if coverage:
        parts.append(f"in {'/'.join(lv for lv, _ in coverage)}% band: {'/'.join(f'{v:.0%}'[:-1] for _, v in coverage)}%")
    return "  ".join(parts)


def forecast_picture(history: pd.DataFrame, forecasts: pd.DataFrame, per_series: pd.DataFrame, start: pd.Timestamp,
                     context_start: pd.Timestamp, worst: int = 3, sample: int = 3) -> bytes:
    """A PNG of the worst and a sample of series: history from context_start, actuals and forecast from start."""
    chosen = pick_series(per_series, worst, sample)
    if not chosen:
        raise ValueError("forecast_picture: no series has an arrived actual to compare with")
    metrics = per_series.assign(series_id=per_series["series_id"].astype(str)).set_index("series_id", drop=False)
    panels = [(s, series_title(metrics.loc[s], " (worst)" if i < worst else "")) for i, s in enumerate(chosen)]
    return _figure_png(panels, history, latest_forecasts(forecasts), start, context_start)


def markdown_image(png: bytes, alt: str) -> str:
    """The PNG as a markdown image with a data URI, which the Dagster UI renders on the asset page."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


def report_url(uri: str, artifacts_root: str | None = None) -> str:
    """A browser link for an artifact URI: gs:// through the Cloud console, a local file through `make ui`."""
    if uri.startswith("gs://"):
        return "https://storage.cloud.google.com/" + uri[len("gs://"):]
    if artifacts_root is not None:
        relative = Path(uri).resolve().relative_to(Path(artifacts_root).resolve()).as_posix()
        return f"{os.getenv(REPORTS_URL_ENV, DEFAULT_REPORTS_URL).rstrip('/')}/{relative}"
    return Path(uri).resolve().as_uri()


def worst_table(per_series: pd.DataFrame, rows: int = 5) -> str:
    """The worst series by sMAPE as a markdown table narrow enough for the asset page's metadata column: error and
    interval coverage with short headers (RMSE and bias per series are on the page with every series)."""
    coverage = [c for c in per_series.columns if c.startswith("coverage_")]
    worst = per_series.sort_values("smape", ascending=False).head(rows)
    table = pd.DataFrame({"series": worst["series_id"].astype(str), "sMAPE %": worst["smape"].round(1),
                          "MASE": worst["mase"].round(2),
                          **{f"in {c[len('coverage_'):]}%": worst[c].round(2) for c in coverage}})
    return table.to_markdown(index=False)


def decision_table(table: pd.DataFrame) -> str:
    """The promotion gate's table (one row per contender) as markdown narrow enough for the asset page's metadata
    column: the mean sMAPE, MASE and RMSE with short headers, and the windows and series they are the mean over above."""
    first = table.iloc[0]
    over = f"mean over {int(first['windows'])} backtest window(s) x {int(first['rows']) // max(int(first['windows']), 1)} series"
    fallbacks = int(table["fallbacks"].sum()) if "fallbacks" in table else 0
    narrow = pd.DataFrame({"contender": table["contender"].str.replace("seasonal_naive", "naive"),
                           "sMAPE %": table["smape"].round(2), "MASE": table["mase"].round(3),
                           "RMSE": table["rmse"].round(1)})
    note = f"; {fallbacks} fallback forecast(s)" if fallbacks else ""
    return f"{over}{note}\n\n{narrow.to_markdown(index=False)}"


def forecast_view_keys(partition_key: str) -> tuple[str, str]:
    """The artifact keys of a partition's picture (PNG) and its page with every series (HTML)."""
    folder = f"monitoring/{partition_key}/forecasts_vs_actuals"
    return f"{folder}.png", f"{folder}.html"


def forecast_view_urls(artifacts, partition_key: str) -> tuple[str, str] | None:
    """Browser links to a partition's picture and page, or None when forecast_accuracy has not drawn them."""
    keys = forecast_view_keys(partition_key)
    if not all(artifacts.exists(key) for key in keys):
        return None
    root = getattr(artifacts, "root", None)
    picture, page = (report_url(artifacts.uri(key), root) for key in keys)
    return picture, page


def forecast_views(history: pd.DataFrame, forecasts: pd.DataFrame, per_series: pd.DataFrame, start: pd.Timestamp,
                   settings, artifacts, partition_key: str) -> dict:
    """forecast_accuracy's picture metadata: the embedded PNG, and a link to the page with every series."""
    import dagster as dg

    from forecast_assets.forecast_page import forecast_page

    if per_series["smape"].notna().sum() == 0:
        return {"forecasts_vs_actuals": "no actuals have arrived yet for these forecasts"}
    context_start = settings.steps_before(start, 3 * settings.season_length)  # three seasons of context
    png = forecast_picture(history, forecasts, per_series, start, context_start)
    page = forecast_page(history, forecasts, per_series, start, context_start,
                         title=f"Forecasts against actuals, {partition_key}")
    picture_key, page_key = forecast_view_keys(partition_key)
    artifacts.write_bytes(picture_key, png)  # the same picture for the Evidently report of the day to show
    uri = artifacts.write_bytes(page_key, page.encode())
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
    plt = pyplot()
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
