"""Estimator glue shared by the stack and the classifier.

Nothing numerical here: the parameter constraints both estimators share, how
the sample weights are validated, how a fit changes an estimator's fitted
attributes (all together or not at all), how each layer gets its seed, the
check that inputs live where the fitted weights do, and the progress hooks
that print the verbose lines (the training loops themselves never print).
"""

from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight

from ._array_api import to_numpy
from ._optim import MOMENTUM_SCHEDULES


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


#: Where the HTML representation of an estimator links to (scikit-learn's
#: ``_doc_link_template``; the API pages are ``generated/<module>.<name>``).
DOC_LINK_TEMPLATE = ("https://sklearn-sparsity.readthedocs.io/en/latest/"
                     "generated/{estimator_module}.{estimator_name}.html")

#: Parameter constraints shared by both estimators (scikit-learn's
#: ``_parameter_constraints`` format). Each estimator adds its own.
SHARED_CONSTRAINTS = {
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "momentum": [Interval(Real, 0, 1, closed="left"), tuple, list],
    "momentum_schedule": [StrOptions(set(MOMENTUM_SCHEDULES))],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "init_std": [Interval(Real, 0, None, closed="left")],
    "shuffle": ["boolean"],
    "memory": [None, str, HasMethods(["cache"])],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


def rbm_epoch_printer(layer_index):
    """Progress hook printing one line per CD epoch of stack layer ``layer_index``."""

    def hook(event):
        values = event.values
        print(
            f"[StackedRBM] layer {layer_index}, epoch {event.epoch}/"
            f"{event.n_epochs}: reconstruction error "
            f"{values['reconstruction_error']:.4f}, HSPM {values['hspm']:.4f}, "
            f"{event.seconds:.2f} s",
            flush=True,
        )

    return hook


def backprop_epoch_printer(event):
    """Progress hook printing one line per back-propagation epoch."""
    message = f"loss {event.values['loss']:.5f}"
    if "validation_score" in event.values:
        message += f", validation accuracy {event.values['validation_score']:.4f}"
    print(f"[PretrainedMLP] epoch {event.epoch}/{event.n_epochs}: {message}, "
          f"{event.seconds:.2f} s", flush=True)


def check_same_backend(estimator, method, fitted_on, backend, X):
    """Raise unless ``X`` lives where the fitted weights do.

    ``fitted_on`` is the backend of the fit, ``backend`` that of ``X``; the
    message names the method (``Estimator.method()``) as scikit-learn's
    array API checks expect.
    """
    if backend == fitted_on:
        return
    raise ValueError(
        f"{type(estimator).__name__}.{method}() must use the same namespace "
        f"and device as fit: the estimator was fitted on {fitted_on.name} "
        f"arrays, X is a {backend.name} array ({type(X).__name__}). Pass X in "
        "the namespace and on the device of the fit (array API inputs need "
        "sklearn.set_config(array_api_dispatch=True)), or fit again."
    )


def check_weights(sample_weight, n_samples):
    """Validated, non-negative ``sample_weight``: a float64 numpy array.

    Weights of any namespace are validated on the host; the training loops
    move them to the data's device once per fit.
    """
    if sample_weight is None:
        return None
    return _check_sample_weight(to_numpy(sample_weight),
                                np.empty((n_samples, 0)), dtype=np.float64,
                                ensure_non_negative=True)
