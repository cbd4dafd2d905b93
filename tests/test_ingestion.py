"""raw_series keeps every observation of a day, replaces a day on rerun, and its checks name what is wrong."""

import dagster as dg
import pytest

from forecast_assets.ingestion import raw_series
from resources.environment import build_resources


@pytest.fixture
def pjm_resources(forecast_home, pjm_file, monkeypatch):
    monkeypatch.setenv("FORECAST_SOURCE", str(pjm_file))
    return build_resources()


@pytest.fixture
def synthetic_resources(forecast_home):
    return build_resources()


def ingest(resources, day: str) -> dg.ExecuteInProcessResult:
    return dg.materialize([raw_series], partition_key=day, resources=resources, raise_on_error=True)


def checks_of(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}


def stored_rows(resources, day: str):
    import pandas as pd

    start = pd.Timestamp(day)
    return resources["warehouse"].read("raw_series", time_column="timestamp", start=start, end=start + pd.Timedelta(days=1))


def test_pjm_fall_back_day_reports_exactly_the_duplicated_hour_per_region(pjm_resources):
    result = ingest(pjm_resources, "2014-11-02")
    duplicates = checks_of(result)["duplicate_timestamps"]
    assert not duplicates.passed
    regions = ["AEP", "COMED", "DAYTON", "DEOK", "DOM", "DUQ", "EKPC", "FE", "PJME", "PJMW"]
    assert duplicates.metadata["series"].value == regions
    assert duplicates.metadata["failing_rows"].value == 2 * len(regions)  # two values for 02:00 in each region
    assert "2014-11-02 02:00:00" in duplicates.metadata["rows"].value
    assert checks_of(result)["missing_steps"].passed  # fall-back repeats an hour, it skips none
    # Nothing dropped: 10 regions x 24 hours + the 10 repeated hours.
    assert len(stored_rows(pjm_resources, "2014-11-02")) == 10 * 25


def test_pjm_spring_forward_day_reports_the_missing_hour(pjm_resources):
    result = ingest(pjm_resources, "2015-03-08")
    gaps = checks_of(result)["missing_steps"]
    assert not gaps.passed
    assert gaps.metadata["failing_rows"].value == 10
    assert gaps.metadata["rows"].value.count("2015-03-08 03:00:00") == 10  # the skipped hour (hour-ending labels)
    assert checks_of(result)["duplicate_timestamps"].passed


def test_pjm_clean_day_passes_every_check(pjm_resources):
    result = ingest(pjm_resources, "2015-06-16")
    failed = [name for name, evaluation in checks_of(result).items() if not evaluation.passed]
    assert failed == []
    assert len(checks_of(result)) == 8


def test_rematerializing_a_partition_replaces_it(synthetic_resources):
    first = ingest(synthetic_resources, "2024-01-10")
    rows = len(stored_rows(synthetic_resources, "2024-01-10"))
    assert rows == first.asset_materializations_for_node("raw_series")[0].metadata["dagster/row_count"].value > 0
    ingest(synthetic_resources, "2024-01-10")
    ingest(synthetic_resources, "2024-01-11")
    assert len(stored_rows(synthetic_resources, "2024-01-10")) == rows


def test_synthetic_data_quality_events_are_named_by_the_checks(synthetic_resources):
    stuck = checks_of(ingest(synthetic_resources, "2024-02-06"))["flatlines"]
    assert not stuck.passed and stuck.metadata["series"].value == ["s007"]
    missing = checks_of(ingest(synthetic_resources, "2024-02-13"))["missing_steps"]
    assert not missing.passed and missing.metadata["series"].value == ["s004"]
    assert missing.metadata["failing_rows"].value == 3


def test_blocking_checks_are_schema_and_non_finite_values():
    blocking = {spec.name for spec in raw_series.check_specs if spec.blocking}
    assert blocking == {"schema", "non_finite_values"}


def test_a_backfill_run_leaves_every_partition_a_resolved_check_history(synthetic_resources):
    instance = dg.DagsterInstance.ephemeral()
    days = ["2024-02-05", "2024-02-06", "2024-02-07"]
    result = dg.materialize([raw_series], resources=synthetic_resources, instance=instance, raise_on_error=True,
                            tags={"dagster/asset_partition_range_start": days[0],
                                  "dagster/asset_partition_range_end": days[-1]})
    by_partition = {(e.check_name, e.partition): e for e in result.get_asset_check_evaluations()}
    assert len(by_partition) == 8 * len(days)  # each check once per partition, none for the range as a whole
    assert not by_partition[("flatlines", "2024-02-06")].passed  # the stuck sensor is on the day it happened
    assert by_partition[("flatlines", "2024-02-06")].metadata["series"].value == ["s007"]
    assert by_partition[("flatlines", "2024-02-05")].passed
    history = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("raw_series"), "flatlines"), limit=10)
    # Nothing left "planned" (the UI's Skipped): each partition's row is resolved and points at its materialization.
    assert sorted((r.partition, r.status.value) for r in history) == [
        ("2024-02-05", "SUCCEEDED"), ("2024-02-06", "FAILED"), ("2024-02-07", "SUCCEEDED")]
    assert all(r.event.dagster_event.event_specific_data.target_materialization_data for r in history)


def test_a_passing_check_shows_its_count_only():
    import pandas as pd

    from forecast_assets.ingestion_checks import evaluate_raw_checks
    from resources.settings import ForecastSettings

    day = pd.Timestamp("2024-02-05")
    raw = pd.DataFrame({"series_id": "a", "timestamp": pd.date_range(day, periods=24, freq="h"),
                        "value": [float(v) for v in range(24)]})
    results = {r.check_name: r for r in evaluate_raw_checks(raw, day, day + pd.Timedelta(days=1), ForecastSettings())}
    assert results["duplicate_timestamps"].passed
    assert set(results["duplicate_timestamps"].metadata) == {"failing_rows"}


def test_a_day_written_in_chunks_of_series_stores_and_checks_exactly_what_one_chunk_does(synthetic_resources):
    from resources.settings import ForecastSettings

    whole = ingest(synthetic_resources, "2024-02-06")
    rows = stored_rows(synthetic_resources, "2024-02-06").drop(columns="ingested_at")
    chunked = ingest({**synthetic_resources, "settings": ForecastSettings(shard_series=5)}, "2024-02-06")  # 5+5+2

    again = stored_rows(synthetic_resources, "2024-02-06").drop(columns="ingested_at")
    by_key = ["series_id", "timestamp"]
    assert again.sort_values(by_key, ignore_index=True).equals(rows.sort_values(by_key, ignore_index=True))
    assert {name: (e.passed, e.metadata.get("series")) for name, e in checks_of(chunked).items()} == {
        name: (e.passed, e.metadata.get("series")) for name, e in checks_of(whole).items()}
    assert not checks_of(chunked)["flatlines"].passed  # the stuck sensor of s007, found in its chunk
    metadata = chunked.asset_materializations_for_node("raw_series")[0].metadata
    assert metadata["series"].value == 12 and metadata["dagster/row_count"].value == len(rows)
