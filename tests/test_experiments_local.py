"""The local experiment tracker: runs, their parameters, final metrics and per-round curves in the DuckDB warehouse."""

import dagster as dg
import duckdb
import pytest

from resources.experiments_local import LocalExperimentTracker
from resources.warehouse import DuckDBWarehouse


@pytest.fixture
def database(tmp_path) -> str:
    return str(tmp_path / "warehouse.duckdb")


def tracker(database: str, experiment: str = "forecast") -> LocalExperimentTracker:
    return LocalExperimentTracker(warehouse=DuckDBWarehouse(database=database), experiment=experiment)


def test_a_logged_run_keeps_its_params_final_metrics_and_per_round_series(database):
    run_id = tracker(database).log_run(
        "candidate-1", params={"max_depth": 6, "eta": 0.1, "lags": [1, 24]},
        metrics={"test_smape": 11.2, "test_mase": 0.93},
        time_series={"valid_rmse": [5.0, 4.0, 3.5], "train_rmse": [4.5, 3.0, 2.0]},
    )
    runs = tracker(database).runs()
    assert len(runs) == 1
    run = runs.iloc[0]
    assert (run["run_name"], run["run_id"]) == ("candidate-1", run_id)
    assert (run["param.max_depth"], run["param.eta"], run["param.lags"]) == (6, 0.1, [1, 24])
    assert (run["metric.test_smape"], run["metric.test_mase"]) == (11.2, 0.93)
    curves = tracker(database).metric_series(run_id)
    assert curves[curves.metric == "valid_rmse"][["step", "value"]].values.tolist() == [[0, 5.0], [1, 4.0], [2, 3.5]]
    assert len(curves) == 6


def test_two_runs_are_two_rows_queryable_with_sql(database):
    tracker(database).log_run("run-a", {"max_depth": 4}, {"test_smape": 12.0})
    tracker(database).log_run("run-b", {"max_depth": 8}, {"test_smape": 10.5})
    runs = tracker(database).runs()
    assert runs["run_name"].tolist() == ["run-a", "run-b"]
    assert runs["param.max_depth"].tolist() == [4, 8]
    with duckdb.connect(database, read_only=True) as conn:
        best = conn.execute(
            "SELECT run_name FROM forecast.experiment_runs "
            "ORDER BY CAST(json_extract(metrics, '$.test_smape') AS DOUBLE) LIMIT 1"
        ).fetchone()[0]
    assert best == "run-b"


def test_runs_belong_to_their_experiment(database):
    tracker(database, "forecast").log_run("ours", {}, {"test_smape": 1.0})
    tracker(database, "other").log_run("theirs", {}, {"test_smape": 2.0})
    assert tracker(database, "forecast").runs()["run_name"].tolist() == ["ours"]
    assert tracker(database, "empty").runs().empty


def test_a_metric_that_is_not_a_number_is_refused_naming_run_and_metric(database):
    with pytest.raises(ValueError, match="run-x.*test_smape"):
        tracker(database).log_run("run-x", {}, {"test_smape": "n/a"})


def test_an_asset_logs_a_run_through_the_tracker_wired_with_its_warehouse(database):
    @dg.asset
    def trained(experiments: LocalExperimentTracker) -> str:
        return experiments.log_run("from-asset", {"seed": 1}, {"valid_rmse": 2.5}, {"valid_rmse": [3.0, 2.5]})

    warehouse = DuckDBWarehouse(database=database)
    result = dg.materialize([trained], resources={
        "warehouse": warehouse,
        "experiments": LocalExperimentTracker(warehouse=warehouse),
    })
    assert result.success
    run = tracker(database).runs().iloc[0]
    assert run["run_id"] == result.output_for_node("trained")
    assert (run["param.seed"], run["metric.valid_rmse"]) == (1, 2.5)
