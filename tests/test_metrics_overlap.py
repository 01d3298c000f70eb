"""Tests of the activation overlapping degree (AOD), eqs. (7), (9), (10)."""

import itertools
from fractions import Fraction
from math import comb

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_sparsity.metrics import (
    activation_binary_vector,
    activation_overlapping_degree,
    average_activation_overlap,
    class_activation_vectors,
)
from sklearn_sparsity.metrics._overlap import _overlap_curve

# A worked example used by several tests. Three classes, two samples each,
# four units, tau = 0.5:
#   class "a": mean of [0.9, 0.8, 0.0, 0.1] and [0.7, 0.4, 0.2, 0.1]
#              = [0.8, 0.6, 0.1, 0.1] -> Z = [1, 1, 0, 0]
#   class "b": mean of [0.6, 0.0, 0.9, 0.0] and [0.8, 0.2, 0.7, 0.2]
#              = [0.7, 0.1, 0.8, 0.1] -> Z = [1, 0, 1, 0]
#   class "c": mean of [1.0, 0.5, 0.5, 0.0] and [0.6, 0.7, 0.9, 0.4]
#              = [0.8, 0.6, 0.7, 0.2] -> Z = [1, 1, 1, 0]
# Unit activity counts c_j = (3, 2, 2, 0) over m = 3 classes.
# AOD(a, b) = 1/4 (unit 0), AOD(a, c) = 2/4, AOD(b, c) = 2/4, AOD(a, b, c) = 1/4.
# Average AOD for k = 2: (1/4 + 2/4 + 2/4) / 3 = 5/12, which the closed form
# gives too: (C(3,2) + C(2,2) + C(2,2) + C(0,2)) / C(3,2) / 4 = 5/12.
# For k = 3: (1 + 0 + 0 + 0) / 1 / 4 = 1/4. For k = 1: (3 + 2 + 2 + 0)/3/4 = 7/12.
H_EXAMPLE = np.array(
    [
        [0.9, 0.8, 0.0, 0.1],
        [0.6, 0.0, 0.9, 0.0],
        [1.0, 0.5, 0.5, 0.0],
        [0.7, 0.4, 0.2, 0.1],
        [0.8, 0.2, 0.7, 0.2],
        [0.6, 0.7, 0.9, 0.4],
    ]
)
Y_EXAMPLE = np.array(["a", "b", "c", "a", "b", "c"])


def test_worked_example():
    classes, Z = class_activation_vectors(H_EXAMPLE, Y_EXAMPLE, tau=0.5)
    assert_array_equal(classes, ["a", "b", "c"])
    assert_array_equal(Z, [[1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 0]])
    assert Z.dtype == np.int8
    aod = activation_overlapping_degree
    assert aod(H_EXAMPLE, Y_EXAMPLE, tau=0.5, classes=["a", "b"]) == 0.25
    assert aod(H_EXAMPLE, Y_EXAMPLE, tau=0.5, classes=["a", "c"]) == 0.5
    assert aod(H_EXAMPLE, Y_EXAMPLE, tau=0.5, classes=["c", "b"]) == 0.5
    assert aod(H_EXAMPLE, Y_EXAMPLE, tau=0.5) == 0.25
    avg = average_activation_overlap
    assert avg(H_EXAMPLE, Y_EXAMPLE, tau=0.5, k=2) == pytest.approx(5 / 12)
    assert avg(H_EXAMPLE, Y_EXAMPLE, tau=0.5, k=3) == pytest.approx(1 / 4)
    assert avg(H_EXAMPLE, Y_EXAMPLE, tau=0.5, k=1) == pytest.approx(7 / 12)
    assert_allclose(
        avg(H_EXAMPLE, Y_EXAMPLE, tau=0.5, k="all"), [5 / 12, 1 / 4], rtol=1e-15
    )
    assert_allclose(
        avg(H_EXAMPLE, Y_EXAMPLE, tau=0.5, k=[3, 1]), [1 / 4, 7 / 12], rtol=1e-15
    )


def test_return_types():
    avg = average_activation_overlap
    assert isinstance(avg(H_EXAMPLE, Y_EXAMPLE, tau=0.5, k=2), float)
    assert isinstance(avg(H_EXAMPLE, Y_EXAMPLE, tau=0.5, k=np.int64(2)), float)
    assert avg(H_EXAMPLE, Y_EXAMPLE, tau=0.5, k=[2]).shape == (1,)
    assert avg(H_EXAMPLE, Y_EXAMPLE, tau=0.5, k="all").shape == (2,)
    assert isinstance(
        activation_overlapping_degree(H_EXAMPLE, Y_EXAMPLE, tau=0.5), float
    )


def test_binary_vector():
    # eq. (7) on |h|: -0.7 is active at tau = 0.5, 0.49 is not, 0.5 is.
    assert_array_equal(
        activation_binary_vector([0.9, 0.49, 0.5, -0.7], tau=0.5), [1, 0, 1, 1]
    )
    H = np.array([[0.2, 0.0], [0.0, 3.0]], dtype=np.float32)
    z = activation_binary_vector(H, tau=0.1)
    assert z.dtype == np.int8 and z.shape == (2, 2)
    assert_array_equal(z, [[1, 0], [0, 1]])
    assert_array_equal(activation_binary_vector(sp.csr_matrix(H), tau=0.1), z)
    # tau = 0: every unit is active, zeros included.
    assert_array_equal(activation_binary_vector(H, tau=0.0), np.ones((2, 2)))


def test_dtypes_sparse_order_and_no_modification():
    rng = np.random.default_rng(0)
    H = rng.random((60, 12))
    y = rng.integers(0, 5, size=60)
    H_copy, y_copy = H.copy(), y.copy()
    expected = average_activation_overlap(H, y, tau=0.5, k="all")
    assert_array_equal(H, H_copy)
    assert_array_equal(y, y_copy)
    assert_allclose(
        average_activation_overlap(H.astype(np.float32), y, tau=0.5, k="all"),
        expected,
    )
    assert_allclose(
        average_activation_overlap(sp.csr_matrix(H), y, tau=0.5, k="all"), expected
    )
    order = np.argsort(y, kind="stable")
    assert_allclose(
        average_activation_overlap(H[order], y[order], tau=0.5, k="all"), expected
    )
    # Labels as a column vector are accepted with a warning, as in scikit-learn.
    with pytest.warns(UserWarning, match="column-vector"):
        average_activation_overlap(H, y[:, np.newaxis], tau=0.5, k=2)


def test_large_number_of_classes_is_exact():
    # 400 classes x 300 units: compare the closed form with exact rational
    # arithmetic for a few k, including k = m.
    rng = np.random.default_rng(1)
    m, n = 400, 300
    Z = (rng.random((m, n)) < rng.random(n)).astype(np.int8)
    counts = Z.sum(axis=0)
    ks = np.array([2, 3, 10, 50, 200, 399, 400])
    got = _overlap_curve(Z, ks)
    for value, k in zip(got, ks):
        exact = sum(Fraction(comb(int(c), int(k)), comb(m, int(k))) for c in counts)
        exact /= n
        assert value == pytest.approx(float(exact), rel=1e-12, abs=1e-300)
    curve = _overlap_curve(Z, np.arange(1, m + 1))
    assert np.all(np.diff(curve) <= 0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"k": 4}, "between 1 and the number of classes"),
        ({"k": [2, 5]}, "between 1 and the number of classes"),
        ({"k": [0, 2]}, "between 1 and the number of classes"),
        ({"k": 0}, "'k' parameter"),
        ({"k": [2.5]}, "list of ints"),
        ({"k": []}, "list of ints"),
        ({"k": True}, "list of ints"),
        ({"k": 2, "tau": -0.1}, "'tau' parameter"),
        ({"k": 2, "tau": np.nan}, "'tau' parameter"),
        ({"k": 2, "aggregate": "mean_input"}, "needs the model"),
        ({"k": 2, "aggregate": "median"}, "'aggregate' parameter"),
    ],
)
def test_average_overlap_errors(kwargs, match):
    kwargs = {"tau": 0.5, **kwargs}
    with pytest.raises(ValueError, match=match):
        average_activation_overlap(H_EXAMPLE, Y_EXAMPLE, **kwargs)


@pytest.mark.parametrize(
    "H, y, match",
    [
        (H_EXAMPLE, np.zeros(6), "at least 2 classes"),
        (H_EXAMPLE, Y_EXAMPLE[:5], "inconsistent numbers of samples"),
        (np.where(H_EXAMPLE > 0.85, np.nan, H_EXAMPLE), Y_EXAMPLE, "NaN"),
        (np.where(H_EXAMPLE > 0.85, np.inf, H_EXAMPLE), Y_EXAMPLE, "infinity"),
        (np.empty((0, 4)), [], "0 sample"),
        (np.empty((6, 0)), Y_EXAMPLE, "0 feature"),
        (H_EXAMPLE, [0.0, 1, 2, np.nan, 1, 2], "y contains NaN"),
    ],
)
def test_bad_data(H, y, match):
    with pytest.raises(ValueError, match=match):
        average_activation_overlap(H, y, tau=0.5, k=2)


def test_overlapping_degree_errors():
    with pytest.raises(ValueError, match=r"do not occur in y"):
        activation_overlapping_degree(H_EXAMPLE, Y_EXAMPLE, tau=0.5, classes=["a", "z"])
    with pytest.raises(ValueError, match="at least 2 classes"):
        activation_overlapping_degree(H_EXAMPLE, Y_EXAMPLE, tau=0.5, classes=["a", "a"])
    with pytest.raises(ValueError, match="needs the model"):
        class_activation_vectors(H_EXAMPLE, Y_EXAMPLE, tau=0.5, aggregate="mean_input")
    with pytest.raises(ValueError, match="'tau' parameter"):
        activation_binary_vector([1.0, 2.0], tau=-1)


# Class activation matrices: m classes (2..8) by n units, and the number of
# samples per class, for building H whose class means are known.
binary_matrices = arrays(np.bool_, st.tuples(st.integers(2, 8), st.integers(1, 10)))


def _activations_from_Z(Z, repeats, rng):
    """H with ``repeats`` rows per class whose class means are 0.25 or 0.75.

    Each active class/unit gets rows whose mean is 0.75 >= tau = 0.5, each
    inactive one rows whose mean is 0.25 < tau; the rows scatter around it.
    """
    m, n = Z.shape
    means = np.where(Z, 0.75, 0.25)
    noise = rng.uniform(-0.2, 0.2, size=(m, repeats, n))
    noise -= noise.mean(axis=1, keepdims=True)
    H = (means[:, np.newaxis, :] + noise).reshape(m * repeats, n)
    y = np.repeat(np.arange(m) * 10 + 3, repeats)  # non-contiguous labels
    perm = rng.permutation(len(y))
    return H[perm], y[perm]


def _brute_force(Z, k):
    subsets = itertools.combinations(range(Z.shape[0]), k)
    return np.mean([np.all(Z[list(s)], axis=0).mean() for s in subsets])


@settings(max_examples=40)
@given(binary_matrices, st.integers(1, 3), st.integers(0, 2**16))
def test_closed_form_equals_enumeration(Z, repeats, seed):
    H, y = _activations_from_Z(Z, repeats, np.random.default_rng(seed))
    m = Z.shape[0]
    _, Z_found = class_activation_vectors(H, y, tau=0.5)
    assert_array_equal(Z_found, Z)
    curve = average_activation_overlap(H, y, tau=0.5, k=list(range(1, m + 1)))
    brute = [_brute_force(Z, k) for k in range(1, m + 1)]
    assert_allclose(curve, brute, rtol=1e-12, atol=1e-15)
    # The full set of classes gives eq. (10) directly.
    assert curve[-1] == pytest.approx(activation_overlapping_degree(H, y, tau=0.5))
    # And one subset through ``classes``.
    labels = np.unique(y)[:2]
    assert activation_overlapping_degree(
        H, y, tau=0.5, classes=labels
    ) == pytest.approx(np.all(Z[:2], axis=0).mean())


@settings(max_examples=40)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(2, 30), st.integers(1, 12)),
        elements=st.floats(0, 1),
    ),
    st.integers(2, 6),
    st.floats(0, 1),
)
def test_in_unit_interval_and_non_increasing(H, n_classes, tau):
    y = np.arange(H.shape[0]) % n_classes
    m = len(np.unique(y))
    curve = average_activation_overlap(H, y, tau=tau, k=list(range(1, m + 1)))
    assert np.all((curve >= 0) & (curve <= 1))
    assert np.all(np.diff(curve) <= 1e-15)


@settings(max_examples=40)
@given(
    arrays(np.float64, st.integers(1, 15), elements=st.floats(-2, 2)),
    st.integers(2, 7),
    st.floats(0, 1.5),
)
def test_identical_classes_overlap_is_fraction_active(h, m, tau):
    # Every class has the same activation vector, so every subset of classes
    # overlaps on exactly the units active in h.
    H = np.tile(h, (m, 1))
    y = np.arange(m)
    fraction = activation_binary_vector(h, tau=tau).mean()
    curve = average_activation_overlap(H, y, tau=tau, k="all")
    assert_allclose(curve, fraction, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("value", [0.1, 0.3, 1 / 3, 0.7, 2.0 / 7])
def test_class_at_tau_counts_as_active_after_averaging(dtype, value):
    # Eq. 7 is |h| >= tau: a class whose samples all sit exactly at tau is
    # active, however many samples are averaged (the float sum of n copies
    # divided by n can round below tau; the mean is clipped to the class's
    # range). Negative activations likewise.
    tau = float(dtype(value))
    for n in (3, 7, 10, 49, 1000):
        H = np.full((n, 2), dtype(value))
        H[:, 1] = -H[:, 1]
        y = np.zeros(n, dtype=int)
        y[: n // 2] = 1
        _, Z = class_activation_vectors(H, y, tau=tau)
        assert Z.tolist() == [[1, 1], [1, 1]]


@pytest.mark.parametrize("y, message", [
    (np.random.default_rng(0).random(30), "got a continuous target"),
    (np.array(["a", 1, "b", 2] * 5, dtype=object), "mixes string and number"),
])
def test_labels_must_be_classes(y, message):
    H = np.random.default_rng(1).random((len(y), 4))
    for call in (
        lambda: average_activation_overlap(H, y, tau=0.5),
        lambda: class_activation_vectors(H, y, tau=0.5),
        lambda: activation_overlapping_degree(H, y, tau=0.5),
    ):
        with pytest.raises(ValueError, match=message):
            call()


def test_average_overlap_needs_at_most_one_extra_copy_of_the_activations():
    # 2,000 x 500 float32 activations of 10 classes: the class means are
    # computed one class at a time (numpy reports its arrays to tracemalloc).
    import tracemalloc

    rng = np.random.default_rng(0)
    H = rng.random((2_000, 500), dtype=np.float32)
    y = rng.integers(0, 10, 2_000)
    tracemalloc.start()
    try:
        average_activation_overlap(H, y, tau=0.5, k="all")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= H.nbytes


@pytest.mark.parametrize("func", [
    "class_activation_vectors", "activation_overlapping_degree",
    "average_activation_overlap"])
def test_missing_tau_names_the_threshold_rule(func):
    # Was: "missing a required argument: 'tau'".
    import sklearn_sparsity.metrics as metrics

    with pytest.raises(TypeError, match=rf"{func} needs tau.*"
                       r"select_activation_threshold"):
        getattr(metrics, func)([[1.0, 0.0], [0.0, 1.0]], [0, 1])
