"""batch_forecasts scored in Vertex AI custom jobs (the stand-in really running `python -m trainer.predict`, one job
per shard of series) gives exactly the forecasts scored in-process: the same model rows, the same rescaled
intervals (their factor pooled over all shards) and the same seasonal-naive fallback for a series too young."""

import dagster as dg
import pandas as pd
import pytest
from fake_rest import PROJECT, REGION

from ingested_history import HISTORY, WINDOW, ingested_history
from test_vertex_pipes import vertex_standin  # noqa: F401

pytestmark = pytest.mark.slow
YOUNG = "young-1"  # a series that started on the forecast partition's day: too short for the model


@pytest.fixture
def champion_on_gcs(forecast_home, vertex_standin, gcs_bucket):
    """(defs, resources, instance): history ingested locally plus a young series, a trained champion registered in
    the Vertex stand-in's registry (its files on the GCS emulator), the resources pointed at both."""
    from resources.gcp import VertexModelRegistry
    from resources.registry import CHAMPION

    defs, resources, instance = ingested_history(n_series=4)
    defs.resolve_job_def("training_job").execute_in_process(instance=instance, run_config=WINDOW)
    trained = resources["registry"].alias(CHAMPION)
    warehouse = resources["warehouse"]
    raw = warehouse.read("raw_series")
    day = raw[(raw["timestamp"] >= HISTORY[1]) & (raw["series_id"] == raw["series_id"].min())]
    warehouse.write("raw_series", day.assign(series_id=YOUNG))
    endpoint, bucket = gcs_bucket
    registry = VertexModelRegistry(project=PROJECT, location=REGION, model_name="forecast-scoring",
                                   api_endpoint=vertex_standin.endpoint, bucket=bucket, storage_endpoint=endpoint)
    version = registry.register(trained.uri, trained.dataset_version, trained.code_version, trained.trainer_image,
                                trained.params, trained.metrics)
    registry.set_alias(CHAMPION, version.version)
    return defs, {**resources, "registry": registry}, instance


def forecasts_scored_by(scorer, resources: dict, instance: dg.DagsterInstance) -> pd.DataFrame:
    from forecast_assets.inference import batch_forecasts

    result = dg.materialize([batch_forecasts], partition_key=HISTORY[1], instance=instance,
                            resources={**resources, "batch_scorer": scorer})
    assert result.success
    return result.output_for_node("batch_forecasts")


def test_forecasts_scored_in_vertex_jobs_per_shard_equal_the_in_process_ones(champion_on_gcs, vertex_standin,
                                                                               gcs_bucket):
    from resources.gcp.vertex_scoring import VertexBatchScorer
    from resources.scoring import InProcessBatchScorer
    from resources.shards import shard_of

    defs, resources, instance = champion_on_gcs
    endpoint, bucket = gcs_bucket
    remote = VertexBatchScorer(project=PROJECT, location=REGION, bucket=bucket, image_uri="local/trainer:test",
                               api_endpoint=vertex_standin.endpoint, storage_endpoint=endpoint, shards=3,
                               poll_seconds=0.2)
    local = forecasts_scored_by(InProcessBatchScorer(), resources, instance)
    scored = forecasts_scored_by(remote, resources, instance)

    pd.testing.assert_frame_equal(scored, local, check_exact=True)
    assert set(local.loc[local["series_id"] == YOUNG, "method"]) == {"seasonal_naive"}
    assert set(local.loc[local["series_id"] != YOUNG, "method"]) == {"model"}
    # One job per non-empty shard, each running the trainer image's predict entry point, labelled with the run.
    series = sorted(local["series_id"].unique())
    shards = sorted(set(shard_of(series, 3)))
    jobs = list(vertex_standin.jobs.jobs.values())
    assert len(jobs) == len(shards) > 1
    assert all(job["state"] == "JOB_STATE_SUCCEEDED" for job in jobs)
    container = jobs[0]["jobSpec"]["workerPoolSpecs"][0]["containerSpec"]
    assert container["command"] == ["python", "-m", "trainer.predict"] and container["imageUri"] == "local/trainer:test"
    runs = {job["labels"]["dagster_run"] for job in jobs}
    assert len(runs) == 1 and instance.get_run_by_id(runs.pop()) is not None
    assert sorted(int(job["labels"]["shard"]) for job in jobs) == shards
    # The shards' history and outputs are removed once collected.
    from resources.gcp.clients import storage_client

    assert not [blob.name for blob in storage_client(PROJECT, endpoint).list_blobs(bucket, prefix="scoring/")]


def test_a_shard_job_that_fails_fails_the_step_naming_the_job_its_error_and_the_kept_inputs(vertex_standin,
                                                                                         gcs_bucket):
    from forecast_assets.serving_history import StagedHistory
    from resources.gcp.vertex_scoring import VertexBatchScorer
    from resources.registry import ModelVersion
    from test_trainer_task import synthetic_series

    endpoint, bucket = gcs_bucket
    scorer = VertexBatchScorer(project=PROJECT, location=REGION, bucket=bucket, image_uri="local/trainer:test",
                               api_endpoint=vertex_standin.endpoint, storage_endpoint=endpoint, shards=1,
                               poll_seconds=0.2)
    missing = ModelVersion(version="9", uri=f"gs://{bucket}/registry/none", dataset_version="d", code_version="c",
                           trainer_image="local/trainer:test")
    history = synthetic_series(n_series=2, days=7)

    @dg.asset
    def batch_forecasts(context: dg.AssetExecutionContext):
        """Scores through the Vertex scorer a model version whose files are not there."""
        origin = pd.Timestamp("2024-01-08")
        with StagedHistory([(0, history)], 1, origin) as staged:
            scorer.score(context, None, missing, staged, origin, [], (80, 95))

    with pytest.raises(dg.Failure) as failure:
        dg.materialize([batch_forecasts])
    message = failure.value.description
    assert message.startswith("1 of 1 scoring jobs failed") and f"gs://{bucket}/scoring/" in message
    assert "score-unpartitioned-shard-0-of-1 ended in JOB_STATE_FAILED" in message
    assert "has no model.ubj" in message  # the trainer's own error line, as the job's error
    assert "https://console.cloud.google.com/vertex-ai/" in message
    (job,) = vertex_standin.jobs.jobs.values()
    assert job["jobSpec"]["scheduling"]["timeout"] == "86400s"
