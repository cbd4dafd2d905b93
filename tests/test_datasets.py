"""training_dataset: a cleaned window of raw_series whose version is its content hash."""

import dagster as dg
import pandas as pd
import pytest

from forecast_assets.cleaning import clean_series
from forecast_assets.datasets import training_dataset
from forecast_assets.ingestion import raw_series
from resources.environment import build_resources

DAYS = ["2024-01-08", "2024-01-09", "2024-01-10", "2024-01-11"]
WINDOW = {"ops": {"training_dataset": {"config": {"end_date": "2024-01-12", "window_periods": 96}}}}


@pytest.fixture
def resources(forecast_home):
    resources = build_resources()
    for day in DAYS:
        dg.materialize([raw_series], partition_key=day, resources=resources)
    return resources


def build_dataset(resources) -> dict:
    result = dg.materialize([raw_series, training_dataset], selection=[training_dataset], resources=resources,
                            run_config=WINDOW)
    return result.asset_materializations_for_node("training_dataset")[0].metadata


def test_same_window_gives_the_same_version_and_one_registry_row(resources):
    first, second = build_dataset(resources), build_dataset(resources)
    assert first["dataset_version"].value == second["dataset_version"].value
    registry = resources["warehouse"].read("dataset_versions")
    assert registry["version"].tolist() == [first["dataset_version"].value]
    assert registry.at[0, "rows"] == first["dagster/row_count"].value
    stored = pd.read_parquet(first["dataset_uri"].value)
    assert len(stored) == first["dagster/row_count"].value
    assert stored["timestamp"].min() == pd.Timestamp("2024-01-08") and stored["timestamp"].max() < pd.Timestamp("2024-01-12")


def test_a_changed_raw_partition_gives_a_new_version(forecast_home, tmp_path, monkeypatch):
    hours = pd.date_range(DAYS[0], periods=24 * len(DAYS), freq="h")
    observations = pd.DataFrame({"series_id": "a", "timestamp": hours, "value": [100.0 + i % 24 for i in range(len(hours))]})
    path = tmp_path / "observations.csv"
    observations.to_csv(path, index=False)
    monkeypatch.setenv("FORECAST_SOURCE", str(path))
    resources = build_resources()
    for day in DAYS:
        dg.materialize([raw_series], partition_key=day, resources=resources)
    before = build_dataset(resources)["dataset_version"].value

    observations.loc[30, "value"] += 100.0  # a late correction of one observation on the second day
    path.write_text(observations.to_csv(index=False))
    resources = build_resources()  # a new source reads the changed file
    dg.materialize([raw_series], partition_key=DAYS[1], resources=resources)
    after = build_dataset(resources)["dataset_version"].value

    assert after != before
    assert set(resources["warehouse"].read("dataset_versions")["version"]) == {before, after}


def test_cleaning_policy_averages_duplicates_fills_short_gaps_and_counts_long_ones():
    hours = pd.date_range("2024-01-01", periods=12, freq="h")
    raw = pd.DataFrame({"series_id": "a", "timestamp": hours, "value": range(12)}, dtype=object)
    raw["value"] = raw["value"].astype(float)
    raw["timestamp"] = pd.to_datetime(raw["timestamp"])
    raw = raw.drop(index=[3, 6, 7, 8, 9])  # a one-hour gap and a four-hour gap
    raw = pd.concat([raw, pd.DataFrame({"series_id": ["a"], "timestamp": [hours[1]], "value": [3.0]})])
    dataset, report = clean_series(raw, "h", max_interpolate_steps=3)
    assert len(dataset) == 12
    assert dataset.set_index("timestamp").at[hours[1], "value"] == 2.0  # (1 + 3) / 2
    assert dataset.set_index("timestamp").at[hours[3], "value"] == 3.0  # interpolated between 2 and 4
    assert dataset["value"].isna().sum() == 4 and report.left_missing == 4
    assert report.duplicates_averaged == 1 and report.interpolated == 1 and report.steps_inserted == 5


def test_a_dataset_is_parquet_shards_of_whole_series_and_its_version_does_not_depend_on_the_shard_size(resources):
    from forecast_assets.dataset_shards import read_shard, shard_files
    from forecast_assets.datasets import load_dataset
    from resources.settings import ForecastSettings

    one = build_dataset({**resources, "settings": ForecastSettings(shard_series=100)})
    sharded = build_dataset({**resources, "settings": ForecastSettings(shard_series=5)})  # 12 series: 3 shards

    version = sharded["dataset_version"].value
    assert version == one["dataset_version"].value and sharded["shards"].value == 3 and one["shards"].value == 1
    shards = [read_shard(resources["artifacts"], key)
              for key in shard_files(resources["artifacts"], version)]
    owners = [set(shard["series_id"]) for shard in shards]
    assert sum(map(len, owners)) == len(set().union(*owners)) == 12  # every series in exactly one shard
    start, end = pd.Timestamp(DAYS[0]), pd.Timestamp("2024-01-12")
    expected, _ = clean_series(resources["warehouse"].read("raw_series", time_column="timestamp", start=start, end=end),
                               "h", max_interpolate_steps=3)
    stored = load_dataset(resources["artifacts"], version).sort_values(["series_id", "timestamp"], ignore_index=True)
    pd.testing.assert_frame_equal(stored, expected)


def test_a_bounded_load_reads_whole_shards_in_order_until_it_has_enough_series(resources):
    from forecast_assets.datasets import load_dataset
    from resources.settings import ForecastSettings

    version = build_dataset({**resources, "settings": ForecastSettings(shard_series=3)})["dataset_version"].value

    first = load_dataset(resources["artifacts"], version, max_series=1)
    again = load_dataset(resources["artifacts"], version, max_series=1)
    everything = load_dataset(resources["artifacts"], version)
    assert 1 <= first["series_id"].nunique() < everything["series_id"].nunique() == 12
    pd.testing.assert_frame_equal(first, again)  # a stable sample: the same series every time
    assert first.groupby("series_id").size().eq(everything.groupby("series_id").size()[first["series_id"].unique()]).all()


def test_the_trainer_reads_a_sharded_dataset_folder_with_the_same_rows(resources):
    from trainer.dataset import read_dataset
    from resources.settings import ForecastSettings

    metadata = build_dataset({**resources, "settings": ForecastSettings(shard_series=4)})
    frame = read_dataset(metadata["dataset_uri"].value)  # the folder, its _manifest.json skipped
    assert len(frame) == metadata["dagster/row_count"].value and frame["series_id"].nunique() == 12
    assert isinstance(frame["series_id"].dtype, pd.CategoricalDtype)
