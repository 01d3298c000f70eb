"""Activation overlapping degree (AOD), eqs. (7), (9) and (10) of Li et al. (2013).

A unit is *active* for an activation value ``h`` when ``|h| >= tau`` (eq. 7).
Each class ``c`` gets one binary vector ``Z(X_c)`` over the units (eq. 9);
the AOD of a set of classes is the fraction of units active in every one of
them (eq. 10), and the paper's "average AOD among k classes" is its mean over
all subsets of ``k`` classes, computed here in closed form.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._array_api import namespace_of, to_numpy
from ._validation import (
    _check_activations,
    _check_activations_xp,
    _check_ks,
    _check_labels,
    _float_dtypes,
    _host_labels,
)

# Entries of the (distinct counts x k) table built at once in _overlap_curve.
_TABLE_ELEMENTS = 2**20

#: The class summaries Z(X_c) of eq. (9); the first is the literal reading.
AGGREGATES = ("mean_data", "mean_input", "mean_activation")

_MODEL_AGGREGATE_MESSAGE = (
    "aggregate={aggregate!r} needs the model, not only the activations: "
    "'mean_data' (the paper's eq. 9 as written) is the layer's activation at "
    "the class mean of the data, 'mean_input' at the class mean of the "
    "layer's input. Use sklearn_sparsity.metrics.sparsity_report(estimator, "
    "X, y, aggregate={aggregate!r}) or a scorer from make_sparsity_scorer, "
    "or pass the activations of the class-mean samples yourself; on an "
    "activation matrix only aggregate='mean_activation' is defined."
)


_NO_TAU_MESSAGE = (
    "{func} needs tau, the activation threshold of eq. (7). The paper's rule "
    "chooses it per layer from the model (the largest threshold that leaves "
    "the layer's reconstruction unchanged), which an activation matrix does "
    "not carry: compute it with sklearn_sparsity.metrics."
    "select_activation_threshold(model, X, layer=...).tau, or let "
    "sparsity_report(model, X, y) or make_sparsity_scorer('aod') apply it "
    "(tau='auto', their default)."
)


def _check_tau(tau, func):
    if tau is None:
        raise TypeError(_NO_TAU_MESSAGE.format(func=func))


def _class_means(H, y):
    """Classes (sorted) and the float64 mean of the rows of ``H`` per class.

    Each mean is clipped to the range of its class's values, where the exact
    mean lies: rounding cannot move it out, so a class whose rows all equal
    ``tau`` has mean exactly ``tau`` (and counts as active, eq. 7 being
    ``>=``). The rows of one class at a time are gathered, so the extra
    memory is that of the largest class, not a copy of ``H``.
    """
    classes, inverse = np.unique(y, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(classes) + 1))
    means = np.empty((len(classes), H.shape[1]))
    for c in range(len(classes)):
        rows = H[order[bounds[c]:bounds[c + 1]]]
        np.sum(rows, axis=0, dtype=np.float64, out=means[c])
        means[c] /= rows.shape[0]
        np.clip(means[c], rows.min(axis=0), rows.max(axis=0), out=means[c])
    return classes, means


def _binarize(values, tau):
    """Eq. (7): 1 where ``|h| >= tau``, else 0, as int8."""
    return (np.abs(values) >= tau).view(np.int8)


def _class_activations(H, y, tau, aggregate):
    """Validated ``(classes, Z)``; the shared body of the public functions."""
    if aggregate != "mean_activation":
        raise ValueError(_MODEL_AGGREGATE_MESSAGE.format(aggregate=aggregate))
    H = _check_activations(H)
    y = _check_labels(y, H.shape[0])
    classes, means = _class_means(H, y)
    return classes, _binarize(means, tau)


def _class_means_xp(H, y, xp, device):
    """:func:`_class_means` of an array API ``H``, on its device.

    ``y`` holds validated labels on the host: the classes and the rows of
    each are found there (labels are small), the rows gathered with
    ``xp.take`` and averaged on the device, in the widest float of the
    device (float64 but on devices without it), clipped as in
    :func:`_class_means`. The means are an ``xp`` array.
    """
    classes, inverse = np.unique(y, return_inverse=True)
    inverse = inverse.ravel()
    wide = _float_dtypes(xp, device)[0]
    means = []
    for c in range(len(classes)):
        index = xp.asarray(np.flatnonzero(inverse == c), device=device)
        rows = xp.take(H, index, axis=0)
        mean = xp.sum(xp.astype(rows, wide), axis=0) / rows.shape[0]
        low = xp.astype(xp.min(rows, axis=0), wide)
        high = xp.astype(xp.max(rows, axis=0), wide)
        means.append(xp.minimum(xp.maximum(mean, low), high))
    return classes, xp.stack(means)


def _binarize_xp(values, tau, xp):
    """Eq. (7) in namespace ``xp``: 1 where ``|h| >= tau``, else 0, as int8."""
    return xp.astype(xp.abs(values) >= tau, xp.int8)


def _class_activations_xp(H, y, tau, aggregate, xp, device):
    """:func:`_class_activations` of an array API ``H``: ``Z`` stays in ``xp``.

    The classes are numpy labels, or an array of ``y``'s namespace and
    device when ``y`` is an array API array.
    """
    if aggregate != "mean_activation":
        raise ValueError(_MODEL_AGGREGATE_MESSAGE.format(aggregate=aggregate))
    H = _check_activations_xp(H, xp, device)
    y, y_xp, y_device = _host_labels(y)
    y = _check_labels(y, H.shape[0])
    classes, means = _class_means_xp(H, y, xp, device)
    if y_xp is not None:
        classes = y_xp.asarray(classes, device=y_device)
    return classes, _binarize_xp(means, tau, xp)


def _overlap_curve(Z, ks):
    """Average AOD among ``k`` classes for each ``k`` in ``ks`` (no validation).

    With ``c_j`` the number of classes in which unit ``j`` is active (a column
    sum of ``Z``), a subset of ``k`` of the ``m`` classes has unit ``j`` active
    in all of its classes for ``C(c_j, k)`` of the ``C(m, k)`` subsets, so the
    mean over subsets of eq. (10) is ``mean_j C(c_j, k) / C(m, k)``. The ratio
    is the product ``prod_{i<k} (c_j - i) / (m - i)`` of factors in [0, 1]: a
    cumulative product gives every ``k`` at once, exactly 0 once ``k > c_j``,
    with a relative error of about ``k`` machine epsilons and no overflow.

    Parameters
    ----------
    Z : ndarray of shape (n_classes, n_units)
        Binary class activation vectors.
    ks : ndarray of int
        Subset sizes, each in ``[1, n_classes]``.

    Returns
    -------
    aod : ndarray of shape (len(ks),), float64
    """
    n_classes, n_units = Z.shape
    counts = np.count_nonzero(Z, axis=0)
    # Only the distinct counts matter: at most n_classes + 1 of them.
    values, weights = np.unique(counts, return_counts=True)
    values = values.astype(np.float64)
    weights = weights / n_units
    k_max = int(ks.max())
    curve = np.empty(k_max + 1)
    curve[0] = 1.0
    running = np.ones_like(values)
    step = max(1, _TABLE_ELEMENTS // len(values))
    for start in range(0, k_max, step):
        i = np.arange(start, min(start + step, k_max))
        factors = np.maximum(values[:, np.newaxis] - i, 0.0) / (n_classes - i)
        table = np.cumprod(factors, axis=1)
        table *= running[:, np.newaxis]
        curve[i + 1] = weights @ table
        running = table[:, -1]
    return curve[ks]


@validate_params(
    {
        "h": ["array-like", "sparse matrix"],
        "tau": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def activation_binary_vector(h, tau):
    r"""Binary activation vector of eq. (7): which units are active.

    .. math::

        z_i = \begin{cases} 1 & |h_i| \geq \tau \\ 0 & \text{otherwise}
        \end{cases}

    Parameters
    ----------
    h : {array-like, sparse matrix} of shape (n_units,) or (n_samples, n_units)
        Activations of one sample (1-D) or of several (2-D). Must be finite.
        An array API array is thresholded in its namespace and on its device
        under ``array_api_dispatch=True`` (see :ref:`metrics_array_api`).
    tau : float >= 0
        The activation threshold. With ``tau=0`` every unit is active.

    Returns
    -------
    z : ndarray of int8, same shape as ``h``
        1 for active units, 0 otherwise; an int8 array of ``h``'s namespace,
        on its device, for an array API ``h``.

    See Also
    --------
    class_activation_vectors : One binary vector per class (eq. 9).
    select_activation_threshold : The paper's rule for choosing ``tau``.

    Examples
    --------
    >>> from sklearn_sparsity.metrics import activation_binary_vector
    >>> activation_binary_vector([0.9, 0.05, 0.5, -0.7], tau=0.5)
    array([1, 0, 1, 1], dtype=int8)
    """
    xp, device = namespace_of(h)
    if xp is not None:
        h = _check_activations_xp(h, xp, device, input_name="h", ensure_2d=False)
        if h.ndim > 2:
            raise ValueError(f"h must be 1-D or 2-D; got shape {tuple(h.shape)}.")
        return _binarize_xp(h, tau, xp)
    h = _check_activations(h, input_name="h", ensure_2d=False)
    if h.ndim > 2:
        raise ValueError(f"h must be 1-D or 2-D; got shape {h.shape}.")
    return _binarize(h, tau)


@validate_params(
    {
        "H": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "tau": [Interval(Real, 0, None, closed="left"), None],
        "aggregate": [StrOptions(set(AGGREGATES))],
    },
    prefer_skip_nested_validation=True,
)
def class_activation_vectors(H, y, *, tau=None, aggregate="mean_activation"):
    """Binary activation vector ``Z(X_c)`` of every class (eq. 9).

    Parameters
    ----------
    H : {array-like, sparse matrix} of shape (n_samples, n_units)
        Activations of a layer (or the input data itself). Must be finite.
        An array API array is computed on in its namespace and on its device
        under ``array_api_dispatch=True`` (see :ref:`metrics_array_api`).
    y : array-like of shape (n_samples,)
        Class labels of the rows of ``H``, on the host or (with an array API
        ``H``) an array API array.
    tau : float >= 0
        Activation threshold of eq. (7); required. An activation matrix does
        not carry what the paper's rule needs (the layer's weights): compute
        it with :func:`select_activation_threshold` (omitting it raises a
        ``TypeError`` that says so).
    aggregate : str, default="mean_activation"
        How a class is summarised before thresholding. Only
        ``"mean_activation"``, ``Z(X_c) = z(mean_{x in X_c} h(x))``, can be
        computed from ``H`` alone. The paper's eq. (9) as written,
        ``"mean_data"`` (``z`` of the layer's activation at the class mean of
        the data, ``Z(X_c) = z(h_l(mean_{x in X_c} x))``), and
        ``"mean_input"`` (at the class mean of the layer's input) need the
        model: they are rejected here with a ``ValueError`` naming
        :func:`sparsity_report`, which computes them (the user guide gives
        the three formulas side by side). The functions that have the model
        (:func:`sparsity_report`, :func:`make_sparsity_scorer`) default to
        ``"mean_data"``; with ``aggregate="mean_activation"`` and the same
        ``tau`` they give this function's numbers.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        The sorted distinct labels of ``y`` (in ``y``'s namespace and on its
        device when ``y`` is an array API array).
    Z : ndarray of int8 of shape (n_classes, n_units)
        ``Z[c, j] = 1`` when unit ``j`` is active for class ``classes[c]``;
        in ``H``'s namespace and on its device for an array API ``H``.

    See Also
    --------
    activation_overlapping_degree : AOD of a set of classes (eq. 10).
    average_activation_overlap : Mean AOD over all subsets of ``k`` classes.

    Examples
    --------
    >>> from sklearn_sparsity.metrics import class_activation_vectors
    >>> H = [[0.9, 0.1, 0.0], [0.7, 0.5, 0.2], [0.0, 0.2, 0.8]]
    >>> classes, Z = class_activation_vectors(H, ["a", "a", "b"], tau=0.4)
    >>> classes
    array(['a', 'b'], dtype='<U1')
    >>> Z
    array([[1, 0, 0],
           [0, 0, 1]], dtype=int8)
    """
    _check_tau(tau, "class_activation_vectors")
    xp, device = namespace_of(H)
    if xp is not None:
        return _class_activations_xp(H, y, tau, aggregate, xp, device)
    return _class_activations(H, y, tau, aggregate)


@validate_params(
    {
        "H": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "tau": [Interval(Real, 0, None, closed="left"), None],
        "classes": ["array-like", None],
        "aggregate": [StrOptions(set(AGGREGATES))],
    },
    prefer_skip_nested_validation=True,
)
def activation_overlapping_degree(
    H, y, *, tau=None, classes=None, aggregate="mean_activation"
):
    r"""Activation overlapping degree (AOD) of a set of classes (eq. 10).

    The fraction of units that are active in every one of the classes:

    .. math::

        \mathrm{AOD}(X_{c_1}, \dots, X_{c_k}) = \frac{1}{n}
        \sum_{j=1}^{n} \prod_{i=1}^{k} Z_j(X_{c_i})

    A low AOD means that the classes are coded by different units.

    Parameters
    ----------
    H : {array-like, sparse matrix} of shape (n_samples, n_units)
        Activations of a layer. Must be finite. An array API array is
        computed on in its namespace and on its device under
        ``array_api_dispatch=True`` (see :ref:`metrics_array_api`).
    y : array-like of shape (n_samples,)
        Class labels of the rows of ``H`` (on the host or, with an array API
        ``H``, an array API array).
    tau : float >= 0
        Activation threshold of eq. (7); required (see
        :func:`class_activation_vectors` and
        :func:`select_activation_threshold`).
    classes : array-like, default=None
        At least 2 distinct labels present in ``y``. ``None`` uses all
        classes.
    aggregate : str, default="mean_activation"
        See :func:`class_activation_vectors`. Only ``"mean_activation"``
        can be computed from ``H``; :func:`sparsity_report` and the scorers,
        which have the model, default to eq. (9) as written,
        ``"mean_data"``, and give this function's numbers with
        ``aggregate="mean_activation"`` and the same ``tau``.

    Returns
    -------
    aod : float
        In [0, 1] (a Python float for array API inputs too).

    See Also
    --------
    average_activation_overlap : Mean AOD over all subsets of ``k`` classes.

    Examples
    --------
    >>> from sklearn_sparsity.metrics import activation_overlapping_degree
    >>> H = [[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0]]
    >>> activation_overlapping_degree(H, [0, 1, 2], tau=0.5)
    0.25
    >>> activation_overlapping_degree(H, [0, 1, 2], tau=0.5, classes=[0, 2])
    0.5
    """
    _check_tau(tau, "activation_overlapping_degree")
    xp, device = namespace_of(H)
    if xp is not None:
        return _overlapping_degree_xp(H, y, tau, classes, aggregate, xp, device)
    all_classes, Z = _class_activations(H, y, tau, aggregate)
    rows = _class_rows(all_classes, classes)
    return float(np.all(Z[rows], axis=0).mean())


def _class_rows(all_classes, classes):
    """Rows of ``Z`` (indices into ``all_classes``) of the requested classes."""
    if classes is None:
        rows = np.arange(len(all_classes))
    else:
        wanted = np.unique(np.ravel(classes))
        missing = wanted[~np.isin(wanted, all_classes)]
        if missing.size:
            raise ValueError(
                f"classes {missing.tolist()} do not occur in y; the classes of y "
                f"are {all_classes.tolist()}."
            )
        rows = np.flatnonzero(np.isin(all_classes, wanted))
    if len(rows) < 2:
        raise ValueError(
            f"The activation overlapping degree needs at least 2 classes; got "
            f"{len(rows)}."
        )
    return rows


def _overlapping_degree_xp(H, y, tau, classes, aggregate, xp, device):
    """:func:`activation_overlapping_degree` of an array API ``H``.

    The classes are selected on the host; the AND over them and the count
    of units are computed on the device, one int transferred.
    """
    all_classes, Z = _class_activations_xp(H, y, tau, aggregate, xp, device)
    all_classes = to_numpy(all_classes)
    rows = _class_rows(all_classes, _host_labels(classes)[0])
    selected = xp.take(Z, xp.asarray(rows, device=device), axis=0)
    shared = xp.all(xp.astype(selected, xp.bool), axis=0)
    return int(xp.sum(xp.astype(shared, xp.int64))) / Z.shape[1]


@validate_params(
    {
        "H": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "tau": [Interval(Real, 0, None, closed="left"), None],
        "k": [
            Interval(Integral, 1, None, closed="left"),
            "array-like",
            StrOptions({"all"}),
        ],
        "aggregate": [StrOptions(set(AGGREGATES))],
    },
    prefer_skip_nested_validation=True,
)
def average_activation_overlap(H, y, *, tau=None, k=2, aggregate="mean_activation"):
    r"""Average AOD among ``k`` classes: the mean of eq. (10) over all subsets.

    With ``m`` classes, the mean of :func:`activation_overlapping_degree`
    over all :math:`\binom{m}{k}` subsets of ``k`` classes, the quantity of
    Figure 2 of the paper. It is computed exactly without enumerating the
    subsets: if unit ``j`` is active in :math:`c_j` classes, it is active in
    all classes of :math:`\binom{c_j}{k}` of the subsets, so

    .. math::

        \overline{\mathrm{AOD}}_k = \frac{1}{n} \sum_{j=1}^{n}
        \binom{c_j}{k} \Big/ \binom{m}{k}.

    The ratio of binomials is evaluated as a product of factors in [0, 1], so
    it stays accurate for thousands of classes. The value is non-increasing
    in ``k``; ``k=1`` gives the mean fraction of units active per class.

    Parameters
    ----------
    H : {array-like, sparse matrix} of shape (n_samples, n_units)
        Activations of a layer. Must be finite. An array API array is
        computed on in its namespace and on its device under
        ``array_api_dispatch=True`` (see :ref:`metrics_array_api`).
    y : array-like of shape (n_samples,)
        Class labels; at least 2 distinct classes (on the host or, with an
        array API ``H``, an array API array).
    tau : float >= 0
        Activation threshold of eq. (7); required (see
        :func:`class_activation_vectors` and
        :func:`select_activation_threshold`).
    k : int, list of int or "all", default=2
        Subset size(s), each between 1 and the number of classes ``m``.
        ``"all"`` means ``k = 2, ..., m``.
    aggregate : str, default="mean_activation"
        See :func:`class_activation_vectors`. Only ``"mean_activation"``
        can be computed from ``H``; :func:`sparsity_report` and the scorers,
        which have the model, default to eq. (9) as written,
        ``"mean_data"``, and give this function's numbers with
        ``aggregate="mean_activation"`` and the same ``tau``.

    Returns
    -------
    aod : float or ndarray of shape (n_k,)
        A float for an int ``k``, otherwise one value per requested ``k``
        (float64; for an array API ``H`` an array of its namespace on its
        device, in the widest float dtype of the device).

    See Also
    --------
    activation_overlapping_degree : AOD of one given set of classes.
    sparsity_report : AOD curves of every layer of a model.

    Examples
    --------
    >>> from sklearn_sparsity.metrics import average_activation_overlap
    >>> H = [[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0]]
    >>> # Units are active in c = (3, 2, 2, 0) of the m = 3 classes; for k = 2,
    >>> # (C(3,2) + C(2,2) + C(2,2) + 0) / C(3,2) / 4 = (3 + 1 + 1) / 3 / 4.
    >>> round(average_activation_overlap(H, [0, 1, 2], tau=0.5, k=2), 4)
    0.4167
    >>> average_activation_overlap(H, [0, 1, 2], tau=0.5, k="all")
    array([0.41666667, 0.25      ])
    """
    _check_tau(tau, "average_activation_overlap")
    xp, device = namespace_of(H)
    if xp is not None:
        return _average_overlap_xp(H, y, tau, k, aggregate, xp, device)
    _, Z = _class_activations(H, y, tau, aggregate)
    if isinstance(k, bool):
        raise ValueError(f"k must be an int, a list of ints or 'all'; got {k!r}.")
    ks, scalar = _check_ks(k, Z.shape[0])
    curve = _overlap_curve(Z, ks)
    return float(curve[0]) if scalar else curve


def _average_overlap_xp(H, y, tau, k, aggregate, xp, device):
    """:func:`average_activation_overlap` of an array API ``H``.

    ``Z`` (classes x units, int8) is built on the device and copied to the
    host for the closed form of :func:`_overlap_curve`, a few operations on
    its column counts; a curve goes back to ``H``'s namespace and device.
    """
    _, Z = _class_activations_xp(H, y, tau, aggregate, xp, device)
    if isinstance(k, bool):
        raise ValueError(f"k must be an int, a list of ints or 'all'; got {k!r}.")
    ks, scalar = _check_ks(k, Z.shape[0])
    curve = _overlap_curve(to_numpy(Z), ks)
    if scalar:
        return float(curve[0])
    return xp.asarray(curve, dtype=_float_dtypes(xp, device)[0], device=device)
