"""Reading a training dataset: a long-format Parquet file (or a folder of them) with the contract's columns."""

from pathlib import Path

import pandas as pd

from trainer.features import FeatureSpec
from trainer.panel import REQUIRED_COLUMNS, SeriesPanel, validate_frame
from trainer.statistical import MIN_POINTS


def read_dataset(path: Path) -> pd.DataFrame:
    """Read series_id, timestamp, value from Parquet (a file, or a folder of shards); errors name the file and what
    is wrong with it. series_id comes back categorical: one code per row, not one string (the panel's largest cost)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"dataset not found: {path}")
    try:
        parquet = ds.ParquetFileFormat(read_options={"dictionary_columns": ["series_id"]})
        # A folder's shards are its *.parquet files: a manifest, or the CSV copies Vertex AI Datasets import
        # (resources/gcp/vertex_datasets.py), sit beside them.
        files = [str(f) for f in sorted(path.glob("*.parquet"))] if path.is_dir() else str(path)
        if path.is_dir() and not files:
            raise ValueError("the folder holds no .parquet files")
        data = ds.dataset(files, format=parquet)
        columns = [column for column in REQUIRED_COLUMNS if column in data.schema.names]
        table = data.to_table(columns=columns).unify_dictionaries()
        # Column by column, each Arrow buffer released once converted; then the pool hands its cache back (it
        # kept ~1.8 GB of a 30,000-series dataset otherwise).
        frame = table.to_pandas(split_blocks=True, self_destruct=True)
        del table
        pa.default_memory_pool().release_unused()
    except Exception as exc:  # pyarrow raises several unrelated types for a corrupt or non-Parquet file
        raise ValueError(f"cannot read Parquet dataset {path}: {type(exc).__name__}: {exc}") from None
    validate_frame(frame, str(path))
    if not pd.api.types.is_datetime64_any_dtype(frame["timestamp"]):
        try:
            frame = frame.assign(timestamp=pd.to_datetime(frame["timestamp"]))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}: column 'timestamp' is not a datetime: {exc}") from None
    if getattr(frame["timestamp"].dt, "tz", None) is not None:
        frame = frame.assign(timestamp=frame["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None))
    return frame


def check_lengths(panel: SeriesPanel, spec: FeatureSpec, source: str) -> None:
    """Every series needs a test window (one horizon) after a few points; some series also a validation window.

    Short series are normal at low frequencies (14 yearly points for a 6-year horizon): a series too short for a
    validation window before its test window is judged on test only (trainer/training.py)."""
    need = spec.horizon + MIN_POINTS
    short = panel.series_ids[panel.lengths < need]
    if len(short):
        shown = ", ".join(map(str, short[:10])) + (" ..." if len(short) > 10 else "")
        raise ValueError(f"{source}: {len(short)} series shorter than {need} points "
                         f"(horizon {spec.horizon} + {MIN_POINTS} points to fit on): {shown}")
    with_validation = spec.min_history + 2 * spec.horizon
    if not (panel.lengths >= with_validation).any():
        raise ValueError(f"{source}: no series has the {with_validation} points (min_history {spec.min_history} + "
                         f"2 x horizon {spec.horizon}) that validation needs")
