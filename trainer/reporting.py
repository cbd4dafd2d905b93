"""What the trainer reports: metrics as flat key/value pairs for logs and the Pipes materialization, and the Pipes channel."""


def flat_metrics(metrics: dict) -> dict:
    """test_smape, validation_rmse, snaive_test_mase, best_iteration, ...: one level, plain numbers."""
    flat = {}
    for split in ("train", "validation", "test"):
        for name, value in metrics.get(split, {}).items():
            flat[f"{split}_{name}"] = value
    for split, values in metrics.get("seasonal_naive", {}).items():
        for name, value in values.items():
            flat[f"snaive_{split}_{name}"] = value
    for key in ("best_iteration", "n_series", "fit_seconds"):
        if key in metrics:
            flat[key] = metrics[key]
    for split, count in metrics.get("rows", {}).items():
        flat[f"rows_{split}"] = count
    return flat


def pipes_metadata(metrics: dict) -> dict:
    """Materialization metadata: the flat metrics, plus the per-round validation RMSE and params as JSON."""
    metadata = {key: {"raw_value": value, "type": "float" if isinstance(value, float) else "int"}
                for key, value in flat_metrics(metrics).items()}
    metadata["validation_rmse_per_round"] = {"raw_value": metrics["validation_rmse_per_round"], "type": "json"}
    metadata["params"] = {"raw_value": metrics.get("params", {}), "type": "json"}
    return metadata


def pipes_channels(environ=None) -> dict:
    """open_dagster_pipes' context loader and message writer, chosen by what Dagster's bootstrap variables name.

    Locally Dagster hands the trainer temp-file paths (the library's defaults serve them). A Vertex AI job cannot
    see the orchestrator's disk, so there Dagster names a GCS bucket and key: the context is read from and the
    messages are written to that bucket while the job runs. $TRAINER_PIPES_UPLOAD_SECONDS sets how often.
    """
    import os

    from dagster_pipes import DAGSTER_PIPES_CONTEXT_ENV_VAR, decode_param

    environ = os.environ if environ is None else environ
    context_params = decode_param(environ[DAGSTER_PIPES_CONTEXT_ENV_VAR])
    if "bucket" not in context_params:
        return {}
    from dagster_pipes import PipesGCSContextLoader, PipesGCSMessageWriter
    from google.cloud import storage

    # On Vertex AI the job's service account signs the requests; STORAGE_EMULATOR_HOST redirects to an emulator.
    client = storage.Client(project=environ.get("CLOUD_ML_PROJECT_ID") or None)
    interval = float(environ.get("TRAINER_PIPES_UPLOAD_SECONDS") or 10)
    return {"context_loader": PipesGCSContextLoader(client=client),
            "message_writer": PipesGCSMessageWriter(client=client, interval=interval)}
