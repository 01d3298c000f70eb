"""Unit types (``_units.py``): mean, sample, reconstruction, free energy, input."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import expit

from sklearn_sparsity._units import BERNOULLI, GAUSSIAN, UNITS


def test_bernoulli_mean_is_the_sigmoid_in_place():
    rng = np.random.default_rng(0)
    for dtype, rtol in ((np.float64, 1e-15), (np.float32, 1e-6)):
        Z = rng.normal(0, 3, (5, 4)).astype(dtype)
        b = rng.normal(0, 1, 4).astype(dtype)
        expected = expit(Z.astype(np.float64) + b)
        out = BERNOULLI.mean_(Z, b)
        assert out is Z and Z.dtype == dtype
        assert_allclose(Z, expected, rtol=rtol)


def test_bernoulli_samples_have_the_means_as_frequencies():
    p = np.linspace(0.05, 0.95, 10)
    P = np.tile(p, (20_000, 1))
    out = np.empty_like(P)
    u = np.empty(P.shape, np.float32)
    BERNOULLI.sample_(P, u, out, np.random.default_rng(0))
    assert set(np.unique(out)) <= {0.0, 1.0}
    assert_allclose(out.mean(axis=0), p, atol=0.01)


def test_reconstruction_and_free_energy_match_the_formulas():
    rng = np.random.default_rng(1)
    V, H = rng.random((6, 5)), rng.random((6, 3))
    W, b, c = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=5)
    assert_allclose(BERNOULLI.reconstruct(H, W, c), expit(H @ W.T + c))
    assert_allclose(BERNOULLI.reconstruct(H, W), expit(H @ W.T))
    # F(v) = -v.c - sum_j log(1 + exp(v W_j + b_j))
    expected = -V @ c - np.log1p(np.exp(V @ W + b)).sum(axis=1)
    assert_allclose(BERNOULLI.free_energy(V, W, b, c), expected)
    assert_allclose(BERNOULLI.free_energy(sp.csr_matrix(V), W, b, c), expected)


@pytest.mark.parametrize("X, message", [
    (np.array([[0.0, 2.0]]), "max=2"),
    (np.array([[-0.5, 0.5]]), "Negative values"),
    (sp.csr_matrix(np.array([[0.0, 3.0]])), "max=3"),
])
def test_bernoulli_input_must_lie_in_the_unit_interval(X, message):
    with pytest.raises(ValueError, match=message):
        BERNOULLI.check_input(X, "Est")
    BERNOULLI.check_input(np.array([[0.0, 1.0]]), "Est")


def test_unit_types_by_name():
    assert UNITS["bernoulli"] is BERNOULLI
    assert UNITS["gaussian"] is GAUSSIAN


def test_gaussian_units_are_linear():
    rng = np.random.default_rng(2)
    Z = rng.normal(0, 3, (5, 4)).astype(np.float32)
    b = rng.normal(0, 1, 4).astype(np.float32)
    expected = Z + b
    out = GAUSSIAN.mean_(Z, b)
    assert out is Z
    assert_allclose(Z, expected)
    H = rng.random((6, 3))
    W, c = rng.normal(size=(5, 3)), rng.normal(size=5)
    assert_allclose(GAUSSIAN.reconstruct(H, W, c), H @ W.T + c)
    assert_allclose(GAUSSIAN.reconstruct(H, W), H @ W.T)
    # Samples: mean plus unit-variance noise.
    M = np.tile(np.linspace(-2, 2, 5), (40_000, 1))
    out = np.empty_like(M)
    GAUSSIAN.sample_(M, np.empty(M.shape, np.float32), out,
                     np.random.default_rng(0))
    assert_allclose(out.mean(axis=0), M[0], atol=0.03)
    assert_allclose(out.std(axis=0), 1.0, atol=0.02)


def test_gaussian_free_energy_is_minus_log_of_the_marginal():
    # F(v) = -log sum_h exp(-E(v, h)) with E = ||v - c||^2 / 2 - v W h - b h,
    # summed over every binary h of a small layer.
    rng = np.random.default_rng(3)
    V = rng.normal(size=(4, 3))
    W, b, c = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
    hs = np.array(np.meshgrid(*[[0, 1]] * 4)).reshape(4, -1).T
    energies = (0.5 * ((V - c) ** 2).sum(axis=1)[:, None]
                - (V @ W) @ hs.T - hs @ b)
    expected = -np.log(np.exp(-energies).sum(axis=1))
    assert_allclose(GAUSSIAN.free_energy(V, W, b, c), expected)


def test_gaussian_units_take_any_finite_input():
    GAUSSIAN.check_input(np.array([[-3.0, 250.0]]), "Est")


# ------------------------------- round-off around [0, 1] (MinMaxScaler's)
def _scaled_normal():
    """The issue's case: MinMaxScaler returns 1.0000000000000002 here."""
    from sklearn.preprocessing import MinMaxScaler

    X = np.random.default_rng(7).normal(size=(30, 4))
    Z = MinMaxScaler().fit_transform(X)
    assert Z.max() == np.nextafter(1.0, 2.0)
    return X, Z


def test_round_off_above_one_is_accepted_and_clipped_in_a_copy():
    _, Z = _scaled_normal()
    before = Z.copy()
    for X in (Z, sp.csr_matrix(Z)):
        out = BERNOULLI.check_input(X, "Est")
        values = out.data if sp.issparse(out) else out
        assert values.min() >= 0.0 and values.max() == 1.0
        assert out is not X
    assert_allclose(Z, before, rtol=0, atol=0)  # the caller's data unchanged
    assert Z.max() > 1.0
    inside = np.array([[0.0, 1.0]])
    assert BERNOULLI.check_input(inside, "Est") is inside  # no copy


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_of_range_data_is_still_refused_and_shown_exactly(dtype):
    eps = np.finfo(dtype).eps
    for bad in (1.0 + 16 * eps, 1.5, 255.0, -16 * eps, -0.01):
        X = np.array([[0.0, 0.5, bad]], dtype=dtype)
        with pytest.raises(ValueError, match="Bernoulli visible units") as e:
            BERNOULLI.check_input(X, "Est")
        shown = float(X.max()) if bad > 0 else float(X.min())
        assert f"={shown!r}" in str(e.value)  # exactly, not rounded
    X = np.array([[0.0, 1.0 + 2 * eps]], dtype=dtype)
    assert BERNOULLI.check_input(X, "Est").max() == 1.0


def _columns():
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    @st.composite
    def columns(draw):
        dtype = draw(st.sampled_from([np.float32, np.float64]))
        n_rows = draw(st.integers(2, 40))
        n_cols = draw(st.integers(1, 6))
        u = draw(hnp.arrays(np.float64, (n_rows, n_cols), elements=st.floats(
            -1.0, 1.0, allow_subnormal=False)))
        # Real-valued columns: any scale and an offset within the spread.
        scale = draw(hnp.arrays(np.float64, n_cols, elements=st.floats(
            1e-3, 1e3)))
        offset = draw(hnp.arrays(np.float64, n_cols, elements=st.floats(
            -1.0, 1.0))) * scale
        X = np.vstack([u, -np.ones(n_cols), np.ones(n_cols)]) * scale + offset
        return X.astype(dtype)

    return columns()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_minmaxscaler_output_is_accepted_by_both_estimators():
    from hypothesis import given, settings
    from sklearn.preprocessing import MinMaxScaler

    from sklearn_sparsity import PretrainedMLPClassifier, StackedRBMTransformer

    @settings(max_examples=60)
    @given(_columns())
    def check(X):
        Z = MinMaxScaler().fit_transform(X)
        before = Z.copy()
        out = BERNOULLI.check_input(Z, "Est")
        assert out.min() >= 0.0 and out.max() <= 1.0 and out.dtype == Z.dtype
        np.testing.assert_array_equal(Z, before)

    check()
    X, Z = _scaled_normal()
    y = np.arange(X.shape[0]) % 2
    stack = StackedRBMTransformer((3,), n_epochs=1, random_state=0).fit(Z)
    StackedRBMTransformer((3,), n_epochs=1, random_state=0).fit(
        sp.csr_matrix(Z))
    # The metrics' reconstruction takes the same data.
    from sklearn_sparsity.metrics import select_activation_threshold

    assert 0.0 <= select_activation_threshold(stack, Z, layer=0).tau <= 1.0
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(MinMaxScaler(), PretrainedMLPClassifier(
        (3,), pretrain_epochs=1, n_epochs=1, tol=None, random_state=0))
    pipe.fit(X, y)
    assert Z.max() > 1.0  # fitting did not clip the caller's array


def test_round_off_is_clipped_on_the_array_api_path():
    torch = pytest.importorskip("torch")
    import sklearn

    from sklearn_sparsity import StackedRBMTransformer

    _, Z = _scaled_normal()
    Z_t = torch.asarray(Z)
    with sklearn.config_context(array_api_dispatch=True):
        out = BERNOULLI.check_input(Z_t, "Est")
        assert isinstance(out, torch.Tensor) and float(out.max()) == 1.0
        StackedRBMTransformer((3,), n_epochs=1, random_state=0).fit(Z_t)
        with pytest.raises(ValueError, match=r"max=1\.5"):
            BERNOULLI.check_input(Z_t * 1.5, "Est")
    assert float(Z_t.max()) > 1.0
