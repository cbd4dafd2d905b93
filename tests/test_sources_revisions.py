"""A source that revises recent days: the sensor observes each collected partition's data version at the source and
re-collects only the partitions that changed."""

import json

import dagster as dg
import pandas as pd
import pytest

from forecast_assets.ingestion import raw_series
from forecast_assets.source_revisions import source_data, source_revision_sensor
from resources.environment import build_resources
from resources.sources.file import FileSeriesSource

DAYS = ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]


def write_day(folder, day: str, bump: float = 0.0) -> None:
    hours = pd.date_range(day, periods=24, freq="h")
    pd.DataFrame({"series_id": "a", "timestamp": hours, "value": [10.0 + h.hour + bump for h in hours]}).to_parquet(
        folder / f"load_{day}.parquet", index=False)


@pytest.fixture
def collected(forecast_home, tmp_path):
    """Four days collected from a folder of daily files into raw_series; yields (folder, resources, instance)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    for day in DAYS:
        write_day(folder, day)
    resources = {**build_resources(), "source": FileSeriesSource(path=str(folder), revision_lookback_partitions=2)}
    instance = dg.DagsterInstance.ephemeral()
    for day in DAYS:
        dg.materialize([raw_series], partition_key=day, resources=resources, instance=instance, raise_on_error=True)
    return folder, resources, instance


def evaluate(resources, instance, cursor=None) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"source": resources["source"]})
    return source_revision_sensor(context)


def test_the_first_look_records_versions_of_the_recent_partitions_without_rerunning_anything(collected):
    _, resources, instance = collected
    result = evaluate(resources, instance)
    assert result.run_requests == []
    assert sorted(json.loads(result.cursor)) == ["2024-03-03", "2024-03-04"]  # only the lookback, not all history
    assert [(o.asset_key, o.partition) for o in result.asset_events] == [
        (source_data.key, "2024-03-03"), (source_data.key, "2024-03-04")]
    assert all(o.tags["dagster/data_version"] for o in result.asset_events)


def test_a_revised_day_is_recollected_alone_and_an_unchanged_source_requests_nothing(collected):
    folder, resources, instance = collected
    first = evaluate(resources, instance)
    assert evaluate(resources, instance, first.cursor).run_requests == []

    write_day(folder, "2024-03-03", bump=5.0)  # the operator revised the day before yesterday
    revised = evaluate(resources, instance, first.cursor)
    assert [request.partition_key for request in revised.run_requests] == ["2024-03-03"]
    assert revised.run_requests[0].tags["forecast/trigger"] == "source_revision"
    assert [o.partition for o in revised.asset_events] == ["2024-03-03"]

    dg.materialize([raw_series], partition_key="2024-03-03", resources=resources, instance=instance)
    stored = resources["warehouse"].read("raw_series", time_column="timestamp", start=pd.Timestamp("2024-03-03"),
                                         end=pd.Timestamp("2024-03-04"))  # fmt: skip
    assert len(stored) == 24 and stored["value"].min() == 15.0  # replaced, not duplicated
    assert evaluate(resources, instance, revised.cursor).run_requests == []


def test_late_rows_in_a_recent_day_change_its_version(collected):
    folder, resources, instance = collected
    first = evaluate(resources, instance)
    late = pd.DataFrame({"series_id": ["b"], "timestamp": [pd.Timestamp("2024-03-04 05:00")], "value": [1.0]})
    late.to_parquet(folder / "late_2024-03-04.parquet", index=False)
    assert [r.partition_key for r in evaluate(resources, instance, first.cursor).run_requests] == ["2024-03-04"]
