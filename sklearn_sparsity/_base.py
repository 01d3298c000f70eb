"""Estimator glue shared by the stack and the classifier.

Nothing numerical here: how a fit changes an estimator's fitted attributes
(all together or not at all) and how each layer gets its seed.
"""

from contextlib import contextmanager

import numpy as np
from sklearn.utils import check_random_state


def _is_fitted_attribute(name):
    return name.endswith("_") and not name.startswith("__")


def _clear_fitted_attributes(estimator):
    """Remove every fitted attribute so a failed fit cannot look fitted."""
    for name in list(vars(estimator)):
        if _is_fitted_attribute(name):
            delattr(estimator, name)


@contextmanager
def atomic_fit(estimator):
    """Fitted attributes change all together or not at all.

    If the body raises anything (an error, or ``KeyboardInterrupt`` from
    Ctrl-C), the estimator's fitted attributes are put back as they were
    before: a fresh estimator stays unfitted (``NotFittedError``), a fitted
    one keeps its previous fit entirely. The exception then propagates.
    """
    saved = {name: value for name, value in vars(estimator).items()
             if _is_fitted_attribute(name)}
    try:
        yield
    except BaseException:
        _clear_fitted_attributes(estimator)
        for name, value in saved.items():
            setattr(estimator, name, value)
        raise


def layer_seeds(random_state, n_layers):
    """One independent seed per layer, drawn once from ``random_state``.

    Layer ``l``'s seed depends only on ``random_state`` and ``l`` (not on the
    number or size of the layers above), so stacks that share their lower
    layers' settings share those layers exactly, and a cache can reuse them.
    """
    rng = check_random_state(random_state)
    entropy = int(rng.randint(np.iinfo(np.int32).max))
    return [np.random.SeedSequence(entropy, spawn_key=(layer,))
            for layer in range(n_layers)]
