"""The M3 competition's published results (Makridakis & Hibon 2000, and later MASE papers) as a ranked table.

../shared/data/m3/published_results.csv is long (method, frequency, metric, value, source) and sits beside the
category folders; this turns one category into the wide layout of the M4 tables (id, author, <set>_sMAPE,
<set>_MASE, <set>_OWA), so the benchmark ranks our row the same way. M3 ranked by sMAPE (it had no OWA); the OWA
here is computed from Naive2's published sMAPE and MASE where both exist, for reference only.
"""

from pathlib import Path

import pandas as pd

M3_CATEGORIES = ("yearly", "quarterly", "monthly", "other")
M3_COLUMNS = ("method", "frequency", "metric", "value")


def m3_published_path(data_dir: Path) -> Path | None:
    """published_results.csv in the category folder or its parent, if it has the M3 layout."""
    for folder in (Path(data_dir), Path(data_dir).parent):
        path = folder / "published_results.csv"
        if path.is_file() and set(M3_COLUMNS) <= set(pd.read_csv(path, nrows=0).columns):
            return path
    return None


def m3_published_table(path: Path, frequency: str) -> pd.DataFrame:
    """One category's methods with their sMAPE (competition definition), MASE (seasonal scaling) and OWA."""
    prefix = frequency.lower()
    if prefix not in M3_CATEGORIES:
        raise ValueError(f"{path}: no M3 category {frequency!r}; expected one of {', '.join(M3_CATEGORIES)}")
    long = pd.read_csv(path)
    here = long[(long["frequency"] == prefix) & long["metric"].isin(["sMAPE", "MASE"])]
    wide = here.pivot_table(index="method", columns="metric", values="value", aggfunc="first")
    wide = wide.reindex(columns=["sMAPE", "MASE"]).dropna(subset=["sMAPE"])
    table = pd.DataFrame({"id": wide.index, "author": wide.index, "type": "M3 published",
                          f"{prefix}_sMAPE": wide["sMAPE"].to_numpy(), f"{prefix}_MASE": wide["MASE"].to_numpy()})
    naive2 = table.loc[table["id"] == "Naive2"]
    if len(naive2) and naive2[f"{prefix}_MASE"].notna().all():
        s2, m2 = float(naive2[f"{prefix}_sMAPE"].iloc[0]), float(naive2[f"{prefix}_MASE"].iloc[0])
        table[f"{prefix}_OWA"] = 0.5 * (table[f"{prefix}_sMAPE"] / s2 + table[f"{prefix}_MASE"] / m2)
    else:
        table[f"{prefix}_OWA"] = float("nan")
    table["is_benchmark"] = table["id"].isin(["Naive2", "Single", "Comb S-H-D"])
    return table.reset_index(drop=True)
