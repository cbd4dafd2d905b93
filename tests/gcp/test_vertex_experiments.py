"""VertexExperimentTracker: the real aiplatform experiment calls against the Vertex AI stand-in's metadata store."""

import pytest
from fake_rest import PROJECT, REGION

from resources.gcp.vertex_experiments import VertexExperimentTracker, run_id

CONTEXTS = f"/v1/projects/{PROJECT}/locations/{REGION}/metadataStores/default/contexts"


@pytest.fixture
def metadata(vertex_standin):
    return vertex_standin.metadata


@pytest.fixture
def tracker(fake_google, metadata):
    return VertexExperimentTracker(project=PROJECT, location=REGION, experiment="forecast-exp",
                                   api_endpoint=fake_google.endpoint)


def test_a_run_creates_the_experiment_and_a_completed_run_with_params_and_metrics(tracker, fake_google, metadata):
    resource = tracker.log_run("candidate 2024-03-02T06:00", {"max_depth": 6, "objective": "reg:squarederror",
                                                              "lags": [1, 24]}, {"smape": 12.5, "mase": 0.9})

    creates = [c for c in fake_google.calls("POST") if c.path == CONTEXTS]
    assert [(c.query["contextId"][0], c.json["schemaTitle"]) for c in creates] == [
        ("forecast-exp", "system.Experiment"), ("forecast-exp-candidate-2024-03-02t06-00", "system.ExperimentRun")]
    assert resource.endswith("/contexts/forecast-exp-candidate-2024-03-02t06-00")
    run = metadata.contexts[resource]["metadata"]
    assert run["_params"] == {"max_depth": 6.0, "objective": "reg:squarederror", "lags": "[1, 24]"}
    assert run["_metrics"] == {"smape": 12.5, "mase": 0.9}
    assert run["_state"] == "COMPLETE"
    (link,) = fake_google.calls("POST", ":addContextChildren")
    assert link.json == {"childContexts": [resource]}


def test_without_a_tensorboard_curves_are_kept_as_last_min_and_argmin(tracker, metadata):
    resource = tracker.log_run("r1", {}, {"rmse": 2.0}, time_series={"valid_rmse": [3.0, 1.5, 1.75]})
    assert metadata.contexts[resource]["metadata"]["_metrics"] == {
        "rmse": 2.0, "valid_rmse_last": 1.75, "valid_rmse_min": 1.5, "valid_rmse_argmin": 1.0}


def test_runs_lists_every_run_with_the_local_trackers_columns(tracker):
    first = tracker.log_run("r1", {"max_depth": 4}, {"smape": 14.0})
    tracker.log_run("r2", {"max_depth": 8}, {"smape": 11.0})

    runs = tracker.runs().sort_values("run_name")
    assert list(runs.columns) == ["run_name", "run_id", "param.max_depth", "metric.smape"]
    assert runs["run_name"].tolist() == ["r1", "r2"] and runs["run_id"].iloc[0] == first
    assert runs["param.max_depth"].tolist() == [4.0, 8.0] and runs["metric.smape"].tolist() == [14.0, 11.0]


def test_run_names_are_made_valid_vertex_ids_and_empty_ones_are_refused():
    assert run_id("Candidate_Run 7") == "candidate-run-7"
    with pytest.raises(ValueError, match="'__'"):
        run_id("__")
