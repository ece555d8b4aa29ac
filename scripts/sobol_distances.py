"""How far the acquisition's quasi-random candidates lie from a point, by dimension.

The median, over 200 uniform random points of the unit cube, of the distance to the nearest
of 1,024 scrambled Sobol points (the acquisition optimiser's default ``n_candidates``;
docs/math.md §13):

    python scripts/sobol_distances.py            # prints one line per dimension
"""

from __future__ import annotations

import numpy as np
from scipy.stats import qmc


def median_nearest(d: int, n_candidates: int = 1024, n_points: int = 200) -> float:
    candidates = qmc.Sobol(d, seed=0).random(n_candidates)
    points = np.random.default_rng(1).random((n_points, d))
    dist = np.sqrt(((points[:, None, :] - candidates[None, :, :]) ** 2).sum(axis=-1))
    return float(np.median(dist.min(axis=1)))


if __name__ == "__main__":
    for d in (5, 10, 20, 40):
        print(f"{d:2d}-D: {median_nearest(d):.2f}")
