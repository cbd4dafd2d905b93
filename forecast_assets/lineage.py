"""Lineage helpers: what an upstream asset last produced, and which code produced it."""

import os
import subprocess
from functools import lru_cache
from pathlib import Path

import dagster as dg


def latest_metadata(context: dg.AssetExecutionContext, asset: str) -> dict:
    """The metadata values of the latest materialization of asset; a clear failure when it was never materialized."""
    event = context.instance.get_latest_materialization_event(dg.AssetKey(asset))
    if event is None or event.asset_materialization is None:
        raise dg.Failure(f"{context.asset_key.to_user_string()} needs {asset}, which has not been materialized yet")
    return {key: value.value for key, value in event.asset_materialization.metadata.items()}


@lru_cache(maxsize=1)
def code_version() -> str:
    """The git SHA of the running code: FORECAST_CODE_VERSION in images, else the checkout's HEAD."""
    if os.getenv("FORECAST_CODE_VERSION"):
        return os.environ["FORECAST_CODE_VERSION"]
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parents[1],
                              capture_output=True, text=True, check=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
