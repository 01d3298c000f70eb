"""Reference computations written out from the equations, shared by tests."""

import numpy as np
from scipy.special import expit


def hand_cd1(X, seed, *, n_hidden, lr, momentum, weight_decay, init_std):
    """CD-1 on one minibatch holding all of X, written out from the equations."""
    gen = np.random.default_rng(seed)
    W = gen.normal(0.0, init_std, size=(X.shape[1], n_hidden))
    b = np.zeros(n_hidden)
    c = np.zeros(X.shape[1])
    u = gen.random(size=(X.shape[0], n_hidden), dtype=np.float32)
    h0 = expit(X @ W + b)
    h_sample = (u < h0).astype(float)
    v = expit(h_sample @ W.T + c)
    h1 = expit(v @ W + b)
    n = X.shape[0]
    dW = (X.T @ h0 - v.T @ h1) / n - weight_decay * W
    db = (h0 - h1).mean(axis=0)
    dc = (X - v).mean(axis=0)
    # velocities start at zero: velocity = momentum * 0 + lr * gradient
    return W + lr * dW, b + lr * db, c + lr * dc, ((X - v) ** 2).sum(axis=1).mean()
