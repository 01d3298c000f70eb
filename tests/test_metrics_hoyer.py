"""Tests of Hoyer's sparseness measure (HSPM, eq. 6 of Li et al., 2013)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_sparsity.metrics import hoyer_sparseness, mean_hoyer_sparseness
from sklearn_sparsity.metrics._hoyer import _hoyer_along

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=64)
matrices = arrays(
    np.float64,
    st.tuples(st.integers(1, 6), st.integers(2, 9)),
    elements=finite,
)


def test_hand_computed_example():
    # h = [1, 2, 0, 0]: n = 4, ||h||_1 = 3, ||h||_2 = sqrt(5), so
    # HSPM = (sqrt(4) - 3 / sqrt(5)) / (sqrt(4) - 1) = 2 - 3 / sqrt(5) = 0.6584.
    expected = (2.0 - 3.0 / np.sqrt(5.0)) / (2.0 - 1.0)
    assert_allclose(hoyer_sparseness([[1.0, 2.0, 0.0, 0.0]]), [expected])
    # h = [3, -4]: n = 2, l1 = 7, l2 = 5, HSPM = (sqrt(2) - 7/5) / (sqrt(2) - 1).
    expected = (np.sqrt(2.0) - 1.4) / (np.sqrt(2.0) - 1.0)
    assert_allclose(hoyer_sparseness([[3.0, -4.0]]), [expected])


def test_extremes_and_all_zero():
    H = np.array(
        [
            [0.0, 0.0, 5.0, 0.0],  # one-hot: sparsest, 1
            [-2.0, 2.0, 2.0, -2.0],  # equal magnitudes: densest, 0
            [0.0, 0.0, 0.0, 0.0],  # all zero: defined as 1
        ]
    )
    assert_allclose(hoyer_sparseness(H), [1.0, 0.0, 1.0], atol=1e-12)


def test_axis_zero_is_axis_one_of_transpose():
    rng = np.random.default_rng(0)
    H = rng.random((7, 5))
    assert_allclose(hoyer_sparseness(H, axis=0), hoyer_sparseness(H.T, axis=1))
    assert hoyer_sparseness(H, axis=0).shape == (5,)


def test_mean_is_mean_of_rows():
    rng = np.random.default_rng(1)
    H = rng.random((11, 6))
    assert mean_hoyer_sparseness(H) == pytest.approx(hoyer_sparseness(H).mean())
    assert mean_hoyer_sparseness(H, axis=0) == pytest.approx(
        hoyer_sparseness(H, axis=0).mean()
    )
    assert isinstance(mean_hoyer_sparseness(H), float)


def test_float32_sparse_and_blocks_agree():
    rng = np.random.default_rng(2)
    H = rng.random((1200, 300)) * (rng.random((1200, 300)) < 0.3)
    expected = hoyer_sparseness(H)
    assert_allclose(hoyer_sparseness(H.astype(np.float32)), expected, atol=1e-6)
    assert_allclose(hoyer_sparseness(sp.csr_matrix(H)), expected)
    # More rows than one scratch block, and a non-contiguous view.
    assert_allclose(hoyer_sparseness(np.asfortranarray(H)), expected)
    assert_allclose(hoyer_sparseness(H, axis=0), hoyer_sparseness(H.T.copy()))
    assert hoyer_sparseness(H.astype(np.float32)).dtype == np.float64


def test_input_not_modified():
    H = np.array([[1.0, -2.0, 0.0], [0.5, 0.5, 0.5]], dtype=np.float32)
    H_copy = H.copy()
    hoyer_sparseness(H)
    hoyer_sparseness(H, axis=0)
    assert_array_equal(H, H_copy)


def test_extreme_float64_magnitudes():
    # Found while writing the scaling property: squares of 1e-200 underflow to
    # 0 and squares of 1e200 overflow; HSPM must not notice.
    base = np.array([[1.0, 1.0, 0.0, 0.0], [1.0, 2.0, 3.0, 0.0]])
    expected = hoyer_sparseness(base)
    for scale in (1e-200, 1e-160, 1e160, 1e300):
        assert_allclose(hoyer_sparseness(base * scale), expected, rtol=1e-12)
        assert_allclose(
            hoyer_sparseness((base * scale).T, axis=0), expected, rtol=1e-12
        )


@pytest.mark.parametrize(
    "H, match",
    [
        ([[1.0], [2.0]], "at least 2 entries"),
        ([[1.0, np.nan]], "NaN"),
        ([[1.0, np.inf]], "infinity"),
        (np.empty((0, 3)), "0 sample"),
    ],
)
def test_invalid_input(H, match):
    with pytest.raises(ValueError, match=match):
        hoyer_sparseness(H)


def test_too_few_entries_along_axis_zero():
    with pytest.raises(ValueError, match="at least 2 entries"):
        hoyer_sparseness([[1.0, 2.0, 3.0]], axis=0)


def test_invalid_axis():
    with pytest.raises(ValueError, match="axis"):
        hoyer_sparseness([[1.0, 2.0]], axis=2)


@settings(max_examples=60)
@given(matrices)
def test_in_unit_interval(H):
    hspm = hoyer_sparseness(H)
    assert hspm.shape == (H.shape[0],)
    assert np.all((hspm >= 0.0) & (hspm <= 1.0))


@settings(max_examples=60)
@given(
    matrices,
    st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3),
)
def test_scale_invariant(H, scale):
    assert_allclose(hoyer_sparseness(H * scale), hoyer_sparseness(H), atol=1e-9)


@settings(max_examples=60)
@given(matrices, st.randoms(use_true_random=False))
def test_permutation_invariant(H, random):
    perm = list(range(H.shape[1]))
    random.shuffle(perm)
    assert_allclose(hoyer_sparseness(H[:, perm]), hoyer_sparseness(H), atol=1e-12)
    if H.shape[0] < 2:
        return
    rows = list(range(H.shape[0]))
    random.shuffle(rows)
    assert_allclose(
        hoyer_sparseness(H[rows], axis=0), hoyer_sparseness(H, axis=0), atol=1e-12
    )


@settings(max_examples=40)
@given(
    st.integers(2, 50),
    st.data(),
    st.floats(1e-6, 1e6) | st.floats(-1e6, -1e-6),
)
def test_one_hot_is_one_and_constant_is_zero(n, data, value):
    position = data.draw(st.integers(0, n - 1))
    one_hot = np.zeros((1, n))
    one_hot[0, position] = value
    assert hoyer_sparseness(one_hot)[0] == pytest.approx(1.0, abs=1e-12)
    constant = np.full((1, n), value)
    assert hoyer_sparseness(constant)[0] == pytest.approx(0.0, abs=1e-12)


@settings(max_examples=30)
@given(matrices)
def test_private_core_matches_public(H):
    assert_array_equal(_hoyer_along(H, axis=1), hoyer_sparseness(H, axis=1))


def test_values_near_the_float64_maximum_give_no_warning():
    # Sums and squares overflow; the vector is rescaled, quietly.
    H = np.array([[1.7e308, 1.7e308, 0.0], [1.7e308, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = hoyer_sparseness(H)
    assert_allclose(values, hoyer_sparseness(H / 1e300))
