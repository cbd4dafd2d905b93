"""Per-series drift in one vectorized pass: is today's window unusual for THIS series, compared like with like?

The current window is one day; the reference is e.g. 30 days. Comparing a Sunday with the average of 30 days, or
a day's mean with the spread of single hours, is how naive per-series tests raise false alarms every weekend. So:

Windows and slots are those of monitoring/season_grid.py, so this holds at any frequency: "day" below is the
monitored window (a partition: a day of hourly data, a week of daily, a month of monthly, a year of yearly data),
"hour of week" the seasonal slot (day of week, month of year, ...).

1. Seasonal expectation. Each observation is compared with the reference values of the same series in the same
   seasonal slot (hour of week for hourly data; hour of day when the reference is shorter than two weeks: the
   longest of the grid's periods that the reference spans twice). In the reference the slot mean leaves the observation itself out, so reference and current
   deviations have the same distribution when nothing has changed.
2. Relative level shift of a window: sum(actual - expected) / sum(|expected|) over the window, so a +35% step
   reads 0.35 on a weekday and on a Sunday alike.
3. Score = the current window's shift divided by the standard deviation of the same quantity over the reference's
   windows (days): the day-to-day variability of the level, which already contains autocorrelated noise and
   weather, so no independence between hours is assumed.
4. A series is flagged when |score| >= `series_z` AND |shift| >= `series_relative_shift`: significant for this
   series and material in size. A 2% wobble on a very quiet series (large score, tiny shift) and a loud but
   ordinary day on a volatile one (large shift, small score) are not flagged.

Residual drift per series (concept drift) is the same test on sum(residual) / sum(|expected|). Feature drift per
series is informational (it does not set `drifted`): the share of features whose window mean is >= `series_z`
reference daily-mean standard deviations away; calendar features never count (every day's mean hour is the same,
and one day of the week is within ~1.5 sd of the weekly mean).

Calibration on real data (PJM hourly load, 12 regions, 2015-2018, 30-day reference, every third day): with the
defaults (4.0 and 0.15) 0.49% of 4,260 stable series-days are flagged; a +35% step is caught on its first day 42% of
the time there, because weather alone moves a day's load by 20-30%. On the synthetic scenario (seasonal, noisy,
no weather) the first day is caught reliably (tests/test_monitoring_drift.py).

All of it is groupby/numpy over the full reference (no sampling): well under a second for 1,000 series x 30 days.
"""

import warnings

import numpy as np
import pandas as pd

from monitoring.season_grid import SeasonGrid

# Columns added to both frames: the seasonal expectation, and the level-relative deviations that the global
# (Evidently) label- and concept-drift tests compare, so large series do not drown small ones.
TARGET_EXPECTED = "target_expected"
TARGET_DEVIATION = "target_vs_seasonal"
RESIDUAL_VS_LEVEL = "residual_vs_level"

PER_SERIES_COLUMNS = [
    "reference_days",
    "current_rows",
    "target_level_shift",
    "target_drift_score",
    "target_drifted",
    "residual_shift",
    "residual_drift_score",
    "residual_drifted",
    "feature_drift_share",
    "drifted",
]


def add_deviation_columns(reference, current, *, series, timestamp, target, residual, grid: SeasonGrid, season: int):
    """Copies of both frames with the expectation and deviation columns (residual ones when residuals exist);
    the expectation is the reference mean of the same series in the same slot of a `season`-step season."""
    series_codes, names = pd.factorize(reference[series])
    current_codes = names.get_indexer(current[series])  # -1: a series the reference does not know
    slot_values = grid.slots(pd.concat([reference[timestamp], current[timestamp]], ignore_index=True), season)
    slots, slot_index = np.unique(slot_values, return_inverse=True)
    ref_key = series_codes * len(slots) + slot_index[: len(reference)]
    cur_key = current_codes * len(slots) + slot_index[len(reference) :]

    x = reference[target].to_numpy(dtype=float)
    seen = ~np.isnan(x)
    size = len(names) * len(slots)
    slot_sum = np.bincount(ref_key[seen], weights=x[seen], minlength=size)
    slot_count = np.bincount(ref_key[seen], minlength=size)
    level = np.bincount(series_codes[seen], weights=np.abs(x[seen]), minlength=len(names))
    level = level / np.maximum(np.bincount(series_codes[seen], minlength=len(names)), 1)

    with np.errstate(divide="ignore", invalid="ignore"):
        # In the reference the observation's own value is left out of its slot mean.
        ref_expected = (slot_sum[ref_key] - x) / (slot_count[ref_key] - 1)
        ref_expected[~seen | (slot_count[ref_key] < 2)] = np.nan
        known = current_codes >= 0
        cur_expected = np.full(len(current), np.nan)
        cur_expected[known] = slot_sum[cur_key[known]] / slot_count[cur_key[known]]
    ref_level = level[series_codes]
    cur_level = np.where(known, level[np.maximum(current_codes, 0)], np.nan)

    frames = []
    for frame, expected, frame_level in ((reference, ref_expected, ref_level), (current, cur_expected, cur_level)):
        extra = {
            TARGET_EXPECTED: expected,
            TARGET_DEVIATION: (frame[target].to_numpy(dtype=float) - expected) / frame_level,
        }
        if residual in reference.columns and residual in current.columns:
            extra[RESIDUAL_VS_LEVEL] = frame[residual].to_numpy(dtype=float) / frame_level
        frames.append(frame.assign(**extra))
    return frames[0], frames[1]


def _window_sums(frame, *, series, target, residual, window_key):
    """Per (series, window): sums of deviation, |expected| and residual over rows that have an expectation."""
    usable = frame[TARGET_EXPECTED].notna() & frame[target].notna()
    parts = {
        "dev": (frame[target] - frame[TARGET_EXPECTED]).where(usable, 0.0),
        "expected": frame[TARGET_EXPECTED].abs().where(usable, 0.0),
    }
    if residual in frame.columns:
        parts["residual"] = frame[residual].where(usable & frame[residual].notna(), 0.0)
    return pd.DataFrame(parts).groupby([frame[series], window_key]).sum()


def per_series_drift(reference, current, *, features, series, timestamp, target, residual, thresholds,
                     grid: SeasonGrid):
    """One row per series of the current window; the frames must carry the columns of add_deviation_columns."""
    has_residual = RESIDUAL_VS_LEVEL in reference.columns and RESIDUAL_VS_LEVEL in current.columns
    residual_col = residual if has_residual else None
    ref_key = grid.windows(reference[timestamp])
    ref_sums = _window_sums(reference, series=series, target=target, residual=residual_col, window_key=ref_key)
    ref_sums = ref_sums[ref_sums["expected"] > 0]
    one_window = np.zeros(len(current), dtype=np.int64)
    cur_sums = _window_sums(current, series=series, target=target, residual=residual_col, window_key=one_window)
    cur_sums = cur_sums.droplevel(1)

    ref_ratio = ref_sums.drop(columns="expected").div(ref_sums["expected"], axis=0).groupby(level=0)
    cur_ratio = cur_sums.drop(columns="expected").div(cur_sums["expected"].where(cur_sums["expected"] > 0), axis=0)
    out = pd.DataFrame(index=current[series].drop_duplicates().sort_values())
    out["reference_days"] = ref_ratio.size().reindex(out.index).fillna(0).astype(int)
    out["current_rows"] = current.groupby(series).size()
    spread = ref_ratio.std(ddof=1).reindex(out.index)

    out["target_level_shift"] = cur_ratio["dev"].reindex(out.index)
    out["target_drift_score"] = _score(out["target_level_shift"], spread["dev"])
    out["target_drifted"] = _flag(out["target_drift_score"], out["target_level_shift"], thresholds)
    if has_residual:
        out["residual_shift"] = (cur_ratio["residual"] - ref_ratio.mean()["residual"]).reindex(out.index)
        out["residual_drift_score"] = _score(out["residual_shift"], spread["residual"])
        out["residual_drifted"] = _flag(out["residual_drift_score"], out["residual_shift"], thresholds)
    else:
        out["residual_shift"] = out["residual_drift_score"] = np.nan
        out["residual_drifted"] = False

    if features:
        feature_days = reference[features].groupby([reference[series], ref_key]).mean().groupby(level=0)
        shifts = current.groupby(series)[features].mean() - feature_days.mean()
        z = _score(shifts.reindex(out.index), feature_days.std(ddof=1).reindex(out.index))
        out["feature_drift_share"] = (z.abs() >= thresholds.series_z).mean(axis=1)
    else:
        out["feature_drift_share"] = np.nan
    out["drifted"] = out["target_drifted"] | out["residual_drifted"]
    return out.rename_axis(series).reset_index()[[series, *PER_SERIES_COLUMNS]]


def _score(shift, sigma):
    """shift / sigma (Series or DataFrame); exactly 0 when both are 0, +-inf when only sigma is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = shift / sigma
    return z.mask((sigma == 0) & (shift == 0), 0.0)


def _flag(score: pd.Series, shift: pd.Series, thresholds) -> pd.Series:
    """Significant against the series' own day-to-day spread and material in size; NaN never flags."""
    return (score.abs() >= thresholds.series_z) & (shift.abs() >= thresholds.series_relative_shift)



def recent_level_shift(reference, recent, *, series, timestamp, target, grid: SeasonGrid, season: int,
                       spans=(2, 3), z: float = 3.0, relative_shift: float = 0.07,
                       persistent_shift: float = 0.05) -> pd.DataFrame:
    """A sequential test for a level shift that began k windows (days) ago, k in `spans`: the generalised likelihood
    ratio (GLR) for a step in the mean of an AR(1) process, the textbook remedy for change detection on
    autocorrelated data (CUSUM/GLR on the residuals of a time-series model).

    Each window's level is its relative deviation from the seasonal expectation (as in per_series_drift). Over the
    reference windows the level of each series is fit as AR(1): mean mu, persistence phi (lag-1 autocorrelation,
    clipped to [0, 0.9]) and innovation spread sigma. Day-level "weather" is persistent, so a level far from mu is
    usually a warm spell, not a break; the innovation e_t = (y_t - mu) - phi (y_{t-1} - mu) is what the weather
    could not predict. A step of size d at window tau shows in the innovations as d on tau and d (1 - phi) after,
    so with weights w = (1, 1 - phi, ...) over the k windows since tau the least-squares step is
    sum(w e) / sum(w^2), and its score sum(w e) / (sigma sqrt(sum(w^2))) is the GLR statistic in standard
    deviations. A span fires when it is significant (|score| >= z), material (|step| >= relative_shift) and
    persistent (every window of it is off mu the same way by >= persistent_shift), so a one-day holiday dip followed
    by an ordinary day is not a shift. Spans start at 2 windows: one window cannot tell a break from an event.

    `recent` holds the last windows, the newest last; the window before the longest span must be in `recent` or be
    the reference's last. Why not the spread of the raw k-day level (the former scan): the weather moves it by
    ~3.5% for days at a time, so a 10% step was ~3 such spreads and mostly missed (benchmarks/drift_detection.py).
    Returns one row per series of `recent`: level_shift, level_shift_score, level_shift_span (0: none fired),
    level_shifted, and level_in_reference: the reference's last min(spans) windows were already within
    persistent_shift of the span's level, so a model trained on the reference has seen this level for as long as the
    test needs to call it a step (an older step, not a new one: the AR(1) expects a return to mu that does not come).
    """
    ref, cur = add_deviation_columns(reference, recent, series=series, timestamp=timestamp, target=target,
                                     residual="__none__", grid=grid, season=season)
    ref_levels = _window_levels(ref, series=series, target=target, window_key=grid.windows(ref[timestamp]))
    cur_levels = _window_levels(cur, series=series, target=target, window_key=grid.windows(cur[timestamp]))
    ids = pd.Index(recent[series].drop_duplicates().sort_values(), name=series)
    ref_levels = ref_levels.reindex(ids)
    # One sequence per series: the reference windows before the recent ones, then the recent ones.
    earlier = ref_levels.loc[:, ref_levels.columns < cur_levels.columns.min()]
    levels = pd.concat([earlier, cur_levels.reindex(ids)], axis=1).to_numpy()

    y = ref_levels.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: a series the reference does not know
        mu = np.nanmean(y, axis=1)
        a = y - mu[:, None]
        phi = np.clip(np.nansum(a[:, 1:] * a[:, :-1], axis=1) / np.nansum(a * a, axis=1), 0.0, 0.9)
        phi = np.nan_to_num(phi)
        sigma = np.nanstd(a[:, 1:] - phi[:, None] * a[:, :-1], axis=1, ddof=1)

    best = pd.DataFrame({"level_shift": np.nan, "level_shift_score": 0.0, "level_shift_span": 0,
                         "level_shifted": False, "level_in_reference": False}, index=ids)
    shortest = min(spans)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the level of the reference's last (shortest span) windows
        tail = np.nanmean(y[:, -shortest:], axis=1) if y.shape[1] >= shortest else np.full(len(ids), np.nan)
    for k in spans:
        if levels.shape[1] < k + 1:
            continue
        off = levels[:, -k - 1:] - mu[:, None]  # the window before the span, then the span
        innovations = off[:, 1:] - phi[:, None] * off[:, :-1]
        w = np.repeat((1 - phi)[:, None], k, axis=1)
        w[:, 0] = 1.0
        step = (w * innovations).sum(axis=1) / (w * w).sum(axis=1)
        score = _score(pd.Series(step * np.sqrt((w * w).sum(axis=1)), index=ids), pd.Series(sigma, index=ids))
        span = off[:, 1:]
        same_way = (span.min(axis=1) >= persistent_shift) | (span.max(axis=1) <= -persistent_shift)
        step = pd.Series(step, index=ids)
        fired = (score.abs() >= z) & (step.abs() >= relative_shift) & same_way & step.notna()
        seen = pd.Series(np.abs(span.mean(axis=1) - tail) < persistent_shift, index=ids)
        stronger = fired & (~best["level_shifted"] | (score.abs() > best["level_shift_score"].abs()))
        update = pd.DataFrame({"level_shift": step, "level_shift_score": score, "level_shift_span": k,
                               "level_in_reference": seen})
        best.loc[stronger, update.columns] = update[stronger]
        best["level_shifted"] |= fired
    return best.reset_index()


def _window_levels(frame, *, series, target, window_key) -> pd.DataFrame:
    """series x window (ascending): sum(actual - expected) / sum(|expected|), NaN where a window has no expectation."""
    sums = _window_sums(frame, series=series, target=target, residual=None, window_key=window_key)
    return (sums["dev"] / sums["expected"].where(sums["expected"] > 0)).unstack().sort_index(axis=1)
