"""Every operation of the array API backends against the numpy backend's.

The training loops call only backend operations, so an operation that
agrees with its numpy version (same inputs, same outputs, same buffers
changed) makes the loops agree. Run on ``array_api_strict`` (every
operation, random draws included: it draws the numpy stream on the host)
and on PyTorch's CPU device (its own in-place forms; its random draws are
its own, so they are checked for their distribution and placement only).
"""

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_sparsity._array_api import ArrayAPIBackend, backend_for, to_numpy
from sklearn_sparsity._backend import NUMPY

NAMESPACES = ["array_api_strict", "torch"]


def _backend(name):
    module = pytest.importorskip(name)
    if name == "torch":
        from sklearn.externals.array_api_compat import torch as xp

        return backend_for(xp, module.device("cpu"))
    return backend_for(module, module.Device("CPU_DEVICE"))


def _np(a):
    with sklearn.config_context(array_api_dispatch=True):
        return to_numpy(a)


def _pair(backend, *arrays):
    """Copies of numpy ``arrays`` for NUMPY and for ``backend``."""
    return ([a.copy() for a in arrays],
            [backend.asarray(a, copy=True) for a in arrays])


# Two columns at least: the HSPM of a 1-vector is undefined (0 / 0).
shapes = st.tuples(st.integers(1, 6), st.integers(2, 5))


@pytest.mark.parametrize("name", NAMESPACES)
@settings(max_examples=15)
@given(shape=shapes, seed=st.integers(0, 2**16), scale=st.sampled_from(
    [1.0, -0.25, 3.0]))
def test_element_wise_operations_agree(name, shape, seed, scale):
    backend = _backend(name)
    rng = np.random.default_rng(seed)
    Z = rng.normal(0, 4, shape)
    b = rng.normal(0, 1, shape[1])
    A = rng.random(shape)
    for op, args in [("sigmoid_affine_", (b, scale)), ("affine_", (b, scale)),
                     ("relu_affine_", (b,)), ("softmax_", ())]:
        (Zn,), (Zx,) = _pair(backend, Z)
        extra = [backend.asarray(a) if isinstance(a, np.ndarray) else a
                 for a in args]
        getattr(NUMPY, op)(Zn, *args)
        getattr(backend, op)(Zx, *extra)
        assert_allclose(_np(Zx), Zn, rtol=1e-12, atol=1e-15, err_msg=op)
    for op in ("mul_sigmoid_grad_", "mul_relu_grad_"):
        (Dn, An), (Dx, Ax) = _pair(backend, Z, A - 0.5)
        getattr(NUMPY, op)(Dn, An, np.empty(Dn.size))
        getattr(backend, op)(Dx, Ax, None)
        assert_allclose(_np(Dx), Dn, rtol=1e-12, atol=1e-15, err_msg=op)


@pytest.mark.parametrize("name", NAMESPACES)
@settings(max_examples=15)
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_products_gathers_and_reductions_agree(name, shape, seed):
    backend = _backend(name)
    rng = np.random.default_rng(seed)
    n, m = shape
    X = rng.random((n + 3, m))
    W = rng.normal(0, 1, (m, 4))
    v = rng.normal(0, 1, n + 3)
    w = rng.random(n) + 0.1
    rows = rng.permutation(n + 3)[:n]
    Xx, Wx, vx, wx = (backend.asarray(a) for a in (X, W, v, w))
    rows_x = backend.asarray(rows)

    assert_allclose(_np(backend.matmul(Xx, Wx)), X @ W, rtol=1e-12)
    out = backend.empty((n + 3, 4), np.float64)
    backend.matmul(Xx, Wx, out=out)
    assert_allclose(_np(out), X @ W, rtol=1e-12)
    out1 = backend.empty(m, np.float64)
    backend.matmul(vx, Xx, out=out1)  # a row vector times a matrix
    assert_allclose(_np(out1), v @ X, rtol=1e-12)

    buf = backend.empty((n, m), np.float64)
    assert_array_equal(_np(backend.take_rows(Xx, rows_x, buf)), X[rows])
    assert_array_equal(_np(backend.take_rows(Xx, None, buf, start=2,
                                             contiguous=True)), X[2:2 + n])
    assert_array_equal(_np(backend.gather_rows(Xx, rows_x, buf)), X[rows])
    assert_array_equal(_np(backend.take(vx, rows_x)), v[rows])

    D = X[:n]
    Dx = backend.asarray(D)
    sums = backend.empty(m, np.float64)
    assert_allclose(_np(backend.sum_rows(Dx, sums)), D.sum(axis=0), rtol=1e-12)
    assert_allclose(_np(backend.row_scale(wx, 0.3, np.float64)),
                    NUMPY.row_scale(w, 0.3, np.float64), rtol=1e-12)
    for op in ("row_sum_squares", "row_sums", "logaddexp0", "hoyer_rows"):
        assert_allclose(_np(getattr(backend, op)(Dx)), getattr(NUMPY, op)(D),
                        rtol=1e-12, atol=1e-15, err_msg=op)
    for op in ("sum_squares", "total", "mean", "max_abs"):
        assert float(getattr(backend, op)(Dx)) == pytest.approx(
            getattr(NUMPY, op)(D), rel=1e-12), op
    assert backend.min_max(Dx) == NUMPY.min_max(D)
    assert_allclose(_np(backend.row_dot(Dx, Dx)), NUMPY.row_dot(D, D),
                    rtol=1e-12)
    assert float(backend.dot(wx, backend.row_sums(Dx))) == pytest.approx(
        NUMPY.dot(w, D.sum(axis=1)), rel=1e-12)
    assert_allclose(_np(backend.neg_log_clip(Dx, 1e-3)),
                    NUMPY.neg_log_clip(D, 1e-3), rtol=1e-12)
    assert backend.count_true(Dx > 0.5) == NUMPY.count_true(D > 0.5)
    assert_array_equal(backend.argmax_rows(Dx), NUMPY.argmax_rows(D))


@pytest.mark.parametrize("name", NAMESPACES)
def test_labels_and_accuracy_agree(name):
    backend = _backend(name)
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, 30)
    P = rng.random((30, 4))
    w = rng.random(30)
    yx, Px, wx = backend.asarray(y), backend.asarray(P), backend.asarray(w)
    assert_array_equal(_np(backend.one_hot(yx, 4, np.float32)),
                       NUMPY.one_hot(y, 4, np.float32))
    assert backend.hit_rate(Px, yx) == pytest.approx(NUMPY.hit_rate(P, y))
    assert backend.hit_rate(Px, yx, wx) == pytest.approx(
        NUMPY.hit_rate(P, y, w), rel=1e-12)


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("decay", [0.0, 1e-3])
def test_momentum_update_agrees(name, decay):
    backend = _backend(name)
    rng = np.random.default_rng(2)
    P, V, G = rng.normal(size=(3, 5, 4))
    (Pn, Vn, Gn), (Px, Vx, Gx) = _pair(backend, P, V, G)
    NUMPY.momentum_update_(Pn, Vn, Gn, 0.7, decay)
    backend.momentum_update_(Px, Vx, Gx, 0.7, decay)
    assert_allclose(_np(Px), Pn, rtol=1e-14)
    assert_allclose(_np(Vx), Vn, rtol=1e-14)
    # The whole list at once (torch: multi-tensor kernels), decayed and not.
    many = rng.normal(size=(3, 3, 4, 2))
    (Pn, Vn, Gn), (Px, Vx, Gx) = _pair(backend, *many)
    Pn, Vn, Gn = list(Pn), list(Vn), list(Gn)
    Px, Vx, Gx = ([a[i, ...] for i in range(3)] for a in (Px, Vx, Gx))
    decays = [decay, 0.0, decay]
    NUMPY.momentum_updates_(Pn, Vn, Gn, 0.7, decays)
    backend.momentum_updates_(Px, Vx, Gx, 0.7, decays)
    for got, expected in zip(Px + Vx, Pn + Vn):
        assert_allclose(_np(got), expected, rtol=1e-14)


def test_host_drawn_samples_are_the_numpy_path_s():
    """array_api_strict draws the numpy stream: the same samples, bit for bit."""
    backend = _backend("array_api_strict")
    seed = np.random.SeedSequence(7)
    gen_n, gen_x = NUMPY.rng(seed), backend.rng(seed)
    p = np.random.default_rng(0).random((6, 5))
    for _ in range(2):
        out_n, u_n = np.empty((6, 5)), np.empty((6, 5), np.float32)
        out_x = backend.empty((6, 5), np.float64)
        u_x = backend.empty((6, 5), np.float32)
        NUMPY.sample_bernoulli_(p, u_n, out_n, gen_n)
        backend.sample_bernoulli_(backend.asarray(p), u_x, out_x, gen_x)
        assert_array_equal(_np(out_x), out_n)
        NUMPY.sample_gaussian_(p, u_n, out_n, gen_n)
        backend.sample_gaussian_(backend.asarray(p), u_x, out_x, gen_x)
        assert_array_equal(_np(out_x), out_n)
    order_n, order_x = np.arange(9), backend.arange(9)
    NUMPY.shuffle_(order_n, gen_n)
    backend.shuffle_(order_x, gen_x)
    assert_array_equal(_np(order_x), order_n)
    assert_array_equal(_np(backend.normal(gen_x, 0.0, 0.01, (3, 2), np.float32)),
                       NUMPY.normal(gen_n, 0.0, 0.01, (3, 2), np.float32))


def test_torch_draws_have_the_right_distribution_and_place():
    torch = pytest.importorskip("torch")
    backend = _backend("torch")
    generator = backend.rng(np.random.SeedSequence(3))
    p = torch.full((400, 50), 0.3, dtype=torch.float64)
    u = backend.empty((400, 50), np.float32)
    out = backend.empty((400, 50), np.float64)
    backend.sample_bernoulli_(p, u, out, generator)
    assert set(torch.unique(out).tolist()) <= {0.0, 1.0}
    assert float(out.mean()) == pytest.approx(0.3, abs=0.02)
    backend.sample_gaussian_(p, u, out, generator)
    assert float(out.mean()) == pytest.approx(0.3, abs=0.02)
    assert float(out.std()) == pytest.approx(1.0, abs=0.02)
    order = backend.arange(50)
    backend.shuffle_(order, generator)
    assert sorted(order.tolist()) == list(range(50))
    assert out.device == u.device == order.device == torch.device("cpu")


def test_backends_compare_by_namespace_and_device():
    xp = pytest.importorskip("array_api_strict")
    first = ArrayAPIBackend(xp, xp.Device("CPU_DEVICE"))
    assert first == ArrayAPIBackend(xp, xp.Device("CPU_DEVICE"))
    assert first != ArrayAPIBackend(xp, xp.Device("device1"))
    assert first != NUMPY
