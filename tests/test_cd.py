"""The CD-k core (``_rbm.py``): one update by hand, resumable runs, hooks."""

import numpy as np
import pytest
import scipy.sparse as sp
from _reference import hand_cd1
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_sparsity._rbm import fit_rbm_layer, init_cd_state, train_cd


def test_cd1_matches_hand_computed_update():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(6, 5))
    seed = np.random.SeedSequence(123)
    W, b, c, hist = fit_rbm_layer(
        X, 4, n_epochs=1, learning_rate=0.3, batch_size=6, momentum=(0.5, 0.9),
        weight_decay=0.01, cd_steps=1, init_std=0.5, shuffle=False, seed=seed,
    )
    W_ref, b_ref, c_ref, err_ref = hand_cd1(
        X, np.random.SeedSequence(123), n_hidden=4, lr=0.3, momentum=0.5,
        weight_decay=0.01, init_std=0.5,
    )
    assert_allclose(W, W_ref, rtol=1e-12)
    assert_allclose(b, b_ref, rtol=1e-12)
    assert_allclose(c, c_ref, rtol=1e-12)
    assert_allclose(hist["reconstruction_error"][0], err_ref, rtol=1e-12)


def _state(X, n_hidden=4, n_epochs=4, seed=0):
    return init_cd_state(X.shape[1], n_hidden, dtype=X.dtype, init_std=0.1,
                         seed=seed, weight_decay=1e-3, momentum=(0.5, 0.9),
                         momentum_schedule="linear", n_epochs=n_epochs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_resumed_run_is_the_same_run(dtype):
    # Four epochs at once, or two and two more from the saved state: the
    # same parameters, bit for bit (weights, velocities, RNG, schedule).
    X = np.random.default_rng(0).random((40, 6)).astype(dtype)
    common = {"learning_rate": 0.2, "batch_size": 10, "cd_steps": 1,
              "shuffle": True}
    whole = train_cd(_state(X), X, n_epochs=4, **common)
    parts = _state(X)
    train_cd(parts, X, n_epochs=2, **common)
    assert parts.epoch == 2
    train_cd(parts, X, n_epochs=2, **common)
    assert parts.epoch == whole.epoch == 4
    for a, b in zip((whole.W, whole.b, whole.c), (parts.W, parts.b, parts.c)):
        assert_array_equal(a, b)
    assert whole.history == parts.history or all(
        np.array_equal(whole.history[k], parts.history[k])
        for k in ("reconstruction_error", "hspm"))


def test_fit_rbm_layer_is_init_then_train():
    X = np.random.default_rng(1).random((30, 5))
    kwargs = {"n_epochs": 3, "learning_rate": 0.1, "batch_size": 7,
              "cd_steps": 2, "shuffle": True}
    W, b, c, history = fit_rbm_layer(
        X, 4, momentum=(0.5, 0.9), weight_decay=1e-3, init_std=0.1, seed=0,
        **kwargs)
    state = train_cd(_state(X, n_epochs=3), X, **kwargs)
    assert_array_equal(W, state.W)
    assert_array_equal(c, state.c)
    assert history["hspm"].shape == (3,)


def test_sparse_input_gives_the_dense_result():
    X = np.random.default_rng(2).random((30, 5))
    X[X < 0.5] = 0
    common = {"n_epochs": 2, "learning_rate": 0.1, "batch_size": 8,
              "cd_steps": 1, "shuffle": True}
    dense = train_cd(_state(X), X, **common)
    sparse = train_cd(_state(X), sp.csr_matrix(X), **common)
    assert_allclose(dense.W, sparse.W, rtol=1e-12)


def test_hooks_hear_every_epoch_with_the_state():
    X = np.random.default_rng(3).random((20, 5))
    events = []
    state = train_cd(_state(X), X, n_epochs=3, learning_rate=0.1,
                     batch_size=10, cd_steps=1, shuffle=False, what="layer x",
                     hooks=[events.append])
    assert [(e.what, e.epoch, e.n_epochs) for e in events] == [
        ("layer x", 1, 3), ("layer x", 2, 3), ("layer x", 3, 3)]
    assert events[-1].state is state
    assert [e.values["hspm"] for e in events] == state.history["hspm"]
