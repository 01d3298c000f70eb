"""Parameter checks shared by the estimators (input checks: ``_units.py``)."""

from numbers import Integral, Real

import numpy as np


def _is_int(value):
    """An integer that is not a bool (``True`` is an ``Integral`` in Python)."""
    return (isinstance(value, Integral | np.integer)
            and not isinstance(value, bool | np.bool_))


def reject_bools(estimator, names):
    """Raise a ``ValueError`` for bool values of integer parameters.

    ``True`` passes scikit-learn's ``Interval(Integral, ...)`` constraints,
    since ``bool`` subclasses ``int``; ``n_epochs=True`` is a mistake.
    """
    for name in names:
        value = getattr(estimator, name)
        if isinstance(value, bool | np.bool_):
            raise ValueError(
                f"{name} must be an integer, not a bool; got {value!r}.")


def check_hidden_layer_sizes(hidden_layer_sizes):
    """Return ``hidden_layer_sizes`` as a tuple of positive ints, or raise."""
    if _is_int(hidden_layer_sizes):
        sizes = (int(hidden_layer_sizes),)
    elif isinstance(hidden_layer_sizes, bool | np.bool_):
        sizes = None
    else:
        try:
            sizes = tuple(hidden_layer_sizes)
        except TypeError:
            sizes = None
        if sizes is not None:
            if not all(_is_int(s) for s in sizes):
                sizes = None
    if not sizes or any(s < 1 for s in sizes):
        raise ValueError(
            "hidden_layer_sizes must be a positive int or a non-empty sequence of "
            f"positive ints, one per hidden layer; got {hidden_layer_sizes!r}."
        )
    return tuple(int(s) for s in sizes)


def per_layer(value, n_layers, name, kind=Real):
    """Broadcast a scalar to one value per layer, or check a per-layer list.

    ``kind=Integral`` asks for positive integers (not bools), ``Real`` for
    positive finite numbers.
    """
    values = [value] * n_layers if np.ndim(value) == 0 else list(value)
    if len(values) != n_layers:
        raise ValueError(
            f"{name} must be a scalar or have one value per hidden layer "
            f"({n_layers}); got {len(values)} values: {value!r}."
        )
    for v in values:
        if kind is Integral:
            if not _is_int(v):
                raise ValueError(
                    f"Every value of {name} must be an integer; got {value!r}.")
        elif (isinstance(v, bool | np.bool_)
              or not isinstance(v, Real | np.number) or not np.isfinite(v)):
            raise ValueError(
                f"Every value of {name} must be a finite number; got {value!r}.")
        if v <= 0:
            raise ValueError(
                f"Every value of {name} must be a positive number; got {value!r}."
            )
    return values


def check_momentum(momentum):
    """Validate a scalar momentum or a (start, end) ramp, each in [0, 1)."""
    if isinstance(momentum, Real):
        values = (momentum,)
    else:
        values = tuple(momentum)
        if len(values) != 2:
            raise ValueError(
                "momentum must be a float or a (start, end) pair for the linear "
                f"ramp; got {momentum!r}."
            )
    if not all(isinstance(v, Real) and 0.0 <= v < 1.0 for v in values):
        raise ValueError(f"momentum values must lie in [0, 1); got {momentum!r}.")
    return momentum if isinstance(momentum, Real) else tuple(float(v) for v in values)
