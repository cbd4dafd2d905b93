"""Monitoring: forecast_accuracy, the day's forecasts joined to the actuals that have arrived."""

import dagster as dg
import pandas as pd

from forecast_assets.cleaning import clean_series
from forecast_assets.inference import batch_forecasts
from forecast_assets.ingestion import raw_series
from forecast_assets.partitions import HORIZON_PARTITIONS, LOOKBACK_PARTITIONS, time_partitions
from resources.artifacts import ArtifactStore
from resources.settings import ForecastSettings
from resources.warehouse import WAREHOUSE_POOL, Warehouse


def day_window(context: dg.AssetExecutionContext) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The partition's period as naive [start, end)."""
    window = context.partition_time_window
    return pd.Timestamp(window.start).tz_localize(None), pd.Timestamp(window.end).tz_localize(None)


def cleaned_history(warehouse: Warehouse, settings: ForecastSettings, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """raw_series in [start, end) through the dataset cleaning policy (so actuals are deduplicated the same way)."""
    raw = warehouse.read("raw_series", time_column="timestamp", start=start, end=end)
    if raw.empty:
        return raw
    cleaned, _ = clean_series(raw, settings.freq, settings.max_interpolate_steps, settings.allow_negative_values)
    return cleaned


@dg.asset(
    partitions_def=time_partitions,
    pool=WAREHOUSE_POOL,
    group_name="monitoring",
    kinds={"pandas", "table"},
    metadata={"partition_expr": "day"},
    deps=[
        # Forecasts that cover period P were made at the ends of the partitions before it that H steps reach from
        # (hourly data, H=48: D-1 for steps 1-24 and D-2 for steps 25-48).
        dg.AssetDep(batch_forecasts, partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-HORIZON_PARTITIONS,
                                                                                      end_offset=-1)),
        dg.AssetDep(raw_series, partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-(LOOKBACK_PARTITIONS - 1),
                                                                                 end_offset=0)),
    ],
)
def forecast_accuracy(context: dg.AssetExecutionContext, settings: ForecastSettings, warehouse: Warehouse,
                      artifacts: ArtifactStore):
    """Error of every forecast that covered the period, by series and by lead time: sMAPE, MASE, RMSE, bias, coverage."""
    from forecast_assets.forecast_plots import forecast_views, worst_table
    from monitoring.performance import accuracy_by_series_and_lead, insample_scales

    day, end = day_window(context)
    forecasts = warehouse.read("batch_forecasts", time_column="timestamp", start=day, end=end)
    if forecasts.empty:
        raise dg.Failure(f"forecast_accuracy: no batch_forecasts cover partition {context.partition_key}; "
                         "forecast the partitions before it first")
    history = cleaned_history(warehouse, settings, settings.steps_before(day, settings.serving_lookback_periods), end)
    actuals = history[(history["timestamp"] >= day) & history["value"].notna()]
    scales = insample_scales(history[history["timestamp"] < day].dropna(subset=["value"]), settings.season_length)
    forecasts = forecasts[forecasts["series_id"].isin(scales.index)]
    as_of = settings.steps_before(settings.first_step_at_or_after(end), 1)
    per_series, per_lead, overall = accuracy_by_series_and_lead(forecasts, actuals, scales, as_of=as_of)
    # The forecasts issued at the period's own origin: the rows drift_report and the Evidently panels score.
    issued_here = forecasts[forecasts["origin"] == settings.first_step_at_or_after(day)]
    day_ahead = accuracy_by_series_and_lead(issued_here, actuals, scales, as_of=as_of)[2] if len(issued_here) else {}
    yield dg.Output(per_series.assign(day=day), metadata={
        "dagster/row_count": len(per_series),
        **{k: float(v) for k, v in overall.items() if v is not None and pd.notna(v)},
        **{f"day_ahead_{k}": float(day_ahead[k]) for k in ("smape", "mase", "rmse") if pd.notna(day_ahead.get(k))},
        "by_lead_time": dg.MetadataValue.md(per_lead.round(3).to_markdown(index=False)),
        "worst_series": dg.MetadataValue.md(worst_table(per_series)),
        **forecast_views(history, forecasts, per_series, day, settings, artifacts, context.partition_key),
    })


defs = dg.Definitions(assets=[forecast_accuracy])
