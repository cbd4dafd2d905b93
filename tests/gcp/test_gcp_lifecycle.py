"""A short lifecycle with FORECAST_ENV=gcp against the emulators `make demo-gcp` starts (BigQuery, GCS, the Vertex AI
stand-in that runs each custom job): every stage lands in its Google service, and one injected drift retrains once.

The same scenario as tests/test_lifecycle.py, so the two environments are held to the same mechanics; the quality
bar (champion beating the seasonal naive on the demo's data) is make demo-gcp's.
"""

import dagster as dg
import pandas as pd
import pytest

from resources.sources.synthetic import ScenarioEvent, SyntheticSeriesSource

SHIFT_DAY = pd.Timestamp("2024-04-10")
LIVE_START, LIVE_DAYS = pd.Timestamp("2024-04-08"), 4
SERIES, HORIZON = 4, 48


@pytest.fixture(scope="module")
def gcp_lifecycle(tmp_path_factory):
    """The lifecycle run once against a fresh emulator stack: (summary, resources, instance, env)."""
    from demo.lifecycle import run_lifecycle
    from emulators.guard import loopback_only
    from emulators.stack import emulated_gcp
    from forecast_assets.definitions import build_definitions
    from resources.environment import build_resources

    home = tmp_path_factory.mktemp("forecast_home")
    with pytest.MonkeyPatch.context() as patch, emulated_gcp(home / "emulators") as env:
        for name, value in {**env, "FORECAST_HOME": str(home), "VERTEX_POLL_SECONDS": "0.5"}.items():
            patch.setenv(name, value)
        patch.delenv("FORECAST_SOURCE", raising=False)
        resources = build_resources()
        resources["source"] = SyntheticSeriesSource(n_series=SERIES, days=112, events=[
            ScenarioEvent(kind="level_shift", series=["s001"], start=str(SHIFT_DAY), magnitude=0.35)])
        defs = build_definitions(resources)
        instance = dg.DagsterInstance.ephemeral()
        with loopback_only():
            summary = run_lifecycle(history_periods=21 * 24, live_partitions=LIVE_DAYS, defs=defs,
                                    live_start=LIVE_START, instance=instance)
            from demo.automation import Clock

            clock = Clock(defs=defs, instance=instance)
            resolved = {name: clock.resource(name) for name in ("warehouse", "artifacts", "registry")}
            yield summary, resolved, instance, env


@pytest.mark.slow
def test_every_stage_is_materialized_in_the_gcp_resources(gcp_lifecycle):
    _, resources, instance, _ = gcp_lifecycle
    for asset in ("raw_series", "training_dataset", "candidate_model", "champion_model", "batch_forecasts",
                  "forecast_accuracy", "drift_report"):
        assert instance.get_latest_materialization_event(dg.AssetKey(asset)) is not None, asset
    assert type(resources["warehouse"]).__name__ == "BigQueryWarehouse"
    assert type(resources["registry"]).__name__ == "VertexModelRegistry"


@pytest.mark.slow
def test_the_champion_is_a_version_in_the_vertex_registry_with_its_model_on_gcs(gcp_lifecycle):
    summary, resources, _, env = gcp_lifecycle
    registry = resources["registry"]
    champion = registry.alias("champion")
    assert champion is not None and champion.version == str(summary["champion"])
    assert champion.uri.startswith(f"gs://{env['GCS_BUCKET']}/")
    assert len(registry.versions()) >= 2  # the first model and the drift retrain's candidate
    assert champion.trainer_image == env["TRAINER_IMAGE_URI"]


@pytest.mark.slow
def test_forecasts_and_monitoring_rows_are_in_bigquery_and_the_drift_reports_on_gcs(gcp_lifecycle):
    summary, resources, _, _ = gcp_lifecycle
    warehouse, artifacts = resources["warehouse"], resources["artifacts"]
    # origins: the first live day (after the promotion) and the end of each live day; every series, H steps each
    assert summary["forecasts"] == (LIVE_DAYS + 1) * SERIES * HORIZON
    assert len(warehouse.read("batch_forecasts", time_column="origin", start=LIVE_START)) == summary["forecasts"]
    monitoring = warehouse.read("monitoring_summary").set_index("day").sort_index()
    assert list(monitoring.index) == list(pd.date_range(LIVE_START, periods=LIVE_DAYS, freq="D"))
    assert (monitoring.loc[monitoring.index < SHIFT_DAY, "drifted_series"] == "").all()
    assert (monitoring.loc[monitoring.index >= SHIFT_DAY, "drifted_series"] == "s001").all()
    for day in monitoring.index:
        assert artifacts.exists(f"monitoring/{day.date()}/drift_report.html"), day


@pytest.mark.slow
def test_the_drift_sensor_requests_one_retrain_that_trains_on_vertex(gcp_lifecycle):
    summary, _, instance, _ = gcp_lifecycle
    assert summary["retrains"] == 1 and summary["detection_delay_days"] == "0"
    (retrain,) = instance.get_runs(dg.RunsFilter(tags={"dagster/sensor_name": "drift_retrain_sensor"}))
    assert retrain.tags["forecast/trigger"] == "drift_sensor"
    trained = [e for e in instance.all_logs(retrain.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
               if e.asset_materialization.asset_key == dg.AssetKey("candidate_model")]
    assert trained, "the drift retrain did not train a candidate"
