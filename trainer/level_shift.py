"""Level-shift adjustment of the history a forecast starts from: a series whose level stepped in the last days is
forecast as if its earlier history had been at the new level.

Why: the trees forecast from same-phase values up to three weeks back (last week's Sunday for a Sunday). After a
+35% step those values sit at the old level, and a model trained on years of data in which a high day reverts pulls
the forecast back towards them: retrained twice, it was still 5-14% off for a week on the drifted series (demo). A
level shift is the classic intervention of time-series practice (the "LS" outlier of TRAMO/SEATS and X-13, corrected
before the model is applied); here it is detected and removed from the history, so every lag the model reads is at
the new level, for any model, with no retrain.

Detection, per series, on blocks of one season (a day of hourly data) ending at the forecast origin, for seasons that
repeat weekly (the spec's longest period is a multiple c >= 2 of the season; other frequencies are left as they are):
- r_i = block i / mean(same block 1 and 2 weeks earlier) - 1, for the last c - 1 blocks (i = 0 is the newest);
- the day-to-day noise of that ratio, s, is its standard deviation over the week before (blocks c .. 2c - 1,
  against the block one week earlier);
- a step began k blocks ago (k >= 2: one block cannot tell a step from a holiday) when every r_i, i < k, has the same
  sign and |r_i| >= max(STEP_MIN, STEP_Z * s); the largest such k wins, and the factor is the mean of 1 + r_i over
  those blocks. Weather-driven load (PJM: day-to-day s of ~10%) needs a step of ~3 s; a quiet series one of 10%.
The history before the step is multiplied by the factor. Three weeks of history (the spec's lookback) are needed.
"""

import dataclasses

import numpy as np

from trainer.panel import SeriesPanel

STEP_MIN = 0.10  # least |level change| that is adjusted for
STEP_Z = 3.0  # ... and at least this many day-to-day standard deviations of the series' weekly ratio
MIN_BLOCKS = 2  # a step must have held this many seasons (days)


def weekly_cycle(season_length: int, periods) -> int:
    """Seasons per week-like cycle: the longest period that is a multiple (>= 2) of the season, in seasons; 0: none."""
    cycles = [int(p) // season_length for p in periods if season_length > 1 and int(p) % season_length == 0]
    return max([c for c in cycles if c >= 2], default=0)


def step_factors(panel: SeriesPanel, season_length: int, periods) -> tuple[np.ndarray, np.ndarray]:
    """Per series: (factor, blocks): the history before the last `blocks` seasons is multiplied by `factor`
    (1.0 and 0 where no step was found)."""
    n = len(panel.series_ids)
    factor, blocks = np.ones(n), np.zeros(n, dtype=np.int64)
    c, m = weekly_cycle(season_length, periods), season_length
    if c == 0:
        return factor, blocks
    need = 3 * c * m  # block 2c - 1 and the block one week before it
    for k in np.flatnonzero(panel.lengths >= need):
        values = panel.series_values(k)[-need:]
        b = np.nanmean(values[::-1].reshape(3 * c, m), axis=1)  # b[0]: the newest season
        if not np.isfinite(b).all() or (b <= 0).any():
            continue
        r = b[: c - 1] / ((b[c: 2 * c - 1] + b[2 * c: 3 * c - 1]) / 2) - 1
        s = np.std(b[c: 2 * c] / b[2 * c: 3 * c] - 1, ddof=1)
        bar = max(STEP_MIN, STEP_Z * s)
        held = 0
        for i in range(c - 1):
            if abs(r[i]) < bar or (i and np.sign(r[i]) != np.sign(r[0])):
                break
            held = i + 1
        if held >= MIN_BLOCKS:
            factor[k], blocks[k] = float(np.mean(1 + r[:held])), held
    return factor, blocks


def adjusted(panel: SeriesPanel, season_length: int, periods) -> tuple[SeriesPanel, dict]:
    """The panel with each stepped series' history before the step rescaled to the new level, and
    {series_id: factor} of the series adjusted."""
    factor, blocks = step_factors(panel, season_length, periods)
    stepped = np.flatnonzero(blocks > 0)
    if not len(stepped):
        return panel, {}
    values = panel.values.copy()
    for k in stepped:
        start, end = panel.offsets[k], panel.offsets[k] + panel.lengths[k] - blocks[k] * season_length
        values[start:end] *= factor[k]
    return dataclasses.replace(panel, values=values), {str(panel.series_ids[k]): float(factor[k]) for k in stepped}
