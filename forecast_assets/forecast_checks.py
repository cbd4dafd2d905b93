"""Checks on batch_forecasts: complete, finite, and intervals that are ordered and hold the point forecast."""

import dagster as dg
import numpy as np
import pandas as pd

from resources.settings import ForecastSettings

FORECASTS = dg.AssetKey("batch_forecasts")
FORECAST_CHECKS = [
    dg.AssetCheckSpec("forecasts_complete", asset=FORECASTS, description="Every active series has all H steps."),
    dg.AssetCheckSpec("forecasts_finite", asset=FORECASTS, description="No NaN or infinite forecast or bound."),
    dg.AssetCheckSpec("intervals_ordered", asset=FORECASTS,
                      description="lo_95 <= lo_80 <= forecast <= hi_80 <= hi_95 on every row."),
]


def evaluate_forecast_checks(forecasts: pd.DataFrame, active: list[str], settings: ForecastSettings) -> list[dg.AssetCheckResult]:
    """Run the three checks on one origin's forecasts."""
    counts = forecasts.groupby("series_id")["step"].nunique().reindex(active, fill_value=0)
    incomplete = counts[counts != settings.horizon]
    value_columns = ["forecast"] + [c for c in forecasts.columns if c.startswith(("lo_", "hi_"))]
    non_finite = forecasts[~np.isfinite(forecasts[value_columns].to_numpy(dtype=float)).all(axis=1)]
    levels = sorted(settings.interval_levels, reverse=True)  # widest first
    bounds = [f"lo_{lv}" for lv in levels] + ["forecast"] + [f"hi_{lv}" for lv in reversed(levels)]
    ordered = np.all(np.diff(forecasts[bounds].to_numpy(dtype=float), axis=1) >= -1e-9, axis=1)
    disordered = forecasts[~ordered]
    return [
        dg.AssetCheckResult(check_name="forecasts_complete", passed=incomplete.empty, metadata={
            "incomplete_series": dg.MetadataValue.json({k: int(v) for k, v in incomplete.items()}),
            "expected_rows": len(active) * settings.horizon, "rows": len(forecasts)}),
        dg.AssetCheckResult(check_name="forecasts_finite", passed=non_finite.empty, metadata={
            "failing_rows": len(non_finite), "series": dg.MetadataValue.json(sorted(non_finite["series_id"].unique().tolist()))}),
        dg.AssetCheckResult(check_name="intervals_ordered", passed=disordered.empty, metadata={
            "failing_rows": len(disordered), "series": dg.MetadataValue.json(sorted(disordered["series_id"].unique().tolist()))}),
    ]
