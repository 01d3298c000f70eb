"""scikit-learn's estimator checks on fast instances of every estimator."""

from unittest import mock

from _instances import INSTANCES, expected_failed_checks
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

_original_enforce = estimator_checks._enforce_estimator_tags_X


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


def test_param_validation():
    """Invalid parameter types and values are rejected with clear errors."""
    for estimator in INSTANCES:
        estimator_checks.check_param_validation(type(estimator).__name__, estimator)
