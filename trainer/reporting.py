"""Metrics as flat key/value pairs, for logs and for the Dagster Pipes materialization."""


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
