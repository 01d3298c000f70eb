"""The back-propagation core (``_backprop.py``): gradients, resumable runs."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_sparsity._backprop import (
    BackpropWorkspace,
    backward,
    data_loss,
    forward,
    init_backprop_state,
    train_backprop,
)


def test_gradient_matches_finite_differences():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(5, 4))
    Y = np.eye(3)[rng.randint(3, size=5)]
    coefs = [rng.normal(size=(4, 6)), rng.normal(size=(6, 3))]
    intercepts = [rng.normal(size=6), rng.normal(size=3)]
    for loss in ["log_loss", "squared_error"]:
        ws = BackpropWorkspace(5, 4, coefs, np.float64)
        acts = forward(X, coefs, intercepts, loss, out=ws.acts)
        backward(X, Y, acts, coefs, loss, ws, first_trainable=0)
        eps = 1e-6
        for layer in range(2):
            for idx in [(0, 0), (1, 2), (3, 1)]:
                W = coefs[layer]
                old = W[idx]
                W[idx] = old + eps
                up = data_loss(forward(X, coefs, intercepts, loss)[-1], Y, loss)
                W[idx] = old - eps
                down = data_loss(forward(X, coefs, intercepts, loss)[-1], Y, loss)
                W[idx] = old
                numeric = (up - down) / (2 * eps) / 5  # mean loss
                # backward() returns the ascent direction: minus the gradient
                assert_allclose(-ws.grad_W[layer][idx], numeric, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
def test_relu_gradient_matches_finite_differences(loss):
    # Two ReLU hidden layers; inputs and weights keep every pre-activation
    # away from the kink at 0, where the derivative is not defined.
    rng = np.random.RandomState(3)
    X = rng.uniform(size=(6, 4))
    Y = np.eye(3)[rng.randint(3, size=6)]
    coefs = [rng.normal(size=(4, 5)), rng.normal(size=(5, 5)),
             rng.normal(size=(5, 3))]
    intercepts = [rng.normal(size=5), rng.normal(size=5), rng.normal(size=3)]
    acts = forward(X, coefs, intercepts, loss, activation="relu")
    assert (acts[0] == 0).any() and (acts[0] > 0).any()  # both branches
    ws = BackpropWorkspace(6, 4, coefs, np.float64)
    acts = forward(X, coefs, intercepts, loss, out=ws.acts, activation="relu")
    backward(X, Y, acts, coefs, loss, ws, first_trainable=0, activation="relu")
    eps = 1e-6

    def mean_loss():
        return data_loss(forward(X, coefs, intercepts, loss,
                                 activation="relu")[-1], Y, loss) / 6

    for layer in range(3):
        for idx in [(0, 0), (1, 2), (3, 1)]:
            W = coefs[layer]
            old = W[idx]
            W[idx] = old + eps
            up = mean_loss()
            W[idx] = old - eps
            down = mean_loss()
            W[idx] = old
            numeric = (up - down) / (2 * eps)
            assert_allclose(-ws.grad_W[layer][idx], numeric, rtol=1e-5, atol=1e-9)


def test_relu_forward_is_the_rectifier_and_the_output_is_unchanged():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(5, 3))
    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
    intercepts = [rng.normal(size=4), rng.normal(size=2)]
    hidden, out = forward(X, coefs, intercepts, "log_loss", activation="relu")
    assert_allclose(hidden, np.maximum(X @ coefs[0] + intercepts[0], 0))
    Z = hidden @ coefs[1] + intercepts[1]
    expected = np.exp(Z - Z.max(axis=1, keepdims=True))
    assert_allclose(out, expected / expected.sum(axis=1, keepdims=True))
    # loss=None: every layer is a hidden (rectifier) layer.
    top = forward(X, coefs, intercepts, None, activation="relu")[-1]
    assert_allclose(top, np.maximum(hidden @ coefs[1] + intercepts[1], 0))


def _state(seed=0, n_epochs=4, dtype=np.float64):
    rng = np.random.default_rng(seed)
    coefs = [rng.normal(0, 0.1, (6, 5)).astype(dtype),
             rng.normal(0, 0.1, (5, 3)).astype(dtype)]
    intercepts = [np.zeros(5, dtype), np.zeros(3, dtype)]
    return init_backprop_state(coefs, intercepts, np.random.default_rng(seed),
                               weight_decay=1e-3, momentum=(0.5, 0.9),
                               momentum_schedule="linear", n_epochs=n_epochs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_resumed_run_is_the_same_run(dtype):
    rng = np.random.default_rng(9)
    X = rng.random((30, 6)).astype(dtype)
    y = rng.integers(0, 3, 30)
    common = {"batch_size": 8, "learning_rate": 0.5, "loss": "log_loss",
              "first_trainable": 0, "shuffle": True, "tol": None,
              "n_iter_no_change": 10}
    whole = _state(dtype=dtype)
    result = train_backprop(whole, X, y, n_epochs=4, **common)
    parts = _state(dtype=dtype)
    first = train_backprop(parts, X, y, n_epochs=2, **common)
    second = train_backprop(parts, X, y, n_epochs=2, **common)
    for a, b in zip(whole.coefs + whole.intercepts,
                    parts.coefs + parts.intercepts):
        assert_array_equal(a, b)
    assert first["loss_curve"] + second["loss_curve"] == result["loss_curve"]


def test_frozen_layers_do_not_move():
    rng = np.random.default_rng(1)
    X, y = rng.random((20, 6)), rng.integers(0, 3, 20)
    state = _state()
    before = [W.copy() for W in state.coefs]
    train_backprop(state, X, y, n_epochs=2, batch_size=5, learning_rate=0.5,
                   loss="log_loss", first_trainable=1, shuffle=False, tol=None,
                   n_iter_no_change=10)
    assert_array_equal(state.coefs[0], before[0])
    assert not np.array_equal(state.coefs[1], before[1])


def test_early_stopping_keeps_the_best_epoch():
    rng = np.random.default_rng(2)
    X, y = rng.random((40, 6)), rng.integers(0, 3, 40)
    X_val, y_val = rng.random((20, 6)), rng.integers(0, 3, 20)
    state = _state(n_epochs=30)
    result = train_backprop(
        state, X, y, n_epochs=30, batch_size=10, learning_rate=1.0,
        loss="log_loss", first_trainable=0, shuffle=True, tol=0.0,
        n_iter_no_change=3, validation=(X_val, y_val))
    scores = result["validation_scores"]
    assert result["best_validation_score"] == max(scores)
    probs = forward(X_val, state.coefs, state.intercepts, "log_loss")[-1]
    assert np.mean(probs.argmax(axis=1) == y_val) == max(scores)
