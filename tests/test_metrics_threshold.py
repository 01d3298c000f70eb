"""Tests of the paper's activation threshold rule (eq. 8 and the tau rule)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose
from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.neural_network import BernoulliRBM, MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_sparsity.metrics import select_activation_threshold
from sklearn_sparsity.metrics._threshold import (
    _select_threshold,
    _threshold_candidates,
)


def _errors(H, W, c, taus, reduction):
    """Brute force: the error of every threshold on all rows at once."""
    if W is None:
        reference = H
    else:
        reference = expit(H @ W.T + (0 if c is None else c))
    out = []
    for tau in taus:
        S = np.where(np.abs(H) >= tau, H, 0.0)
        R = S if W is None else expit(S @ W.T + (0 if c is None else c))
        e = ((R - reference) ** 2).sum(axis=1)
        out.append(e.mean() if reduction == "mean" else e.max())
    return np.array(out)


def test_identity_rule_hand_computed():
    # Without a model, the error of tau is the squared norm of the zeroed
    # entries. H = [[0.1, 0.5], [0.2, 0.9]]:
    #   tau = 0.6  zeroes 0.1, 0.5 | 0.2  -> per row 0.26 | 0.04, mean 0.15
    #   tau = 0.3  zeroes 0.1 | 0.2       -> per row 0.01 | 0.04, mean 0.025
    #   tau = 0.15 zeroes 0.1 | -         -> per row 0.01 | 0,    mean 0.005
    H = np.array([[0.1, 0.5], [0.2, 0.9]])
    candidates = [0.15, 0.3, 0.6]
    tau, error = _select_threshold(H, None, None, 0.05, "mean", candidates)
    assert (tau, error) == (0.3, pytest.approx(0.025))
    tau, error = _select_threshold(H, None, None, 0.2, "mean", candidates)
    assert (tau, error) == (0.6, pytest.approx(0.15))
    # The max over rows is 0.04 at tau = 0.3: too much for tol = 0.03.
    tau, error = _select_threshold(H, None, None, 0.03, "max", candidates)
    assert (tau, error) == (0.15, pytest.approx(0.01))
    # Nothing but 0 passes a tiny tolerance; tau = 0 changes nothing.
    assert _select_threshold(H, None, None, 1e-6, "mean", candidates) == (0.0, 0.0)


def test_sigmoid_rule_hand_computed():
    # One sample h = [1.0, 0.2], W = identity, c = 0: the reconstruction is
    # [sigmoid(1.0), sigmoid(0.2)]. Thresholding at 0.5 gives s = [1, 0],
    # reconstructed as [sigmoid(1.0), 0.5]: the error is
    # (sigmoid(0.2) - 0.5)^2 = (0.549834 - 0.5)^2 = 0.0024834.
    H = np.array([[1.0, 0.2]])
    tau, error = _select_threshold(H, np.eye(2), None, 0.01, "mean", [0.5])
    assert tau == 0.5
    assert error == pytest.approx((expit(0.2) - 0.5) ** 2)
    assert error == pytest.approx(0.0024834, abs=1e-7)
    # A visible bias c = [0, -0.2] shifts the second unit: error is
    # (sigmoid(0) - sigmoid(-0.2))^2 = (0.5 - 0.450166)^2, the same value.
    # The quantile candidates of |h| are 1.0, 0.2 and 0; tau = 1.0 keeps 1.0.
    tau, error = _select_threshold(H, np.eye(2), np.array([0.0, -0.2]), 0.01)
    assert tau == 1.0
    assert error == pytest.approx((0.5 - expit(-0.2)) ** 2)


def test_largest_candidate_even_if_error_not_monotone():
    # One visible unit, W = [[1, -1]], h = [0.3, 0.4]; the pre-activation is
    # 0.3 - 0.4 = -0.1.
    #   tau = 0.4: s = [0, 0.4], pre -0.4, error (sigmoid(-0.4) -
    #              sigmoid(-0.1))^2 = (0.401312 - 0.475021)^2 = 0.005433
    #   tau = 0.5: s = [0, 0],   pre 0,    error (0.5 - 0.475021)^2 = 0.000624
    # The error falls as tau grows past 0.4; with tol = 0.001 the rule takes
    # the largest passing candidate, 0.5, though 0.4 fails.
    H = np.array([[0.3, 0.4]])
    W = np.array([[1.0, -1.0]])
    errors = _errors(H, W, None, [0.4, 0.5], "mean")
    assert_allclose(errors, [0.005433, 0.000624], atol=1e-6)
    tau, error = _select_threshold(H, W, None, 0.001, "mean", [0.4, 0.5])
    assert tau == 0.5
    assert error == pytest.approx(errors[1])


def test_candidates_are_quantiles_and_zero():
    H = np.arange(1.0, 11.0).reshape(2, 5) / 10
    candidates = _threshold_candidates(H, 5)
    # Levels 0, .25, .5, .75, 1 of |H| = 0.1 ... 1.0 with method="lower".
    assert_allclose(candidates, [1.0, 0.7, 0.5, 0.3, 0.1, 0.0])
    assert_allclose(_threshold_candidates(H, [0.2, 0.2, 0.5]), [0.5, 0.2, 0.0])


def test_block_scan_matches_brute_force_on_many_rows():
    # Several row blocks, early exits and the cached reconstructions.
    rng = np.random.default_rng(0)
    n, n_visible, n_hidden = 3000, 40, 30
    W = rng.normal(0, 0.5, (n_visible, n_hidden))
    c = rng.normal(0, 1, n_visible)
    H = expit(rng.normal(-1.5, 2, (n, n_hidden)))
    candidates = _threshold_candidates(H, 40)
    for reduction in ("mean", "max"):
        tol = 0.05 if reduction == "mean" else 0.5
        errors = _errors(H, W, c, candidates, reduction)
        expected = candidates[np.argmax(errors < tol)]  # sorted decreasingly
        tau, error = _select_threshold(H, W, c, tol, reduction, 40, refine=False)
        assert tau == expected
        assert error == pytest.approx(errors[candidates == tau][0], rel=1e-9)
        tau32, _ = _select_threshold(H.astype(np.float32), W, c, tol, reduction,
                                     40, refine=False)
        assert tau32 == pytest.approx(tau, rel=1e-6)


@pytest.mark.parametrize("cache_bytes", [0, 2**29])
@pytest.mark.parametrize("sparse_fraction", [0.0, 0.2, 1.0])
def test_incremental_updates_match_brute_force(
    monkeypatch, cache_bytes, sparse_fraction
):
    # Kept or recomputed block state, dense or sparse pre-activation updates.
    from sklearn_sparsity.metrics import _threshold

    monkeypatch.setattr(_threshold, "_CACHE_BYTES", cache_bytes)
    monkeypatch.setattr(_threshold, "_SPARSE_FRACTION", sparse_fraction)
    monkeypatch.setattr(_threshold, "_BLOCK_ELEMENTS", 2**10)
    rng = np.random.default_rng(1)
    W = rng.normal(0, 0.5, (30, 20))
    c = rng.normal(0, 1, 30)
    H = expit(rng.normal(-1.5, 2, (500, 20)))
    candidates = _threshold_candidates(H, 30)
    errors = _errors(H, W, c, candidates, "mean")
    tau, error = _select_threshold(H, W, c, 0.05, "mean", 30, refine=False)
    assert tau == candidates[np.argmax(errors < 0.05)]
    assert error == pytest.approx(errors[candidates == tau][0], rel=1e-9)
    # Refinement moves back and forth between thresholds (adding and
    # removing bands): it ends on a boundary of the rule, as brute force
    # over every distinct value says.
    tau, error = _select_threshold(H, W, c, 0.05, "mean", 30)
    values = np.unique(H)
    errors = _errors(H, W, c, values, "mean")
    at = np.searchsorted(values, tau)
    assert values[at] == tau
    assert error == pytest.approx(errors[at], rel=1e-6)
    assert errors[at] < 0.05 <= errors[at + 1]


@settings(max_examples=40)
@given(
    st.integers(1, 12),
    st.integers(1, 6),
    st.integers(1, 5),
    st.floats(1e-3, 2.0),
    st.sampled_from(["mean", "max"]),
    st.one_of(st.integers(2, 12), st.lists(st.floats(0, 1), min_size=1, max_size=6)),
    st.booleans(),
    st.integers(0, 2**16),
)
def test_rule_property(n, n_hidden, n_visible, tol, reduction, candidates, bias, seed):
    # The returned tau is a candidate with error < tol, and every larger
    # candidate has error >= tol (brute force over the candidate set).
    rng = np.random.default_rng(seed)
    H = rng.random((n, n_hidden)) * (rng.random((n, n_hidden)) < 0.7)
    W = rng.normal(0, 2, (n_visible, n_hidden))
    c = rng.normal(0, 1, n_visible) if bias else None
    tau, error = _select_threshold(H, W, c, tol, reduction, candidates,
                                   refine=False)
    assert error < tol
    all_candidates = _threshold_candidates(H, candidates)
    assert tau in all_candidates
    errors = _errors(H, W, c, all_candidates, reduction)
    assert error == pytest.approx(errors[all_candidates == tau][0], abs=1e-12)
    assert np.all(errors[all_candidates > tau] >= tol)


@settings(max_examples=30)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 10), st.integers(1, 6)),
        elements=st.floats(-3, 3),
    ),
    st.floats(1e-3, 5.0),
)
def test_max_reduction_is_stricter(H, tol):
    # Every sample's error is at most the max, so fewer candidates pass the
    # max criterion than the mean one, and its largest is not larger.
    tau_mean, _ = _select_threshold(H, None, None, tol, "mean", 10)
    tau_max, error = _select_threshold(H, None, None, tol, "max", 10)
    assert tau_max <= tau_mean
    assert error < tol


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16, y[:400]


@pytest.fixture(scope="module")
def rbm(digits):
    return BernoulliRBM(n_components=20, n_iter=5, random_state=0).fit(digits[0])


def test_public_rule_on_bernoulli_rbm(rbm, digits):
    X, _ = digits
    result = select_activation_threshold(rbm, X, tol=0.05)
    H = rbm.transform(X)
    expected = _select_threshold(
        H, rbm.components_.T, rbm.intercept_visible_, 0.05, "mean", 50
    )
    assert (result.tau, result.error) == expected
    assert result.error < 0.05 and result.layer == 0
    assert result.reduction == "mean" and result.tol == 0.05
    strict = select_activation_threshold(rbm, X, tol=0.05, reduction="max")
    assert strict.tau <= result.tau
    explicit = select_activation_threshold(rbm, X, candidates=[0.01, 0.02, 0.9])
    assert explicit.tau in (0.0, 0.01, 0.02, 0.9)
    # A pipeline: the scaler runs first.
    pipe = make_pipeline(MinMaxScaler(), rbm)
    pipe[0].fit(X)
    via_pipe = select_activation_threshold(pipe, X * 16, tol=0.05)
    H_pipe = rbm.transform(pipe[0].transform(X * 16))
    assert (
        via_pipe.tau
        == _select_threshold(
            H_pipe, rbm.components_.T, rbm.intercept_visible_, 0.05, "mean", 50
        )[0]
    )


def test_public_rule_on_mlp_uses_zero_visible_bias(digits):
    X, y = digits
    mlp = MLPClassifier((12, 8), solver="lbfgs", max_iter=50, random_state=0)
    with pytest.warns(Warning):  # lbfgs stops at max_iter
        mlp.fit(X, y)
    H1 = np.maximum(X @ mlp.coefs_[0] + mlp.intercepts_[0], 0)
    H2 = np.maximum(H1 @ mlp.coefs_[1] + mlp.intercepts_[1], 0)
    result = select_activation_threshold(mlp, X, layer=-1)
    assert result.layer == 1
    # A ReLU layer reconstructs its input linearly, s W^T (no visible bias).
    from sklearn_sparsity._units import GAUSSIAN

    tau, error = _select_threshold(H2, mlp.coefs_[1], None, 0.05, "mean", 50,
                                   units=GAUSSIAN)
    assert result.tau == tau
    assert result.error == pytest.approx(error)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"layer": 1}, "out of range"),
        ({"layer": -2}, "out of range"),
        ({"tol": 0}, "'tol' parameter"),
        ({"tol": -1.0}, "'tol' parameter"),
        ({"reduction": "median"}, "'reduction' parameter"),
        ({"candidates": 1}, "'candidates' parameter"),
        ({"candidates": [0.1, -0.2]}, "candidates must be"),
        ({"candidates": [np.nan]}, "candidates must be"),
    ],
)
def test_public_rule_errors(rbm, digits, kwargs, match):
    with pytest.raises(ValueError, match=match):
        select_activation_threshold(rbm, digits[0], **kwargs)


def test_unsupported_model():
    from sklearn.linear_model import LogisticRegression

    X, y = load_digits(return_X_y=True)
    model = LogisticRegression(max_iter=10)
    with pytest.raises(TypeError, match="Supported models"):
        select_activation_threshold(model, X)


def _brute_force_distinct(H, W, c, tol, reduction):
    """Every distinct activation value (and 0), its error, the largest passing."""
    values = np.union1d(np.unique(np.abs(H)), [0.0])
    errors = _errors(H, W, c, values, reduction)
    passing = values[errors < tol]
    return values, errors, float(passing.max())


@settings(max_examples=60)
@given(
    st.integers(1, 10),
    st.integers(1, 6),
    st.integers(1, 5),
    st.floats(1e-3, 2.0),
    st.sampled_from(["mean", "max"]),
    st.booleans(),
    st.booleans(),
    st.integers(0, 2**16),
)
def test_rule_is_exact_against_every_distinct_value(
    n, n_hidden, n_visible, tol, reduction, bias, identity, seed
):
    # Brute force over every distinct value of |h|: the largest passing one.
    rng = np.random.default_rng(seed)
    H = np.round(rng.random((n, n_hidden)), 2) * (rng.random((n, n_hidden)) < 0.7)
    W = None if identity else rng.normal(0, 2, (n_visible, n_hidden))
    c = rng.normal(0, 1, n_visible) if bias and not identity else None
    values, errors, largest = _brute_force_distinct(H, W, c, tol, reduction)
    # As many quantiles as entries: every distinct value is scanned.
    tau, error = _select_threshold(H, W, c, tol, reduction, H.size)
    assert tau == largest
    assert error == pytest.approx(errors[values == tau][0], abs=1e-12)
    # Few quantiles, then refinement: a boundary of the rule (tau passes, the
    # next distinct value fails), the largest passing value when the error
    # is monotone (always for the identity reconstruction).
    tau, error = _select_threshold(H, W, c, tol, reduction, 3)
    at = np.flatnonzero(values == tau)[0]
    assert errors[at] < tol and error == pytest.approx(errors[at], abs=1e-12)
    assert at == len(values) - 1 or errors[at + 1] >= tol
    if identity:
        assert tau == largest


def test_refinement_finds_the_boundary_between_coarse_candidates():
    # A sigmoid layer of 300 units: 50 quantiles leave gaps of several
    # percent of tau between the candidates.
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.3, (60, 300))
    c = rng.normal(-1, 0.5, 60)
    H = expit(rng.normal(-2, 1.5, (800, 300)))
    coarse, _ = _select_threshold(H, W, c, 0.05, "mean", 50, refine=False)
    tau, error = _select_threshold(H, W, c, 0.05, "mean", 50)
    assert tau > coarse and error < 0.05
    values = np.unique(H)
    above = values[values > tau][0]
    assert _errors(H, W, c, [above], "mean")[0] >= 0.05
    # The error crosses tol once on a fine grid above the coarse candidate
    # (it wiggles by about 1e-5 between grid points, far below tol): the
    # refined tau lies at that crossing, not several percent below it.
    grid = np.linspace(coarse, coarse * 1.5, 2001)
    grid_errors = _errors(H, W, c, grid, "mean")
    crossing = np.argmax(grid_errors >= 0.05)
    assert crossing > 0 and np.all(grid_errors[crossing:] >= 0.05)
    assert grid[crossing - 1] <= tau < grid[crossing]


def test_huge_candidate_lists_stay_bounded(monkeypatch):
    # An int far above the number of entries asks for no more quantiles than
    # there are entries; a long explicit list is scanned at every m-th
    # candidate and bisected, and still returns a boundary.
    from sklearn_sparsity.metrics import _threshold

    rng = np.random.default_rng(3)
    H = expit(rng.normal(-1, 2, (50, 40)))
    W = rng.normal(0, 0.5, (30, 40))
    assert len(_threshold_candidates(H, 10**9)) <= H.size + 1
    calls = []
    original = _threshold._Block.errors

    def counting(self, tau, out):
        calls.append(tau)
        return original(self, tau, out)

    monkeypatch.setattr(_threshold._Block, "errors", counting)
    candidates = np.linspace(0, 1, 200_001)
    tau, error = _select_threshold(H, W, None, 0.05, "mean", candidates)
    assert len(set(calls)) < 2 * _threshold._MAX_SCAN
    errors = _errors(H, W, None, [tau, tau + 1e-5], "mean")
    assert errors[0] < 0.05 <= errors[1]
    assert error == pytest.approx(errors[0], rel=1e-9)
