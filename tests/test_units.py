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
