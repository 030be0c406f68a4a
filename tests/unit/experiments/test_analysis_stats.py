"""The statistics of ``experiments.analysis_stats``, worked by hand on numbers small enough to check."""

from __future__ import annotations

import numpy as np
import pytest

from tradegame.experiments.analysis_stats import (
    between_groups_ss,
    block_bootstrap_means,
    block_rotations,
    effective_sample_size,
    holm,
    rotation_test,
)


def test_between_groups_sum_of_squares_by_hand() -> None:
    # Groups {1, 2, 3} and {4, 5, 6}: means 2 and 5 around 3.5, so 3 x 1.5^2 + 3 x 1.5^2 = 13.5.
    values = np.arange(1.0, 7.0)
    stat = between_groups_ss(values, np.ones(6), np.array([0, 0, 0, 1, 1, 1]), 2)
    assert stat[0] == pytest.approx(13.5)


def test_the_rotation_test_worked_by_hand() -> None:
    """Values 1..6 in one block, labels A A A B B B. Sliding the labels by k Games (circularly):

    k=1  B A A A B B  agrees with the original at 4 of 6 places: dropped (more than half)
    k=2  B B A A A B  agrees at 2: A holds 3 4 5 (mean 4), B 1 2 6 (mean 3): T = 3(.5)^2 + 3(.5)^2 = 1.5
    k=3  B B B A A A  agrees at 0: A holds 4 5 6, B 1 2 3: T = 13.5, a tie with the observed
    k=4  A B B B A A  agrees at 2: A holds 1 5 6 (mean 4), B 2 3 4 (mean 3): T = 1.5
    k=5  A A B B B A  agrees at 4: dropped

    The observed T is 13.5; one of the three draws is as large: p = (1 + 1) / (1 + 3) = 0.5.
    """
    values, labels, block = np.arange(1.0, 7.0), np.array([0, 0, 0, 1, 1, 1]), np.zeros(6, dtype=np.int64)
    arranged = block_rotations(labels, block, draws=200, seed=3)
    shifts = {tuple(row) for row in arranged.tolist()}
    assert shifts == {(1, 1, 0, 0, 0, 1), (1, 1, 1, 0, 0, 0), (0, 1, 1, 1, 0, 0)}  # k = 2, 3, 4 only
    every_shift = np.array(sorted(shifts))
    result = rotation_test(values, labels, block, arrangements=every_shift)
    assert result.statistic == pytest.approx(13.5)
    assert result.permutations == 3
    assert result.p_value == pytest.approx(0.5)


def test_each_block_is_slid_by_its_own_offset() -> None:
    labels = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    years = np.array([2001] * 4 + [2002] * 4)
    arranged = block_rotations(labels, years, draws=300, seed=1, max_agreement=1.0)
    first, second = arranged[:, :4], arranged[:, 4:]
    rotations = {tuple(np.roll(labels[:4], k)) for k in range(4)}
    assert {tuple(r) for r in first.tolist()} == rotations and {tuple(r) for r in second.tolist()} == rotations
    assert len({(tuple(a), tuple(b)) for a, b in zip(first.tolist(), second.tolist(), strict=True)}) == 16
    assert (block_rotations(labels, years, draws=300, seed=1, max_agreement=1.0) == arranged).all()


def test_the_block_bootstrap_worked_by_hand() -> None:
    """Year A: group 0 holds 1 and 3, group 1 holds 2. Year B: group 0 holds 5, group 1 holds 4 and 6.

    Means: group 0 (1+3+5)/3 = 3, group 1 (2+4+6)/3 = 4. Three resamples of the two years, given:
    A twice -> group 0: 2, group 1: 2; B twice -> 5 and 5; A and B -> 3 and 4. Percentiles (numpy's
    linear rule) of group 0's [2, 3, 5]: 2.5% at 2 + 0.05 x 1 = 2.05, 97.5% at 3 + 0.95 x 2 = 4.9;
    of group 1's [2, 4, 5]: 2 + 0.05 x 2 = 2.1 and 4 + 0.95 x 1 = 4.95. Whole years move together:
    A's 1 and 3 are never drawn without its 2.
    """
    values = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0])
    groups = np.array([0, 0, 1, 0, 1, 1])
    years = np.array([2001, 2001, 2001, 2002, 2002, 2002])
    draws = np.array([[2, 0], [0, 2], [1, 1]])
    result = block_bootstrap_means(values, groups, years, n_groups=2, draws=draws)
    assert result.means.tolist() == pytest.approx([3.0, 4.0])
    assert result.low.tolist() == pytest.approx([2.05, 2.1])
    assert result.high.tolist() == pytest.approx([4.9, 4.95])
    assert result.counts.tolist() == [3, 3] and result.blocks == 2


def test_an_empty_group_has_no_interval() -> None:
    result = block_bootstrap_means(np.array([1.0, 2.0]), np.array([0, 0]), np.array([1, 2]), n_groups=2)
    assert result.counts.tolist() == [2, 0] and np.isnan(result.low[1]) and np.isnan(result.means[1])


def test_holm_by_hand() -> None:
    # Sorted 0.01, 0.03, 0.04: x3 = 0.03, x2 = 0.06, x1 = 0.04 -> kept monotone at 0.06.
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_the_effective_sample_size_counts_repeated_results_once() -> None:
    rng = np.random.default_rng(7)
    independent = rng.normal(size=2000)
    assert 1500 < effective_sample_size(independent) <= 2600
    repeated = np.repeat(rng.normal(size=100), 20)  # 2,000 Games, 100 different results
    assert effective_sample_size(repeated) < 200
    assert effective_sample_size(np.ones(10)) == 10
