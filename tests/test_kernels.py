"""The fused numba kernels give bitwise the numpy code's results."""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits

from sklearn_sparsity import PretrainedMLPClassifier, StackedRBMTransformer, _kernels

needs_numba = pytest.mark.skipif(
    not _kernels.NUMBA_ENABLED, reason="numba is not installed or is disabled"
)


def _numpy_only(monkeypatch):
    monkeypatch.setattr(_kernels, "NUMBA_ENABLED", False)


finite = st.floats(-4.0, 4.0, width=32, allow_subnormal=False)
unit = st.floats(0.0, 1.0, width=32, allow_subnormal=False)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(
    data=st.data(),
    momentum=st.floats(0.0, 0.99),
    decay=st.sampled_from([0.0, 1e-4, 0.05]),
)
def test_momentum_update_matches_numpy(dtype, data, momentum, decay):
    shape = data.draw(st.sampled_from([(7,), (5, 3), (1, 64)]))
    param, vel, ascent = (
        data.draw(arrays(dtype, shape, elements=finite)) for _ in range(3)
    )
    expected = [param.copy(), vel.copy(), ascent.copy()]
    _kernels._momentum_update_numpy(*expected, momentum, decay)
    got = [param.copy(), vel.copy(), ascent.copy()]
    _kernels.momentum_update(*got, momentum, decay)
    assert_array_equal(got[0], expected[0])
    assert_array_equal(got[1], expected[1])


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(data=st.data())
def test_mul_sigmoid_grad_matches_numpy(dtype, data):
    shape = data.draw(st.sampled_from([(4, 6), (1, 33)]))
    delta = data.draw(arrays(dtype, shape, elements=finite))
    A = data.draw(arrays(dtype, shape, elements=unit))
    expected = delta.copy()
    _kernels._mul_sigmoid_grad_numpy(expected, A, np.empty(A.size, dtype))
    got = delta.copy()
    _kernels.mul_sigmoid_grad(got, A, np.empty(A.size, dtype))
    assert_array_equal(got, expected)


def test_non_contiguous_arrays_use_the_numpy_path():
    rng = np.random.default_rng(0)
    param = np.asfortranarray(rng.standard_normal((6, 4)).astype(np.float32))
    vel = rng.standard_normal((6, 4)).astype(np.float32)
    ascent = rng.standard_normal((6, 4)).astype(np.float32)
    expected = [param.copy(order="F"), vel.copy(), ascent.copy()]
    _kernels._momentum_update_numpy(*expected, 0.9, 1e-3)
    _kernels.momentum_update(param, vel, ascent, 0.9, 1e-3)
    assert_array_equal(param, expected[0])
    assert_array_equal(vel, expected[1])


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fits_are_identical_with_and_without_numba(dtype, monkeypatch):
    X, y = load_digits(return_X_y=True)
    X = (X[:400] / 16.0).astype(dtype)
    y = y[:400]
    params = dict(hidden_layer_sizes=(24, 16), pretrain_epochs=2, n_epochs=3, tol=None,
                  learning_rate=0.1, random_state=0)

    def fit():
        rbm = StackedRBMTransformer((24, 16), n_epochs=2, learning_rate=0.1,
                                    random_state=0).fit(X)
        clf = PretrainedMLPClassifier(**params).fit(X, y)
        return rbm.coefs_ + rbm.intercepts_ + clf.coefs_ + clf.intercepts_

    fused = fit()
    with monkeypatch.context() as m:
        _numpy_only(m)
        plain = fit()
    for a, b in zip(fused, plain):
        assert a.dtype == dtype
        assert_array_equal(a, b)


def test_environment_variable_disables_numba():
    env = dict(os.environ, SKLEARN_SPARSITY_NUMBA="0")
    out = subprocess.run(
        [sys.executable, "-c",
         "from sklearn_sparsity import _kernels; print(_kernels.NUMBA_ENABLED)"],
        env=env, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "False"


def test_numba_that_fails_to_compile_falls_back_with_a_warning(monkeypatch):
    def broken(numba, cache):
        def kernel(*args):
            raise TypeError("no matching definition")
        return kernel, kernel, kernel

    monkeypatch.setattr(_kernels, "NUMBA_ENABLED", True)
    monkeypatch.setattr(_kernels, "_define_kernels", broken)
    if _kernels.importlib.util.find_spec("numba") is None:
        pytest.skip("numba is not installed")
    _kernels._compiled.cache_clear()
    try:
        rng = np.random.default_rng(1)
        param, vel, ascent = rng.standard_normal((3, 5, 4)).astype(np.float32)
        expected = [param.copy(), vel.copy(), ascent.copy()]
        _kernels._momentum_update_numpy(*expected, 0.5, 1e-3)
        with pytest.warns(RuntimeWarning, match="failed to compile.*numpy code"):
            _kernels.momentum_update(param, vel, ascent, 0.5, 1e-3)
        assert_array_equal(param, expected[0])
        assert_array_equal(vel, expected[1])
    finally:
        _kernels._compiled.cache_clear()
