"""Groups of ``C`` neighbouring scan positions: the channels of one model input.

Within a group, patches are ordered row-major (by y, then x), like the grid layout.
"""

from __future__ import annotations

import numpy as np

from shapecheck import Float, Integer, check

_BLOCK = 1024  # rows of the distance matrix computed at once: memory O(_BLOCK * K)


@check
def nearest_neighbours(positions: Float[np.ndarray, "K 2"], count: int) -> Integer[np.ndarray, "K J"]:
    """For every position, the indices of its ``count`` nearest other positions, nearest first."""
    k = len(positions)
    if not 0 <= count < k:
        raise ValueError(f"nearest_neighbours: need 0 <= count < {k} positions, got count={count}")
    nearest = np.empty((k, count), np.int64)
    for lo in range(0, k, _BLOCK):
        dist = np.linalg.norm(positions[lo : lo + _BLOCK, None] - positions[None], axis=-1)
        nearest[lo : lo + _BLOCK] = np.argsort(dist, axis=1, kind="stable")[:, 1 : count + 1]  # itself excluded
    return nearest


def _row_major(positions: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    return chosen[np.lexsort((positions[chosen, 0], positions[chosen, 1]))]


@check
def neighbour_groups(
    positions: Float[np.ndarray, "K 2"], c: int, neighbours: int, n_groups: int, rng: np.random.Generator
) -> Integer[np.ndarray, "G C"]:
    """``(G, C)`` groups: a random seed position plus ``C - 1`` drawn from its ``neighbours - 1`` nearest."""
    if len(positions) < neighbours:
        raise ValueError(f"{len(positions)} scan positions is fewer than neighbours={neighbours}")
    nearest = nearest_neighbours(positions, neighbours - 1)
    seeds = rng.choice(len(positions), size=n_groups, replace=n_groups > len(positions))
    return np.stack([
        _row_major(positions, np.concatenate([[seed], rng.choice(nearest[seed], size=c - 1, replace=False)]))
        for seed in seeds
    ])


@check
def nearest_groups(positions: Float[np.ndarray, "K 2"], c: int) -> Integer[np.ndarray, "K C"]:
    """``(K, C)`` deterministic groups: every position with its ``C - 1`` nearest (for inference)."""
    nearest = nearest_neighbours(positions, c - 1)
    return np.stack([_row_major(positions, np.concatenate([[i], nearest[i]])) for i in range(len(positions))])
