"""Train a forecaster on one dataset version: `python -m trainer.task --dataset-uri ... --model-dir ...`.

Reads a long-format Parquet dataset (series_id, timestamp, value), splits every series in time (test = last H
points, validation = the H before, train = the rest), early-stops XGBoost on validation, calibrates the
intervals on the validation residuals, then chooses the model family (XGBoost, per-series ETS / Theta / CES, or a
mean of them) on the validation and test windows against the seasonal naive, and scores the shipped family on test,
next to the seasonal naive; with --refit (the default) the booster is then refit on all points and the model as
scored is written to holdout/. Writes
model.ubj, feature_spec.json, intervals.json, family.json and metrics.json to --model-dir. gs://bucket/path is read and written through Vertex AI's
Cloud Storage FUSE mount at /gcs/bucket/path ($TRAINER_GCS_MOUNT moves that root). Under Dagster Pipes it logs progress and reports the metrics as
one asset materialization (through temp files locally, through GCS on Vertex AI). Bad input exits with status 2 and a one-line message on stderr.
"""

import os

# Spinning OpenMP workers slow XGBoost several-fold when cores are shared; waiting passively costs little.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import importlib.abc  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from trainer.config import DEFAULT_PARAMS, VALIDATED_DIR, TrainConfig  # noqa: E402
from trainer.reporting import flat_metrics, pipes_channels, pipes_metadata  # noqa: E402

EXIT_BAD_INPUT = 2


class SkipScikitLearn(importlib.abc.MetaPathFinder):
    """Make `import sklearn` fail, so XGBoost skips its optional scikit-learn wrappers.

    Why: where scikit-learn is installed (the dev venv has it for mlforecast), `import xgboost` loads it and SciPy's
    statistics, ~5 s of a trainer process; the trainer only uses xgb.train. Installed in the trainer process only.
    """

    def find_spec(self, name, path=None, target=None):
        """Refuse sklearn and its submodules; leave every other import to the normal finders."""
        if name.partition(".")[0] == "sklearn":
            raise ModuleNotFoundError(f"No module named {name!r} (not loaded in the trainer process)", name=name)
        return None


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keep the module docstring's line breaks and show every default."""


def local_path(uri: str) -> Path:
    """gs://bucket/path -> /gcs/bucket/path (Vertex AI's FUSE mount, or $TRAINER_GCS_MOUNT); others are local paths."""
    mount = Path(os.environ.get("TRAINER_GCS_MOUNT") or "/gcs")
    return mount / uri[len("gs://"):] if uri.startswith("gs://") else Path(uri)


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments; dataset and model locations default to Vertex AI's AIP_* variables."""
    p = argparse.ArgumentParser(prog="python -m trainer.task", description=__doc__, formatter_class=_HelpFormatter)
    io = p.add_argument_group("data and output")
    io.add_argument("--dataset-uri", default=os.environ.get("AIP_TRAINING_DATA_URI"),
                    help="Parquet file or folder (long format); default $AIP_TRAINING_DATA_URI")
    io.add_argument("--model-dir", default=os.environ.get("AIP_MODEL_DIR"),
                    help="where the model files and metrics.json go; default $AIP_MODEL_DIR")
    series = p.add_argument_group("series")
    series.add_argument("--freq", default="h", help="pandas frequency of the series grid")
    series.add_argument("--horizon", type=int, default=48, help="steps to forecast (H)")
    series.add_argument("--season-length", type=int, default=24, help="seasonality m (also the MASE lag)")
    hp = p.add_argument_group("hyperparameters")
    hp.add_argument("--n-estimators", type=int, default=TrainConfig.n_estimators, help="maximum boosting rounds")
    hp.add_argument("--early-stopping-rounds", type=int, default=TrainConfig.early_stopping_rounds,
                    help="stop after this many rounds without improvement on validation")
    for name, text in (("learning_rate", "shrinkage per round"), ("max_depth", "maximum tree depth"),
                       ("min_child_weight", "minimum hessian (rows, for absolute error) per leaf"),
                       ("subsample", "row fraction per tree"), ("colsample_bytree", "feature fraction per tree")):
        hp.add_argument("--" + name.replace("_", "-"), type=type(DEFAULT_PARAMS[name]), default=DEFAULT_PARAMS[name],
                        help=f"XGBoost {name}: {text}")
    hp.add_argument("--params", default="{}", help="JSON object of further XGBoost parameters (win over the above)")
    hp.add_argument("--max-train-rows", type=int, default=TrainConfig.max_train_rows,
                    help="sample at most this many (origin, step) training rows, to bound memory and time")
    hp.add_argument("--seed", type=int, default=0, help="seed for row sampling and XGBoost")
    hp.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="XGBoost device")
    hp.add_argument("--refit", action=argparse.BooleanOptionalAction, default=TrainConfig.refit,
                    help="refit the shipped booster on all points with the best round count; the model as validated is "
                    "written to holdout/ for the gate")
    p.add_argument("--asset-key", default=None, help="asset key reported under Dagster Pipes (default: the only one)")
    args = p.parse_args(argv)
    if not args.dataset_uri or not args.model_dir:
        p.error("--dataset-uri and --model-dir are required (or set AIP_TRAINING_DATA_URI and AIP_MODEL_DIR)")
    return args


def config_from(args: argparse.Namespace) -> TrainConfig:
    """TrainConfig from parsed arguments; --params must be a JSON object."""
    try:
        extra = json.loads(args.params)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--params is not valid JSON: {exc}") from None
    if not isinstance(extra, dict):
        raise ValueError("--params must be a JSON object")
    named = {k: getattr(args, k) for k in ("learning_rate", "max_depth", "min_child_weight", "subsample",
                                           "colsample_bytree")}
    params = {**DEFAULT_PARAMS, **named, "device": args.device, "seed": args.seed, **extra}
    return TrainConfig(params, args.n_estimators, args.early_stopping_rounds, args.max_train_rows, args.seed,
                       refit=args.refit)


def drop_short_series(frame, panel, spec, source: str, log):
    """Leave out series too short for a test window (the forecasts use the seasonal-naive fallback for them), unless
    all are.

    A series needs min_history points before its last H: then every family forecasts it on the test window and the
    family choice judges it there. Why not min_history + 2H (a validation window too): on M3 yearly (14-41 points,
    H = 6) that left 447 of 645 series out of the choice, the short ones where the families differ most. Such a
    series trains no XGBoost rows (trainer/training.py samples origins with min_history points before them only).
    Returns the frame, the panel and the ids left out; a warning names them.
    """
    import pandas as pd

    from trainer.panel import SeriesPanel

    need = spec.min_history + spec.horizon
    short = [str(series) for series in panel.series_ids[panel.lengths < need]]
    if not short or len(short) == len(panel.series_ids):
        return frame, panel, []
    shown = ", ".join(short[:10]) + (" ..." if len(short) > 10 else "")
    log(f"warning: skipped_series: {len(short)} series shorter than {need} points (min_history {spec.min_history} + "
        f"horizon {spec.horizon}) left out of training: {shown}")
    ids = frame["series_id"]  # categorical from read_dataset: compare its categories, not a string per row
    frame = frame[~(ids if isinstance(ids.dtype, pd.CategoricalDtype) else ids.astype(str)).isin(short)]
    return frame, SeriesPanel.from_frame(frame, panel.freq, panel.pad, source=source), short


def run(args: argparse.Namespace, log=print) -> dict:
    """Load, train, save; returns the metrics written to metrics.json. Bad input raises ValueError/OSError."""
    import numpy as np

    from trainer.dataset import check_lengths, read_dataset
    from trainer.features import FeatureSpec
    from trainer.panel import SeriesPanel
    source = local_path(args.dataset_uri)
    frame = read_dataset(source)
    if args.horizon < 1 or args.season_length < 1:
        raise ValueError("--horizon and --season-length must be at least 1")
    spec = FeatureSpec.default(args.freq, args.horizon, args.season_length)
    panel = SeriesPanel.from_frame(frame, args.freq, spec.pad, source=str(source))
    spec = FeatureSpec.default(args.freq, args.horizon, args.season_length, bool(np.nanmin(panel.values) >= 0))
    from trainer.training import fit  # imports XGBoost: only once the input is known to be good

    frame, panel, skipped = drop_short_series(frame, panel, spec, str(source), log)
    check_lengths(panel, spec, str(source))  # every series too short: nothing to train on
    log(f"read {len(frame)} rows, {len(panel.series_ids)} series from {source}")
    result = fit(panel, spec, config_from(args), log=log)
    result.metrics["skipped_series"] = skipped
    out = local_path(args.model_dir)
    result.model.save(out)
    if result.validated is not None:  # the model as scored, for the gate (the shipped one is refit on all points)
        result.validated.save(out / VALIDATED_DIR)
    (out / "metrics.json").write_text(json.dumps(result.metrics, indent=1))
    log(f"wrote model and metrics to {out}: " + " ".join(f"{k}={v}" for k, v in flat_metrics(result.metrics).items()
                                                           if k.startswith("test_")))
    return result.metrics


def replica_role(environ=os.environ) -> str:
    """This replica's worker pool in a Vertex AI job ($CLUSTER_SPEC's task type); "workerpool0" (the chief) elsewhere."""
    try:
        return json.loads(environ.get("CLUSTER_SPEC") or "{}").get("task", {}).get("type") or "workerpool0"
    except (json.JSONDecodeError, AttributeError):
        return "workerpool0"


def main(argv=None) -> int:
    """Run under Dagster Pipes when launched by it, else standalone; exit 2 with one line on bad input."""
    args = parse_args(argv)
    if replica_role() != "workerpool0":
        # Training is single-node: only the chief trains and reports, so replicas never share a model dir or Pipes.
        print(f"trainer: {replica_role()} replica: only the chief (workerpool0) trains; nothing to do", file=sys.stderr)
        return 0
    from dagster_pipes import PipesEnvVarParamsLoader, open_dagster_pipes

    bad_input = (ValueError, OSError)
    if not PipesEnvVarParamsLoader().is_dagster_pipes_process():
        try:
            run(args, log=lambda msg: print(msg, file=sys.stderr))
        except bad_input as exc:
            print(f"trainer: error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        return 0
    with open_dagster_pipes(**pipes_channels()) as pipes:  # temp files locally, GCS on Vertex AI
        try:
            metrics = run(args, log=pipes.log.info)
        except bad_input as exc:
            pipes.log.error(f"trainer: error: {exc}")
            print(f"trainer: error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        pipes.report_asset_materialization(metadata=pipes_metadata(metrics), asset_key=args.asset_key)
    return 0


if __name__ == "__main__":
    sys.meta_path.insert(0, SkipScikitLearn())
    code = main()
    if code == EXIT_BAD_INPUT:
        # Leave without interpreter teardown: pyarrow's and XGBoost's threads could abort it (exit 134) otherwise.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
