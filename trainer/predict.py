"""Score one shard of series: `python -m trainer.predict --model-dir DIR --history-uri URI --output-dir DIR ...`.

Loads a registered model (ForecastModel.load: the files the trainer wrote), reads a long-format history Parquet
(series_id, timestamp, value; each series on its grid up to one step before the origin) and writes to --output-dir:
  forecasts.parquet        H steps after each series' last timestamp, with the model's own intervals
  interval_scores.parquet  (level, score): |actual - forecast| / half-width of the model's forecasts from each
                           --recent-origin, scored on that partition's observed rows (the serving intervals'
                           conformal factor is a quantile of all shards' scores pooled, so no shard computes it)
  skipped.json             ids of the series too short for the model (the caller serves the seasonal naive)
batch_forecasts runs the same functions in-process (score_history); this entry point runs them as a Vertex AI custom
job from the trainer image. gs:// paths are read and written through Vertex AI's /gcs mount ($TRAINER_GCS_MOUNT).
Bad input exits with status 2 and a one-line message on stderr.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

EXIT_BAD_INPUT = 2
FORECASTS_FILE, SCORES_FILE, SKIPPED_FILE = "forecasts.parquet", "interval_scores.parquet", "skipped.json"


def interval_scores(model, history: pd.DataFrame, recent_origins, origin: pd.Timestamp, levels) -> dict:
    """{level: scores} of the model's forecasts from each recent origin (the start of a partition before origin),
    each scored on the observed rows of that partition: |actual - forecast| / the level's half-width."""
    recent = history[(history["timestamp"] < origin) & history["value"].notna()]
    origins = [pd.Timestamp(first) for first in recent_origins]
    recent = recent[recent["timestamp"] >= origins[0]] if origins else recent
    scores = {level: [] for level in levels}
    for first, stop in zip(origins, [*origins[1:], origin]):
        before = history[history["timestamp"] < first]
        if before.empty:  # the loaded history starts at this partition: nothing to forecast it from
            continue
        forecast = model.predict(before, levels=levels, on_short="skip")
        scored = forecast[(forecast["timestamp"] >= first) & (forecast["timestamp"] < stop)].merge(
            recent[["series_id", "timestamp", "value"]], on=["series_id", "timestamp"])
        for level in levels:
            half = scored[f"hi_{level}"] - scored["forecast"]  # the upper bound is never floored
            scores[level].append(((scored["value"] - scored["forecast"]).abs() / half.where(half > 0)).to_numpy())
    return {level: np.concatenate(parts) if parts else np.empty(0) for level, parts in scores.items()}


def interval_factors(scores: dict) -> dict:
    """Per level: the conformal factor of the pooled scores, never below 1 (right after a retrain the recent
    partitions are in the refit model's own training data, so its errors there are too small to narrow on)."""
    from trainer.intervals import conformal_factor

    return {level: max(conformal_factor(values, level), 1.0) for level, values in scores.items()}


def score_history(model, history: pd.DataFrame, origin: pd.Timestamp, recent_origins, levels):
    """(forecasts, skipped series ids, interval scores) of one history: what a shard job writes."""
    forecasts = model.predict(history, levels=levels, on_short="skip")
    skipped = list(forecasts.attrs.get("skipped_series", []))
    return forecasts, skipped, interval_scores(model, history, recent_origins, origin, levels)


def scores_frame(scores: dict) -> pd.DataFrame:
    """{level: scores} as a long (level, score) frame, for Parquet."""
    parts = [pd.DataFrame({"level": np.full(len(values), level, dtype=np.int64), "score": values})
             for level, values in scores.items()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"level": [], "score": []})


def scores_from_frame(frame: pd.DataFrame, levels) -> dict:
    """scores_frame's inverse; levels with no rows get no scores."""
    return {level: frame.loc[frame["level"] == level, "score"].to_numpy(dtype=float) for level in levels}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m trainer.predict", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-dir", required=True, help="the model version's files (model.ubj, feature_spec.json, ...)")
    p.add_argument("--history-uri", required=True, help="long-format Parquet history of this shard's series")
    p.add_argument("--output-dir", required=True, help=f"where {FORECASTS_FILE}, {SCORES_FILE} and {SKIPPED_FILE} go")
    p.add_argument("--origin", required=True, help="the forecast origin (ISO timestamp): history ends before it")
    p.add_argument("--recent-origin", action="append", default=[],
                   help="start of a recent partition to score the intervals on (repeat, oldest first)")
    p.add_argument("--levels", default="80,95", help="interval levels in percent, comma-separated")
    return p.parse_args(argv)


def main(argv=None) -> int:
    from trainer.model import ForecastModel
    from trainer.task import local_path

    args = parse_args(argv)
    try:
        levels = tuple(int(level) for level in args.levels.split(","))
        origin, recent = pd.Timestamp(args.origin), [pd.Timestamp(t) for t in args.recent_origin]
        model = ForecastModel.load(local_path(args.model_dir))
        history_path = local_path(args.history_uri)
        try:
            history = pd.read_parquet(history_path)
        except Exception as error:  # pyarrow's errors do not say which file
            raise ValueError(f"{history_path}: not a readable Parquet file ({error})") from None
        forecasts, skipped, scores = score_history(model, history, origin, recent, levels)
    except (ValueError, FileNotFoundError) as error:
        print(f"trainer.predict: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = Path(local_path(args.output_dir))
    out.mkdir(parents=True, exist_ok=True)
    forecasts.to_parquet(out / FORECASTS_FILE, index=False)
    scores_frame(scores).to_parquet(out / SCORES_FILE, index=False)
    (out / SKIPPED_FILE).write_text(json.dumps(skipped))
    print(f"scored {history['series_id'].nunique()} series from {args.history_uri}: {len(forecasts)} forecast rows, "
          f"{len(skipped)} series too short", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
