"""The NumPy backend (``_backend.py``): the bound operations of the training loops."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit

from sklearn_sparsity._backend import NUMPY, get_backend


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_affine_with_bias_and_scale(dtype):
    rng = np.random.default_rng(0)
    Z = rng.normal(0, 5, (4, 3)).astype(dtype)
    b = rng.normal(0, 1, 3).astype(dtype)
    expected = -0.25 * expit(Z.astype(np.float64) + b)
    NUMPY.sigmoid_affine_(Z, b, scale=-0.25)
    assert Z.dtype == dtype
    assert_allclose(Z, expected, rtol=1e-6 if dtype == np.float32 else 1e-15)


def test_sigmoid_saturates_without_warning():
    Z = np.array([[-1e4, 0.0, 1e4]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        NUMPY.sigmoid_affine_(Z)
    assert_array_equal(Z, [[0.0, 0.5, 1.0]])


def test_softmax_rows_sum_to_one_without_overflow():
    Z = np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]])
    NUMPY.softmax_(Z)
    assert_allclose(Z, [[0.5, 0.5], [0.25, 0.75]])


def test_row_gathering_dense_sparse_and_contiguous():
    X = np.arange(20.0).reshape(5, 4)
    rows = np.array([3, 0, 4])
    out = np.empty((3, 4))
    assert_array_equal(NUMPY.take_rows(X, rows, out), X[rows])
    assert_array_equal(NUMPY.take_rows(sp.csr_matrix(X), rows, out), X[rows])
    out2 = np.empty((2, 4))
    assert_array_equal(NUMPY.take_rows(X, None, out2, start=1, contiguous=True),
                       X[1:3])
    assert_array_equal(NUMPY.gather_rows(X, rows, out), X[rows])
    sparse = NUMPY.gather_rows(sp.csr_matrix(X), rows, out)
    assert sp.issparse(sparse) and and_array(sparse, X[rows])


def and_array(sparse, dense):
    return np.array_equal(sparse.toarray(), dense)


def test_matmul_into_buffers_and_from_sparse():
    rng = np.random.default_rng(1)
    A, B = rng.random((4, 3)), rng.random((3, 2))
    out = np.empty((4, 2))
    assert NUMPY.matmul(A, B, out=out) is out
    assert_allclose(out, A @ B)
    assert_allclose(NUMPY.matmul(sp.csr_matrix(A), B, out=out), A @ B)
    assert_allclose(NUMPY.matmul(A, B), A @ B)


def test_momentum_update_and_helpers():
    p, v = np.ones(3), np.full(3, 2.0)
    NUMPY.momentum_update_(p, v, np.full(3, 0.5), 0.5, 0.1)
    assert_allclose(v, 0.5 * 2 + 0.5 - 0.1)
    assert_allclose(p, 1 + 1.4)
    assert NUMPY.all_finite(p, v) and not NUMPY.all_finite(np.array([np.nan]))
    assert NUMPY.max_abs(np.array([-3.0, 2.0])) == 3.0
    assert get_backend(p) is NUMPY
