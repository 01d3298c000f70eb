"""The classifier's fitting steps (``_mlp_fitting``): the did-not-learn check."""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sklearn_sparsity import PretrainedMLPClassifier, _mlp_fitting


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:500] / 16.0).astype(np.float32), y[:500]


def _rows_checked(monkeypatch):
    """Count the rows that the check runs through the network."""
    seen = []
    forward = _mlp_fitting.forward

    def counting(X, *args, **kwargs):
        seen.append(X.shape[0])
        return forward(X, *args, **kwargs)

    monkeypatch.setattr(_mlp_fitting, "forward", counting)
    return seen


@pytest.mark.parametrize("weighted", [False, True])
def test_at_chance_warning_reports_the_accuracy_of_every_row(digits, weighted,
                                                             monkeypatch):
    X, y = digits
    w = np.random.default_rng(0).uniform(0.5, 2.0, y.shape[0]) if weighted else None
    seen = _rows_checked(monkeypatch)
    clf = PretrainedMLPClassifier((32,), pretrain=False, init="normal",
                                  n_epochs=2, learning_rate=1e-4,
                                  batch_size=64, tol=None, random_state=0)
    with pytest.warns(ConvergenceWarning, match="did not learn") as record:
        clf.fit(X, y, sample_weight=w)
    # Every row, in minibatch-sized chunks (the last one shorter).
    assert seen == [64] * 7 + [52]
    hits = clf.predict(X) == y
    expected = hits.mean() if w is None else hits @ w / w.sum()
    message = str(record[0].message)
    assert re.search(r"accuracy \(([0-9.]+)\)", message)[1] == f"{expected:.3f}"


def test_a_network_that_learned_is_checked_on_a_few_chunks(digits,
                                                           monkeypatch):
    X, y = digits
    seen = _rows_checked(monkeypatch)
    clf = PretrainedMLPClassifier((32,), pretrain=False, n_epochs=20,
                                  batch_size=20, tol=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.score(X, y) > 0.5
    # The accuracy above chance (0.11 here) is settled well before the end.
    assert all(n == 20 for n in seen)
    assert sum(seen) < X.shape[0] // 2
