"""The monitoring dashboard: which numbers of the daily snapshots the Evidently UI plots over time.

A panel selects points by metric type and labels (e.g. MeanValue with column=smape_pct), so each panel here names
a metric that drift_report() puts into every snapshot; the x axis is the snapshot timestamp (the monitored day).
Each day's snapshot (the Reports tab) also opens with that day's picture of forecasts against actuals and a link to
the page with every series, the same view as on forecast_accuracy's asset page.
"""

from monitoring.evidently_report import COVERAGE_PREFIX, INTERVAL_LEVELS, SMAPE_TERM
from monitoring.series_drift import RESIDUAL_VS_LEVEL, TARGET_DEVIATION

# (title, description, [(metric type, labels, legend)]); plain data so the panel set can be tested without the UI.
PANELS = [
    ("sMAPE", "Realised sMAPE (%) of the monitored day", [("MeanValue", {"column": SMAPE_TERM}, "sMAPE %")]),
    ("RMSE", "Realised RMSE of the monitored day", [("RMSE", {}, "RMSE")]),
    (
        "Drifted feature share",
        "Share of model input features whose distribution drifted (normed Wasserstein >= threshold)",
        [("DriftedColumnsCount", {"value_type": "share"}, "share of features")],
    ),
    (
        "Target and residual drift",
        "Label drift (deseasonalised target) and concept drift (residuals), normed Wasserstein distance",
        [
            ("ValueDrift", {"column": TARGET_DEVIATION}, "target"),
            ("ValueDrift", {"column": RESIDUAL_VS_LEVEL}, "residual"),
        ],
    ),
    (
        "Interval coverage",
        "Share of actuals inside the prediction intervals (compare with 0.80 and 0.95)",
        [("MeanValue", {"column": f"{COVERAGE_PREFIX}{level}"}, f"{level}% interval") for level in INTERVAL_LEVELS],
    ),
]


FORECAST_VIEW_TITLE = "Forecasts against actuals"
# Text panels: where on the dashboard a reader learns what the line charts do not show.
NOTES = [
    (FORECAST_VIEW_TITLE,
     "Open a day in the Reports tab: its report starts with that day's forecasts against actuals (worst series and a "
     "sample, 80%/95% bands) and a link to every series."),
]


def dashboard_panels() -> list:
    """The panels as Evidently DashboardPanelPlot line plots."""
    from evidently.sdk.models import PanelMetric
    from evidently.sdk.panels import line_plot_panel

    return [
        line_plot_panel(
            title=title,
            description=description,
            size="half",
            values=[PanelMetric(metric=metric, metric_labels=labels, legend=legend) for metric, labels, legend in rows],
        )
        for title, description, rows in PANELS
    ]


def ensure_panels(project) -> list[str]:
    """Add every panel the project's dashboard lacks (matched by title); return the titles added."""
    from evidently.sdk.panels import text_panel

    existing = {panel.title for panel in project.dashboard.model().panels}
    added = []
    for panel in [text_panel(title=title, description=text) for title, text in NOTES] + dashboard_panels():
        if panel.title not in existing:
            project.dashboard.add_panel(panel, tab="Forecast monitoring")
            added.append(panel.title)
    return added


def add_forecast_view(snapshot, urls: tuple[str, str] | None, day) -> bool:
    """Put the day's picture of forecasts against actuals and the link to every series first in its Evidently report.

    urls is (picture, page) as browser links (forecast_plots.forecast_view_urls); None adds nothing. Returns whether
    it added the view. The report's text widgets are markdown, which the Evidently UI renders with the picture.
    """
    if urls is None:
        return False
    from evidently.legacy.renderers.html_widgets import text_widget

    picture, page = urls
    text = f"![forecasts against actuals, {day}]({picture})\n\n[Every series, worst sMAPE first]({page})"
    # A Snapshot has no public call to add a widget; its widget list is what the UI draws, in order.
    snapshot._widgets.insert(0, text_widget(title=f"{FORECAST_VIEW_TITLE}, {day}", text=text))
    return True
