"""scikit-learn's estimator checks on fast instances of every estimator."""

import inspect
from unittest import mock

import sklearn
from _instances import INSTANCES, REAL_VALUED_INSTANCES, expected_failed_checks
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

# scikit-learn's checks adapt their data to an estimator's tags with this
# private helper; the tags know "positive_only" but not "in [0, 1]", so the
# tests wrap it. If scikit-learn renames it or changes its arguments, fail
# here, loudly, rather than run the checks on data the estimators reject.
_original_enforce = getattr(estimator_checks, "_enforce_estimator_tags_X", None)
_EXPECTED_PARAMETERS = ["estimator", "X", "X_test", "kernel"]
if _original_enforce is None or list(
        inspect.signature(_original_enforce).parameters) != _EXPECTED_PARAMETERS:
    raise RuntimeError(
        "sklearn.utils.estimator_checks._enforce_estimator_tags_X is gone or "
        f"changed (expected parameters {_EXPECTED_PARAMETERS}) in scikit-learn "
        f"{sklearn.__version__}: update _enforce_unit_interval in "
        "tests/test_common.py, which wraps it to keep the checks' data in "
        "[0, 1]."
    )


def _unit_interval(X):
    top = X.max()
    return X / top if top > 1 else X


def _enforce_unit_interval(estimator, X, X_test=None, **kwargs):
    """The checks' own data adaptation, then a rescale into [0, 1].

    scikit-learn's tags only know ``positive_only``: the checks shift X to be
    non-negative. Bernoulli visible units need [0, 1] (values above 1 are
    rejected by design, see ``test_rejects_values_outside_unit_interval``),
    so the same data is divided by its maximum as well.
    """
    out = _original_enforce(estimator, X, X_test, **kwargs)
    if not estimator.__sklearn_tags__().input_tags.positive_only:
        return out
    if X_test is None:
        return _unit_interval(out)
    return tuple(_unit_interval(a) for a in out)


@parametrize_with_checks(INSTANCES, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    with mock.patch.object(
        estimator_checks, "_enforce_estimator_tags_X", _enforce_unit_interval
    ):
        check(estimator)


@parametrize_with_checks(REAL_VALUED_INSTANCES,
                         expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_real_valued_estimator(estimator, check):
    # Plain checks: no adaptation of the checks' data (any finite input).
    check(estimator)


def test_param_validation():
    """Invalid parameter types and values are rejected with clear errors."""
    for estimator in [*INSTANCES, *REAL_VALUED_INSTANCES]:
        estimator_checks.check_param_validation(type(estimator).__name__, estimator)


def test_the_wrapped_helper_is_used_and_keeps_data_in_the_unit_interval():
    # The wrapper is what the checks call, and it rescales into [0, 1].
    import numpy as np

    calls = []

    def spy(*args, **kwargs):
        out = _enforce_unit_interval(*args, **kwargs)
        calls.append(out)
        return out

    with mock.patch.object(estimator_checks, "_enforce_estimator_tags_X", spy):
        estimator_checks.check_fit2d_1sample("stack", INSTANCES[0])
    assert calls and all(np.asarray(X).max() <= 1 for X in calls)


def test_html_repr_links_to_the_api_pages():
    for estimator in INSTANCES:
        link = estimator._get_doc_link()
        assert link.endswith(f"generated/sklearn_sparsity."
                             f"{type(estimator).__name__}.html")
        assert link in estimator._repr_html_()
