"""Continuing a fitted network: ``warm_start`` and ``partial_fit``.

One owner of the parameters (the training state: the optimiser updates the
very arrays the estimator reads), the refusals to continue a network whose
shape or units changed, and scikit-learn's ``MLPClassifier`` semantics of
``n_iter_``, ``t_``, ``loss_curve_`` and ``validation_scores_``.
"""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss

from sklearn_sparsity import PretrainedMLPClassifier, StackedRBMTransformer


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _early_stopped(**kwargs):
    """The issue's network: early stopping ends the first fit at epoch 10."""
    params = dict(pretrain=False, n_epochs=15, early_stopping=True,
                  n_iter_no_change=3, tol=0.0, learning_rate=0.5,
                  batch_size=50, random_state=0)
    return PretrainedMLPClassifier((32,), **{**params, **kwargs})


def assert_one_owner(est):
    """The optimiser updates the arrays the training state and ``coefs_`` hold."""
    state = est._backprop_state_
    params = state.coefs + state.intercepts
    assert len(state.optimizer.params) == len(params)
    for held, own in zip(state.optimizer.params, params):
        assert held is own
    for fitted, own in zip(est.coefs_ + est.intercepts_, params):
        assert fitted is own


def assert_stack_one_owner(stack):
    for state, W, b, c in zip(stack._cd_states_, stack.coefs_,
                              stack.intercepts_, stack.visible_intercepts_):
        assert state.optimizer.params[0] is state.W is W
        assert state.optimizer.params[1] is state.b is b
        assert state.optimizer.params[2] is state.c is c


def _fit_quietly(est, *args, method="fit", **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return getattr(est, method)(*args, **kwargs)


# --------------------------------------------- one owner of the parameters
def test_warm_start_after_early_stopping_keeps_training(digits):
    X, y = digits
    clf = _fit_quietly(_early_stopped(warm_start=True), X, y)
    assert clf.n_iter_ < 15  # early stopping restored the best epoch's weights
    assert_one_owner(clf)
    before = [W.copy() for W in clf.coefs_]
    start_loss = log_loss(y, clf.predict_proba(X))
    _fit_quietly(clf, X, y)
    assert_one_owner(clf)
    moved = max(np.abs(W - W0).max() for W, W0 in zip(clf.coefs_, before))
    assert moved > 1e-3
    assert log_loss(y, clf.predict_proba(X)) < start_loss
    # The second fit's own loss curve is not flat.
    second = clf.loss_curve_[-clf.n_iter_:]
    assert len(set(second)) == len(second)


def test_partial_fit_after_early_stopping_keeps_training(digits):
    X, y = digits
    clf = _fit_quietly(_early_stopped(), X, y)
    clf.set_params(early_stopping=False)
    before = [W.copy() for W in clf.coefs_]
    start_loss = log_loss(y, clf.predict_proba(X))
    for _ in range(3):
        clf.partial_fit(X, y)
        assert_one_owner(clf)
    moved = max(np.abs(W - W0).max() for W, W0 in zip(clf.coefs_, before))
    assert moved > 1e-3
    assert log_loss(y, clf.predict_proba(X)) < start_loss


@pytest.mark.parametrize("early_stopping", [False, True])
def test_every_fitting_path_keeps_one_owner(digits, early_stopping):
    X, y = digits
    X, y = X[:400], y[:400]
    clf = _early_stopped(n_epochs=4, warm_start=True,
                         early_stopping=early_stopping)
    _fit_quietly(clf, X, y)
    assert_one_owner(clf)
    _fit_quietly(clf, X, y)
    assert_one_owner(clf)
    clf.set_params(early_stopping=False)
    clf.partial_fit(X, y)
    assert_one_owner(clf)
    stream = _early_stopped(early_stopping=False)
    stream.partial_fit(X, y, classes=np.unique(y))
    stream.partial_fit(X, y)
    assert_one_owner(stream)


def test_the_stack_keeps_one_owner(digits, tmp_path):
    X = digits[0][:300]
    stack = StackedRBMTransformer((16, 8), n_epochs=2, batch_size=50,
                                  warm_start=True, validation_fraction=0.1,
                                  random_state=0).fit(X)
    assert_stack_one_owner(stack)
    before = [W.copy() for W in stack.coefs_]
    stack.fit(X)
    assert_stack_one_owner(stack)
    assert all(not np.array_equal(W, W0) for W, W0 in zip(stack.coefs_, before))
    stack.partial_fit(X)
    assert_stack_one_owner(stack)
    # Layers loaded from the cache (unpickled) keep training, too.
    for _ in range(2):
        cached = StackedRBMTransformer((16,), n_epochs=2, batch_size=50,
                                       warm_start=True, memory=str(tmp_path),
                                       random_state=0).fit(X)
    assert_stack_one_owner(cached)
    before = cached.coefs_[0].copy()
    cached.fit(X)
    assert not np.array_equal(cached.coefs_[0], before)


def test_torch_warm_start_after_early_stopping_keeps_training(digits):
    torch = pytest.importorskip("torch")
    X, y = digits
    X_t = torch.asarray(X[:600], dtype=torch.float32)
    y_t = torch.asarray(y[:600])
    with sklearn.config_context(array_api_dispatch=True):
        clf = _fit_quietly(_early_stopped(warm_start=True, n_epochs=8), X_t,
                           y_t)
        assert_one_owner(clf)
        before = [W.clone() for W in clf.coefs_]
        _fit_quietly(clf, X_t, y_t)
        assert_one_owner(clf)
        moved = max(float((W - W0).abs().max())
                    for W, W0 in zip(clf.coefs_, before))
    assert moved > 1e-3


def test_a_network_saved_with_joblib_keeps_training(digits):
    import io

    import joblib

    X, y = digits
    X, y = X[:400], y[:400]
    clf = _fit_quietly(_early_stopped(warm_start=True, early_stopping=False,
                                      n_epochs=3), X, y)
    buffer = io.BytesIO()
    joblib.dump(clf, buffer)  # joblib does not keep the arrays' identity
    buffer.seek(0)
    loaded = joblib.load(buffer)
    state = loaded._backprop_state_
    assert all(held is own for held, own in zip(
        state.optimizer.params, state.coefs + state.intercepts))
    before = [W.copy() for W in loaded.coefs_]
    _fit_quietly(loaded, X, y)
    assert_one_owner(loaded)
    assert all(not np.array_equal(W, W0) for W, W0 in zip(loaded.coefs_, before))


# ------------------------------------- counting epochs, as scikit-learn does
def _iris():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


def _counters(est):
    scores = getattr(est, "validation_scores_", None)
    return (est.n_iter_, len(est.loss_curve_), est.t_,
            None if scores is None else len(scores))


def test_warm_start_and_partial_fit_count_like_mlpclassifier():
    from sklearn.neural_network import MLPClassifier

    X, y = _iris()
    # No stopping criterion in either (tol=None; a huge n_iter_no_change).
    ours = dict(pretrain=False, tol=None, random_state=0, batch_size=200)
    theirs = dict(solver="sgd", random_state=0, n_iter_no_change=10**6)
    runs = [
        # warm_start: two fits of 3 epochs.
        (lambda: PretrainedMLPClassifier((8,), n_epochs=3, warm_start=True,
                                         **ours),
         lambda: MLPClassifier((8,), max_iter=3, warm_start=True, **theirs),
         lambda est: est.fit(X, y).fit(X, y)),
        # Early stopping: validation scores accumulate like the losses.
        (lambda: PretrainedMLPClassifier(
            (8,), n_epochs=4, warm_start=True, early_stopping=True,
            **{**ours, "tol": 0.0, "n_iter_no_change": 100}),
         lambda: MLPClassifier((8,), max_iter=4, warm_start=True,
                               early_stopping=True,
                               **{**theirs, "n_iter_no_change": 100}),
         lambda est: est.fit(X, y).fit(X, y)),
        # partial_fit, three calls; and a fit followed by a partial_fit.
        (lambda: PretrainedMLPClassifier((8,), **ours),
         lambda: MLPClassifier((8,), **theirs),
         lambda est: [est.partial_fit(X, y, classes=[0, 1, 2])
                      for _ in range(3)][-1]),
        (lambda: PretrainedMLPClassifier((8,), n_epochs=3, **ours),
         lambda: MLPClassifier((8,), max_iter=3, **theirs),
         lambda est: est.fit(X, y).partial_fit(X, y)),
    ]
    for make_ours, make_theirs, fit in runs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            expected = _counters(fit(make_theirs()))
            assert _counters(fit(make_ours())) == expected
    assert expected == (1, 4, 600, None)


# ------------------------------------------- refusals scikit-learn makes too
def _snapshot(est):
    return {name: (value.copy() if isinstance(value, np.ndarray) else
                   [v.copy() for v in value] if isinstance(value, list)
                   and value and isinstance(value[0], np.ndarray)
                   else list(value) if isinstance(value, list) else value)
            for name, value in vars(est).items()
            if name.endswith("_") and not name.startswith("_")}


def assert_unchanged(est, before):
    after = _snapshot(est)
    assert after.keys() == before.keys()
    for name, value in before.items():
        if isinstance(value, list) and value and isinstance(value[0],
                                                            np.ndarray):
            assert all(np.array_equal(a, b) for a, b in zip(after[name], value))
        else:
            assert np.array_equal(after[name], value), name


def test_partial_fit_refuses_other_classes_like_mlpclassifier(digits):
    from sklearn.neural_network import MLPClassifier

    X, y = digits
    X, y = X[:200], (digits[1][:200] % 2)
    with pytest.raises(ValueError, match="is not the same as on last call"):
        MLPClassifier((4,)).partial_fit(X, y, classes=[0, 1]).partial_fit(
            X, y, classes=[1, 2])
    clf = _early_stopped(early_stopping=False).partial_fit(X, y,
                                                           classes=[0, 1])
    before = _snapshot(clf)
    with pytest.raises(ValueError, match=r"classes=array\(\[1, 2\]\) is not "
                       r"the same as on the first call to partial_fit "
                       r"\(\[0, 1\]\)\. Pass the same classes"):
        clf.partial_fit(X, y, classes=np.array([1, 2]))
    assert_unchanged(clf, before)
    clf.partial_fit(X, y, classes=[1, 0])  # the same classes, in any order
    clf.partial_fit(X, y)


def test_partial_fit_refuses_early_stopping_like_mlpclassifier(digits):
    from sklearn.neural_network import MLPClassifier

    X, y = digits
    with pytest.raises(ValueError, match="partial_fit does not support "
                       "early_stopping=True"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=range(10))
    clf = _early_stopped()
    with pytest.raises(ValueError, match="partial_fit does not support "
                       "early_stopping=True .* Set early_stopping=False"):
        clf.partial_fit(X, y, classes=range(10))
    assert not hasattr(clf, "coefs_")
    fitted = _fit_quietly(_early_stopped(n_epochs=2), X, y)
    before = _snapshot(fitted)
    with pytest.raises(ValueError, match="early_stopping=True"):
        fitted.partial_fit(X, y)
    assert_unchanged(fitted, before)


@pytest.mark.parametrize("n_samples, labels, fraction, match", [
    (2, [0, 1], 0.1, "class 0 has 1"),  # used to fit on scores of 0.0
    (40, [0] * 20 + [1] * 19 + [7], 0.1, "class 7 has 1"),
    (40, [0, 1, 2, 3] * 10, 0.05, "holds out 2 of 40 samples, but .* each "
                                  "of the 4 classes on each side"),
    (40, [0, 1, 2, 3] * 10, 0.95, "holds out 38 of 40"),
])
def test_early_stopping_refuses_a_split_it_cannot_stratify(
        digits, n_samples, labels, fraction, match):
    X = digits[0][:n_samples]
    y = np.array(labels)
    clf = _early_stopped(validation_fraction=fraction, n_epochs=2)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="early_stopping=False"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_") and not hasattr(clf, "classes_")
    # A fitted classifier keeps its previous fit.
    fitted = _fit_quietly(_early_stopped(n_epochs=2), digits[0][:300],
                          digits[1][:300])
    before = _snapshot(fitted)
    with pytest.raises(ValueError, match=match):
        fitted.set_params(validation_fraction=fraction).fit(X, y)
    assert_unchanged(fitted, before)
    # scikit-learn refuses the two-sample case too.
    if n_samples == 2:
        from sklearn.neural_network import MLPClassifier

        with pytest.raises(ValueError):
            MLPClassifier(early_stopping=True).fit(X, y)


# ------------------------------------- a continued network keeps its shape
@pytest.mark.parametrize("change, match", [
    ({"hidden_layer_sizes": (4,)}, r"hidden_layer_sizes=\(4,\) \(fitted with "
                                   r"\(32,\)\)"),
    ({"hidden_layer_sizes": (8, 8)}, "hidden_layer_sizes=.8, 8. .fitted"),
    ({"activation": "relu"}, "activation='relu' .fitted with 'logistic'."),
    ({"loss": "squared_error"}, "loss='squared_error' .fitted with "
                                "'log_loss'."),
    ({"visible_units": "gaussian"}, "visible_units='gaussian'"),
    ("features", "X has 10 features, but PretrainedMLPClassifier is "
                 "expecting 64 features as input"),
])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_continued_network_refuses_a_new_shape(digits, change, match, method):
    X, y = digits
    X, y = X[:200], y[:200]
    clf = _early_stopped(early_stopping=False, warm_start=True, n_epochs=2)
    clf = _fit_quietly(clf, X, y)
    before = _snapshot(clf)
    if change == "features":
        X = X[:, :10]
    else:
        clf.set_params(**change)
    with pytest.raises(ValueError, match=match) as error:
        getattr(clf, method)(X, y)
    assert "Restore the fitted value" in str(error.value)
    assert "warm_start=False" in str(error.value)
    assert_unchanged(clf, before)


def test_warm_start_refuses_new_classes_and_keeps_the_fit(digits):
    X, y = digits
    clf = _fit_quietly(_early_stopped(early_stopping=False, warm_start=True,
                                      n_epochs=2), X[:200], y[:200])
    before = _snapshot(clf)
    with pytest.raises(ValueError, match="classes .*warm_start=False"):
        clf.fit(X[:200], y[:200] % 3)
    assert_unchanged(clf, before)
    # Restoring the parameter, or warm_start=False, fits again.
    clf.set_params(hidden_layer_sizes=(4,), warm_start=False)
    assert [W.shape[1] for W in _fit_quietly(clf, X[:200], y[:200]).coefs_
            ] == [4, 10]
