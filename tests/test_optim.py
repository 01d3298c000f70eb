"""The optimiser (``_optim.py``): momentum schedules, the update, its state."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_sparsity._optim import MomentumSGD, momentum_at


@pytest.mark.parametrize(
    "epoch, n_epochs, expected",
    [(0, 10, 0.5), (1, 10, 0.58), (4, 10, 0.82), (5, 10, 0.9), (9, 10, 0.9),
     (0, 1, 0.5), (1, 3, 0.9), (25, 50, 0.9), (12, 50, 0.5 + 0.4 * 12 / 25)],
)
def test_momentum_ramp(epoch, n_epochs, expected):
    assert momentum_at(epoch, n_epochs, (0.5, 0.9)) == pytest.approx(expected)


def test_constant_momentum():
    assert momentum_at(7, 10, 0.3) == 0.3




@pytest.mark.parametrize(
    "epoch, n_epochs, expected",
    [(0, 50, 0.5), (24, 50, 0.5), (25, 50, 0.9), (49, 50, 0.9),
     (0, 3, 0.5), (1, 3, 0.9), (0, 1, 0.5)],
)
def test_momentum_step_of_figure_1a(epoch, n_epochs, expected):
    # The caption of Figure 1(a): 0.5 in the first 25 epochs, 0.9 in the
    # rest 25 (of 50).
    assert momentum_at(epoch, n_epochs, (0.5, 0.9), "step") == expected


def test_update_with_weight_decay_on_weights_only():
    # velocity = m v + lr * ascent - lr * decay * param; param += velocity.
    W, b = np.ones((2, 2)), np.ones(2)
    opt = MomentumSGD([W, b], [True, False], weight_decay=0.1, momentum=0.5)
    opt.step([np.full((2, 2), 2.0), np.full(2, 2.0)], learning_rate=0.5)
    assert_allclose(W, 1 + 0.5 * 2 - 0.5 * 0.1 * 1)  # v = 0.95
    assert_allclose(b, 1 + 0.5 * 2)  # v = 1, no decay
    opt.step([np.zeros((2, 2)), np.zeros(2)], learning_rate=0.5)
    assert_allclose(opt.velocities[0], 0.5 * 0.95 - 0.5 * 0.1 * 1.95)
    assert_allclose(W, 1.95 + 0.5 * 0.95 - 0.5 * 0.1 * 1.95)
    assert_allclose(b, 2.0 + 0.5 * 1.0)


def test_the_optimiser_owns_its_schedule():
    opt = MomentumSGD([np.zeros(1)], [False], 0.0, (0.5, 0.9), n_epochs=4)
    seen = [opt.momentum]
    for _ in range(4):
        opt.iteration_ends()
        seen.append(opt.momentum)
    assert opt.epoch == 4
    assert seen == pytest.approx([0.5, 0.7, 0.9, 0.9, 0.9])
    step = MomentumSGD([np.zeros(1)], [False], 0.0, (0.5, 0.9),
                       schedule="step", n_epochs=4)
    step.iteration_ends()
    assert step.momentum == 0.5
    step.iteration_ends()
    assert step.momentum == 0.9
