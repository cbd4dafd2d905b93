"""Specification of the forecast-vs-actual pictures: what forecast_accuracy embeds and links on its asset page."""

import base64

import numpy as np
import pandas as pd

from forecast_assets.forecast_page import forecast_page
from forecast_assets.forecast_plots import (decision_table, forecast_picture, latest_forecasts, markdown_image,
                                            pick_series, report_url, versions_frame, versions_picture, worst_table)

DAY = pd.Timestamp("2024-04-02")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _panel(n_series: int = 8):
    """Hourly history of n_series sines, forecasts for DAY from two origins, and per-series sMAPE rising with id."""
    stamps = pd.date_range(DAY - pd.Timedelta(days=3), DAY + pd.Timedelta(hours=23), freq="h")
    history, forecasts, per_series = [], [], []
    for i in range(n_series):
        sid = f"s{i:03d}"
        values = 100 + 10 * np.sin(np.arange(len(stamps)) * 2 * np.pi / 24) + i
        history.append(pd.DataFrame({"series_id": sid, "timestamp": stamps, "value": values}))
        day = stamps[stamps >= DAY]
        for step0 in (0, 24):  # the day-ahead forecast and the one made a day earlier (longer lead)
            point = values[-24:] * (1 + 0.01 * i) + step0
            forecasts.append(pd.DataFrame({"series_id": sid, "timestamp": day, "step": np.arange(1, 25) + step0,
                                           "forecast": point, "lo_80": point - 5, "hi_80": point + 5,
                                           "lo_95": point - 9, "hi_95": point + 9}))
        per_series.append({"series_id": sid, "smape": float(i), "mase": 0.1 * i, "rmse": 1.0, "bias": 0.5,
                           "expected": 48, "arrived": 48, "completeness": 1.0, "coverage_80": 0.8, "coverage_95": 0.9})
    return pd.concat(history), pd.concat(forecasts), pd.DataFrame(per_series)


def test_the_picture_is_a_png_of_the_worst_and_a_sample_of_series():
    history, forecasts, per_series = _panel()
    chosen = pick_series(per_series, worst=3, sample=3)
    assert chosen[:3] == ["s007", "s006", "s005"]
    assert len(chosen) == 6 and len(set(chosen)) == 6
    png = forecast_picture(history, forecasts, per_series, DAY, DAY - pd.Timedelta(days=3))
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000
    md = markdown_image(png, "forecasts")
    assert md.startswith("![forecasts](data:image/png;base64,")
    assert base64.b64decode(md[len("![forecasts](data:image/png;base64,"):-1]) == png


def test_where_origins_overlap_the_shortest_lead_is_drawn():
    _, forecasts, _ = _panel(2)
    latest = latest_forecasts(forecasts)
    assert len(latest) == 2 * 24 and latest["step"].max() == 24


def test_the_page_draws_every_series_worst_first_each_linked_from_its_metrics_row():
    history, forecasts, per_series = _panel()
    page = forecast_page(history, forecasts, per_series, DAY, DAY - pd.Timedelta(days=3), title="day 2024-04-02")
    assert page.count("<svg ") == 8
    assert page.index('id="s007"') < page.index('id="s000"')
    assert '<a href="#s007">s007</a>' in page
    assert "coverage_95" in page and "day 2024-04-02" in page


def test_a_chart_breaks_its_line_at_a_missing_value_and_draws_both_bands():
    history, forecasts, per_series = _panel(1)
    history.loc[history.index[10], "value"] = np.nan
    page = forecast_page(history, forecasts, per_series, DAY, DAY - pd.Timedelta(days=3), title="gap")
    history_path = page.split("<title>history</title>")[0].rsplit('d="', 1)[1]
    assert history_path.count("M") == 2  # one gap, two pieces
    assert "<title>80% interval</title>" in page and "<title>95% interval</title>" in page


def test_the_worst_series_table_keeps_error_and_coverage_columns_only_with_short_headers():
    _, _, per_series = _panel()
    lines = worst_table(per_series).splitlines()
    assert [cell.strip() for cell in lines[0].split("|")[1:-1]] == ["series", "sMAPE %", "MASE", "in 80%", "in 95%"]
    assert "s007" in lines[2] and len(lines) == 2 + 5


def test_the_promotion_table_has_the_three_metrics_per_contender_and_says_what_they_are_the_mean_over():
    gate = pd.DataFrame({"contender": ["candidate", "seasonal_naive", "champion"], "smape": [2.7358, 9.8261, 3.2586],
                         "mase": [0.4397, 1.4305, 0.5225], "rmse": [94.0545, 277.211, 109.578], "rows": [24] * 3,
                         "windows": [2] * 3, "fallbacks": [0] * 3})
    caption, _, *table = decision_table(gate).splitlines()
    assert caption == "mean over 2 backtest window(s) x 12 series"
    assert [cell.strip() for cell in table[0].split("|")[1:-1]] == ["contender", "sMAPE %", "MASE", "RMSE"]
    assert [row.split("|")[1].strip() for row in table[2:]] == ["candidate", "naive", "champion"]


def test_links_point_at_the_ui_server_or_the_cloud_console(tmp_path, monkeypatch):
    monkeypatch.setenv("FORECAST_REPORTS_URL", "http://127.0.0.1:8501/")
    page = tmp_path / "monitoring" / "2024-04-02" / "forecasts_vs_actuals.html"
    assert report_url(str(page), str(tmp_path)) == "http://127.0.0.1:8501/monitoring/2024-04-02/forecasts_vs_actuals.html"
    assert report_url("gs://bucket/monitoring/x.html") == "https://storage.cloud.google.com/bucket/monitoring/x.html"


def test_model_quality_by_version_is_one_png_and_a_table_in_the_data_units():
    from forecast_assets.training import metrics_table
    from resources.registry import ModelVersion

    metrics = [{"test": {"smape": s, "mase": s / 10, "rmse": 800.0 + s},
                "seasonal_naive": {"test": {"smape": 15.0, "mase": 2.0, "rmse": 1500.0}}} for s in (5.0, 4.0, 6.0)]
    versions = [ModelVersion(version=f"v{i + 1}", uri="/x", dataset_version=f"d{i}", code_version="c", trainer_image="",
                             metrics=m, aliases=["champion"] if i == 1 else []) for i, m in enumerate(metrics)]
    frame = versions_frame(versions)
    assert frame["version"].tolist() == ["v1", "v2", "v3"] and frame.loc[1, "aliases"] == "champion"
    assert frame["test RMSE (data units)"].tolist() == [805.0, 804.0, 806.0]
    assert versions_picture(frame).startswith(PNG_MAGIC)
    table = metrics_table(metrics[0])
    assert "RMSE (data units)" in table and "seasonal naive, test" in table and "805" in table


def test_the_day_s_picture_and_page_are_found_by_partition_and_linked_through_the_reports_server(tmp_path, monkeypatch):
    from forecast_assets.forecast_plots import forecast_view_keys, forecast_view_urls
    from resources.artifacts import LocalArtifactStore

    monkeypatch.setenv("FORECAST_REPORTS_URL", "http://127.0.0.1:8501")
    artifacts = LocalArtifactStore(root=str(tmp_path))
    assert forecast_view_urls(artifacts, "2024-04-02") is None  # not drawn yet: nothing to link
    for key in forecast_view_keys("2024-04-02"):
        artifacts.write_bytes(key, b"x")
    assert forecast_view_urls(artifacts, "2024-04-02") == (
        "http://127.0.0.1:8501/monitoring/2024-04-02/forecasts_vs_actuals.png",
        "http://127.0.0.1:8501/monitoring/2024-04-02/forecasts_vs_actuals.html")
