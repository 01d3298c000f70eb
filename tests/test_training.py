"""The epoch driver (``_training.py``): divergence, monitors, hooks, batches."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_sparsity._training import (
    KeepBest,
    NoImprovement,
    check_divergence,
    minibatches,
    run_epochs,
)


def test_minibatches_cover_the_order_and_carry_weights():
    order = np.array([4, 2, 0, 1, 3])
    weights = np.arange(5.0) * 10
    batches = list(minibatches(order, 2, weights))
    assert [start for start, _, _ in batches] == [0, 2, 4]
    assert_array_equal(np.concatenate([rows for _, rows, _ in batches]), order)
    assert_array_equal(batches[0][2], [40.0, 20.0])
    assert all(w is None for _, _, w in minibatches(order, 2))


@pytest.mark.parametrize("weights, loss, match", [
    ([np.array([np.nan])], 0.0, "became NaN or infinite"),
    ([np.ones(2)], np.inf, "became NaN or infinite"),
    ([np.array([2e6])], 0.0, "reached 2e\\+06 in magnitude"),
])
def test_one_divergence_check(weights, loss, match):
    with pytest.raises(ValueError, match=f"X diverged at epoch 3: .*{match}"
                       ".*smaller learning_rate \\(got 0.5\\)"):
        check_divergence("X", 3, 0.5, weights, loss)
    check_divergence("X", 3, 0.5, [np.ones(2) * 1e6], 1.0)  # at the limit


def test_no_improvement_stops_after_patience():
    losses = iter([5.0, 4.0, 3.99, 3.98, 3.97, 1.0])
    monitor = NoImprovement("loss", tol=0.1, patience=3)
    run = run_epochs(6, lambda: {"loss": next(losses)}, what="t",
                     learning_rate=1.0, weights=[], stop=[monitor])
    # 4.0 improves by 1 (> tol); 3.99, 3.98, 3.97 do not: stop after epoch 5.
    assert run.n_iter == 5 and run.stopped and monitor.best == 3.97


def test_tol_none_never_stops_and_keep_best_copies_the_best_parameters():
    params = [np.zeros(1)]
    scores = iter([0.2, 0.5, 0.4, 0.3])

    def epoch():
        params[0] += 1
        return {"loss": 0.0, "score": next(scores)}

    monitor = NoImprovement("score", tol=None, patience=1, greater_is_better=True)
    keep = KeepBest(monitor, params)
    run = run_epochs(4, epoch, what="t", learning_rate=1.0, weights=params,
                     stop=[monitor, keep])
    assert run.n_iter == 4 and not run.stopped
    assert_array_equal(keep.best_params[0], [2.0])  # epoch 2 scored best


def test_hooks_after_monitors_with_continued_numbering():
    calls = []
    run_epochs(2, lambda: {"loss": 1.0}, what="t", learning_rate=1.0,
               weights=[], stop=[lambda e: calls.append(("stop", e.epoch))],
               hooks=[lambda e: calls.append(("hook", e.epoch, e.n_epochs))],
               first_epoch=3)
    assert calls == [("stop", 4), ("hook", 4, 5), ("stop", 5), ("hook", 5, 5)]
