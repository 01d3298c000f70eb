"""The steps of fitting a :class:`PretrainedMLPClassifier`, apart from its API.

The estimator (``_pretrained_mlp``) validates its parameters and inputs and
sets the fitted attributes; :func:`fit_network` and
:func:`partial_fit_network` put the steps in order, and the other functions
here say what each step does with the estimator's parameters: the initial
network (pretrained or drawn), the held-out validation split, the checks
after training (stopped early? learned anything?), and the description of
the fitted layers that the metrics read. The training loop itself is
``_backprop.train_backprop``.
"""

import copy
import warnings
from numbers import Integral

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.validation import _num_features, check_is_fitted

from ._array_api import to_numpy
from ._backend import NUMPY, get_backend
from ._backprop import forward, init_backprop_state
from ._units import GAUSSIAN, UNITS
from ._validation import (
    check_hidden_layer_sizes,
    check_momentum,
    per_layer,
    reject_bools,
)


def check_variant(est):
    """Checks of the parameters that the constraints cannot express."""
    reject_bools(est, ["n_epochs", "batch_size", "n_iter_no_change",
                       "pretrain_epochs", "cd_steps"])
    n_layers = len(check_hidden_layer_sizes(est.hidden_layer_sizes))
    per_layer(est.pretrain_epochs, n_layers, "pretrain_epochs", Integral)
    per_layer(est.pretrain_learning_rate, n_layers, "pretrain_learning_rate")
    if not est.finetune and not est.pretrain:
        raise ValueError(
            "finetune=False trains only the output layer on top of pretrained "
            "hidden layers, so it requires pretrain=True (got pretrain=False)."
        )
    if est.activation != "logistic" and est.pretrain:
        raise ValueError(
            f"activation={est.activation!r} needs pretrain=False: the RBM "
            "stack's hidden units are logistic sigmoid units, so a pretrained "
            "network is a sigmoid network."
        )


#: The back-propagation rate of ``learning_rate="auto"``, per activation:
#: the paper's 0.1 for sigmoid networks; for ReLU networks 0.03, measured on
#: digits / 16 (stratified 75/25 split, (128, 128), pretrain=False, seeds
#: 0-4): 0.1 is at the edge of stability (batch_size=20: the loss jumps by up
#: to 0.4 and the stopping rule ends training at epochs 22-28, accuracy
#: 0.89-0.98), 0.05 there at batch_size=10 (accuracy 0.91-0.97); 0.03 trains
#: smoothly at batch sizes 10, 20 and 100 (largest loss rise 0.08, accuracy
#: 0.967-0.980) and still converges within the default 200 epochs at
#: batch_size=100 (161-195 epochs; 0.02 needs more).
AUTO_LEARNING_RATES = {"logistic": 0.1, "relu": 0.03}


def backprop_learning_rate(est):
    """The back-propagation rate of ``est`` (``"auto"`` resolved)."""
    if isinstance(est.learning_rate, str):  # "auto"
        return AUTO_LEARNING_RATES[est.activation]
    return est.learning_rate


def network_settings(est):
    """The parameters that decide the shape and units of ``est``'s network.

    A ``warm_start`` fit or a ``partial_fit`` continues a network only with
    the values it was built with (see :func:`check_resumable`).
    """
    return {"hidden_layer_sizes": check_hidden_layer_sizes(est.hidden_layer_sizes),
            "activation": est.activation, "loss": est.loss,
            "visible_units": est.visible_units}


def check_resumable(est, X, method):
    """Raise unless ``est``'s fitted network can continue on ``X`` as it is.

    Everything that decides the network's shape or units must be what it was
    built with: the hidden layer sizes, the activation, the loss (the output
    units), the visible units and the number of features (the classes are
    checked with the labels).
    """
    state = est._backprop_state_
    built = {**getattr(est, "_network_settings_", {}),
             "hidden_layer_sizes": tuple(W.shape[1] for W in state.coefs[:-1]),
             "activation": state.activation}
    now = network_settings(est)
    changed = [f"{name}={now[name]!r} (fitted with {built[name]!r})"
               for name in now if name in built and now[name] != built[name]]
    try:
        n_features = _num_features(X)
    except TypeError:  # not array-like: validate_data says so
        n_features = est.n_features_in_
    if n_features != est.n_features_in_:
        # scikit-learn's wording, which its estimator checks expect.
        changed.append(f"X has {n_features} features, but "
                       f"{type(est).__name__} is expecting "
                       f"{est.n_features_in_} features as input")
    if changed:
        how = ("set warm_start=False to fit a new network" if method == "fit"
               else "fit a new network (fit with warm_start=False)")
        raise ValueError(
            f"{type(est).__name__}.{method}() continues the fitted network, "
            "but what decides its shape or units changed: "
            f"{'; '.join(changed)}. Restore the fitted value, or {how}."
        )


def check_fit_settings(est, pretrainer):
    """Checks of ``fit``'s ``pretrainer`` and of early stopping's ``tol``."""
    if pretrainer is not None:
        if not est.pretrain:
            raise ValueError("A pretrainer was given, but pretrain=False.")
        check_is_fitted(pretrainer)
        sizes = tuple(W.shape[1] for W in pretrainer.coefs_)
        if sizes != check_hidden_layer_sizes(est.hidden_layer_sizes):
            raise ValueError(
                f"The given pretrainer has hidden layers {sizes}, but "
                f"hidden_layer_sizes={est.hidden_layer_sizes!r}."
            )
    if est.early_stopping and est.tol is None:
        raise ValueError(
            "early_stopping=True stops when the validation score has not "
            "improved by tol for n_iter_no_change epochs, so it needs a "
            "tol (e.g. 1e-4, or 0.0 for any improvement); tol=None trains "
            "a fixed number of epochs."
        )


def encode_labels(y, classes):
    """``y`` as indices into ``classes``; an error names unknown classes."""
    encoder = LabelEncoder().fit(classes)
    unknown = np.setdiff1d(np.unique(y), encoder.classes_)
    if unknown.size:
        raise ValueError(
            f"y has classes {unknown.tolist()} that are not in classes_ "
            f"{encoder.classes_.tolist()}; pass every class to the first "
            "partial_fit, or fit again."
        )
    return encoder.transform(y)


def initial_weights(init, init_std, generator, n_in, n_out, dtype):
    """Weights of a layer that is not pretrained.

    ``"glorot"`` draws from U(-b, b) with b = sqrt(2 / (n_in + n_out)), the
    bound scikit-learn's ``MLPClassifier`` uses for logistic units; ``"he"``
    from N(0, sqrt(2 / n_in)) (He et al., 2015, for rectifiers);
    ``"normal"`` from N(0, ``init_std``), the paper's initialisation.
    """
    if init == "glorot":
        bound = np.sqrt(2.0 / (n_in + n_out))
        W = generator.uniform(-bound, bound, size=(n_in, n_out))
    elif init == "he":
        W = generator.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
    else:
        W = generator.normal(0.0, init_std, size=(n_in, n_out))
    return W.astype(dtype, copy=False)


def _layer_init(est, hidden):
    """The ``init`` rule of a hidden (or, ``hidden=False``, the output) layer."""
    if est.init != "auto":
        return est.init
    return "he" if hidden and est.activation == "relu" else "glorot"


def initial_network(est, X_train, n_outputs, seeds, pretrainer, sample_weight,
                    backend=NUMPY):
    """Backprop state to start from, and the stack its hidden layers came from.

    With ``est.pretrain`` the hidden layers are copies of ``pretrainer``'s
    (fitted here from ``est.make_pretrainer`` when it is None); otherwise
    they are drawn as ``est.init`` says. The output layer is always drawn.
    Weights are drawn on the host by numpy (the same initial network on
    every device) and placed on ``backend``'s device; the shuffles of an
    array API run are drawn there by a generator seeded from the host one.
    """
    sizes = check_hidden_layer_sizes(est.hidden_layer_sizes)
    stack_seed, init_seed = seeds
    dtype = X_train.dtype
    generator = np.random.default_rng(int(init_seed))
    host_dtype = backend.numpy_dtype(dtype)
    coefs, intercepts = [], []
    if est.pretrain:
        if pretrainer is None:
            pretrainer = est.make_pretrainer(int(stack_seed)).fit(
                X_train, sample_weight=sample_weight)
        for W, b in zip(pretrainer.coefs_, pretrainer.intercepts_):
            # A copy: fine-tuning must not change the pretrainer's weights.
            coefs.append(backend.asarray(W, dtype, copy=True))
            intercepts.append(backend.asarray(b, dtype, copy=True))
    else:
        pretrainer = None
        fan_in = [X_train.shape[1], *sizes[:-1]]
        for n_in, n_out in zip(fan_in, sizes):
            coefs.append(backend.asarray(initial_weights(
                _layer_init(est, True), est.init_std, generator, n_in, n_out,
                host_dtype)))
            intercepts.append(backend.zeros(n_out, dtype))
    coefs.append(backend.asarray(initial_weights(
        _layer_init(est, False), est.init_std, generator, sizes[-1], n_outputs,
        host_dtype)))
    intercepts.append(backend.zeros(n_outputs, dtype))
    state = init_backprop_state(
        coefs, intercepts,
        generator if backend is NUMPY else backend.rng(generator),
        weight_decay=est.weight_decay, momentum=check_momentum(est.momentum),
        momentum_schedule=est.momentum_schedule, n_epochs=est.n_epochs,
        backend=backend, activation=est.activation,
    )
    return state, pretrainer


def check_stratifiable(y_idx, fraction, classes):
    """Raise unless a stratified split can put every class on both sides.

    scikit-learn's ``train_test_split`` refuses the same cases; this says
    what to do about them in the terms of ``early_stopping``.
    """
    counts = np.bincount(y_idx)
    n_samples = y_idx.shape[0]
    n_classes = int(np.count_nonzero(counts))
    rarest = int(np.argmin(np.where(counts > 0, counts, n_samples + 1)))
    if counts[rarest] < 2:
        raise ValueError(
            "early_stopping=True holds out a stratified validation set, which "
            "needs at least 2 samples of every class, but class "
            f"{np.asarray(classes).tolist()[rarest]!r} has {counts[rarest]}. "
            "Pass more samples of it, or set early_stopping=False."
        )
    n_val = int(np.ceil(fraction * n_samples))
    if not n_classes <= n_val <= n_samples - n_classes:
        raise ValueError(
            f"early_stopping=True with validation_fraction={fraction} holds "
            f"out {n_val} of {n_samples} samples, but a stratified split needs "
            f"at least one sample of each of the {n_classes} classes on each "
            "side. Change validation_fraction, pass more samples, or set "
            "early_stopping=False."
        )


def split_validation(X, y_idx, sample_weight, fraction, seed, backend=NUMPY,
                     classes=None):
    """Hold out ``fraction`` of the data, stratified.

    Returns ``X_train, y_train, w_train, (X_val, y_val, w_val)``; labels and
    weights are host arrays, ``X``'s parts stay in its namespace (the row
    indices are drawn on the host). A ``ValueError`` (see
    :func:`check_stratifiable`, ``classes`` name the labels in it) when some
    class cannot be on both sides.
    """
    check_stratifiable(y_idx, fraction, np.arange(np.max(y_idx) + 1)
                       if classes is None else classes)
    stratify = y_idx
    if backend is not NUMPY:
        rows = train_test_split(
            np.arange(X.shape[0]), y_idx,
            *([] if sample_weight is None else [sample_weight]),
            test_size=fraction, stratify=stratify, random_state=seed)
        train, val = (backend.asarray(r) for r in rows[:2])
        xp = backend.xp
        rows[:2] = xp.take(X, train, axis=0), xp.take(X, val, axis=0)
        parts = rows
    else:
        parts = train_test_split(
            X, y_idx, *([] if sample_weight is None else [sample_weight]),
            test_size=fraction, stratify=stratify, random_state=seed)
    X_train, X_val, y_train, y_val = parts[:4]
    w_train = None if sample_weight is None else parts[4]
    w_val = None if sample_weight is None else parts[5]
    return X_train, y_train, w_train, (X_val, y_val, w_val)


def warn_if_at_chance(state, X, y_idx, sample_weight, loss, batch_size):
    """A ConvergenceWarning when the network predicts no better than chance.

    The (weighted) training accuracy of the fitted network, computed
    ``batch_size`` rows at a time into buffers of that size (not the
    activations of the whole training set at once), and only until the rows
    seen so far already put it above the threshold: the accuracy of a
    network that learned is usually settled by a small part of the data,
    while a whole pass costs a third of a training epoch's products. The
    warning and its accuracy are those of a pass over every row.
    """
    backend = state.optimizer.backend
    counts = np.bincount(y_idx, weights=sample_weight).astype(float)
    majority = float(counts.max() / counts.sum())
    n = X.shape[0]
    # The count of hits only grows with more rows; with weights, the margin
    # covers the rounding of summing them by chunks instead of at once.
    total, margin = ((n, 0.0) if sample_weight is None
                     else (float(sample_weight.sum()), 1e-6))
    chunk = min(batch_size, n)
    out = [backend.empty((chunk, W.shape[1]), W.dtype) for W in state.coefs]
    hits = np.zeros(n)
    seen = 0.0
    for start in range(0, n, chunk):
        rows = slice(start, min(start + chunk, n))
        probs = forward(X[rows, :], state.coefs, state.intercepts, loss, out=out,
                        activation=state.activation, backend=backend)[-1]
        hits[rows] = backend.argmax_rows(probs) == y_idx[rows]
        seen += float(hits[rows].sum() if sample_weight is None
                      else hits[rows] @ sample_weight[rows])
        if seen / total > majority + 0.01 + margin:
            return
    if sample_weight is None:
        accuracy = float(hits.mean())
    else:
        accuracy = float(hits @ sample_weight / sample_weight.sum())
    if accuracy <= majority + 0.01:
        warnings.warn(
            f"PretrainedMLPClassifier did not learn: its training accuracy "
            f"({accuracy:.3f}) is no better than always predicting the "
            f"most frequent class ({majority:.3f}). Try another "
            "learning_rate, more n_epochs, or init='auto' for a network "
            "that is not pretrained.",
            ConvergenceWarning,
        )


def report_stop(est, result, validated):
    """The verbose stopping line, or a ConvergenceWarning."""
    if result["stopped"]:
        if est.verbose:
            print(
                "[PretrainedMLP] stopping: no improvement of more than "
                f"tol={est.tol} for {est.n_iter_no_change} epochs",
                flush=True,
            )
    elif est.tol is not None:
        warnings.warn(
            f"PretrainedMLPClassifier: the maximum number of epochs "
            f"({est.n_epochs}) was reached before the "
            f"{'validation score' if validated else 'training loss'} "
            "stopped improving. Increase n_epochs, or set tol=None to train "
            "for a fixed number of epochs.",
            ConvergenceWarning,
        )


def network_layers(est):
    """Every hidden layer of a fitted classifier, for the metrics' adapter.

    One dict per hidden layer, bottom up: ``coef``, ``intercept`` (the
    fine-tuned weights), ``visible_intercept`` (the visible bias of the
    pretraining stack, which fine-tuning does not change; None without
    pretraining, then the threshold rule uses ``c = 0``), ``activation`` and
    ``units``, the units that reconstruct the layer's input for the
    threshold rule: the first layer's ``visible_units`` (linear for
    ``"gaussian"``) and Bernoulli above it; for a ReLU network linear units
    in every layer, since its layers' inputs are not confined to [0, 1].
    """
    coefs, intercepts = est.coefs_[:-1], est.intercepts_[:-1]
    pretrainer = getattr(est, "pretrainer_", None)
    visible = None if pretrainer is None else pretrainer.visible_intercepts_
    if visible is None:
        visible = [None] * len(coefs)
    elif len(visible) != len(coefs):
        raise ValueError(
            f"The pretraining stack of {type(est).__name__} has "
            f"{len(visible)} layer(s) but the network {len(coefs)} hidden "
            "layer(s)."
        )
    backend = est._backprop_state_.optimizer.backend
    units = [UNITS[est.visible_units if layer == 0 else "bernoulli"].on(backend)
             for layer in range(len(coefs))]
    if pretrainer is None and est.activation == "relu":
        units = [GAUSSIAN.on(backend)] * len(coefs)
    return [{"coef": W, "intercept": b, "visible_intercept": c,
             "activation": est.activation, "units": u}
            for W, b, c, u in zip(coefs, intercepts, visible, units)]


def fit_network(est, X, y, pretrainer, hooks=(), sample_weight=None):
    """Fit (with ``warm_start``: continue) the network of ``est``.

    Parameters are already validated; the fitted attributes are set at the
    end (``est._set_network``), all together.
    """
    check_variant(est)
    resume = est.warm_start and hasattr(est, "_backprop_state_")
    if resume:
        check_resumable(est, X, "fit")
    X, y, sample_weight = est._validate_training_data(
        X, y, sample_weight, reset=not resume)
    backend = get_backend(X)
    if resume:
        est._check_backend(backend, "fit", X)
    classes = np.unique(y) if not resume else to_numpy(est.classes_)
    if resume and not np.array_equal(np.unique(y), classes):
        raise ValueError(
            f"warm_start=True continues a network trained on the classes "
            f"{classes.tolist()}; y has {np.unique(y).tolist()}. Set "
            "warm_start=False to fit a new network on these classes."
        )
    if classes.shape[0] < 2:
        raise ValueError(
            "PretrainedMLPClassifier needs samples of at least 2 classes; got "
            f"one class only ({classes[0]!r})."
        )
    y_idx = LabelEncoder().fit(classes).transform(y)
    rng = check_random_state(est.random_state)
    stack_seed, split_seed, init_seed = rng.randint(
        np.iinfo(np.int32).max, size=3
    )

    validation = None
    X_train, y_train, w_train = X, y_idx, sample_weight
    if est.early_stopping:
        X_train, y_train, w_train, validation = split_validation(
            X, y_idx, sample_weight, est.validation_fraction,
            int(split_seed), backend, classes)

    if resume:
        state = copy.deepcopy(est._backprop_state_)
        pretrainer_ = getattr(est, "pretrainer_", None)
        if X_train.dtype != state.coefs[0].dtype:
            X_train = backend.astype(X_train, state.coefs[0].dtype, copy=True)
    else:
        state, pretrainer_ = initial_network(
            est, X_train, classes.shape[0], (stack_seed, init_seed), pretrainer,
            w_train, backend)
    result = est._train(state, X_train, y_train, est.n_epochs, hooks,
                         w_train, validation, est.tol)
    report_stop(est, result, validation is not None)
    warn_if_at_chance(state, X_train, y_train, w_train, est.loss,
                      est.batch_size)
    previous = ((est.t_, est.loss_curve_, est.validation_scores_) if resume
                else (0, [], None))
    est._set_network(state, classes, pretrainer_, result, X_train.shape[0],
                      previous)
    return est

def partial_fit_network(est, X, y, classes, sample_weight):
    """One back-propagation epoch of ``est`` on a chunk.

    The first call builds the network (pretrained on this chunk, or drawn).
    """
    check_variant(est)
    if est.early_stopping:
        raise ValueError(
            "partial_fit does not support early_stopping=True (as in "
            "MLPClassifier): each call is one epoch on its own rows, with no "
            "held-out set to stop on. Set early_stopping=False for "
            "partial_fit, or use fit."
        )
    first = not hasattr(est, "_backprop_state_")
    if not first:
        check_resumable(est, X, "partial_fit")
    X, y, sample_weight = est._validate_training_data(
        X, y, sample_weight, reset=first)
    backend = get_backend(X)
    if first:
        if classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit "
                "(every class that will appear in y)."
            )
        classes = np.unique(np.asarray(to_numpy(classes)))
        if classes.shape[0] < 2:
            raise ValueError(
                f"classes must hold at least 2 classes; got {classes!r}.")
    else:
        est._check_backend(backend, "partial_fit", X)
        fitted = to_numpy(est.classes_)
        if classes is not None and not np.array_equal(
                np.unique(np.asarray(to_numpy(classes))), fitted):
            raise ValueError(
                f"classes={to_numpy(classes)!r} is not the same as on the "
                f"first call to partial_fit ({fitted.tolist()}). Pass the same "
                "classes (or classes=None) to continue this network, or start "
                "a new one (fit, or partial_fit on a fresh estimator)."
            )
        classes = fitted
    y_idx = encode_labels(y, classes)
    if first:
        rng = check_random_state(est.random_state)
        stack_seed, _, init_seed = rng.randint(np.iinfo(np.int32).max,
                                               size=3)
        state, pretrainer_ = initial_network(
            est, X, classes.shape[0], (stack_seed, init_seed), None,
            sample_weight, backend)
        previous = (0, [], None)
    else:
        state = copy.deepcopy(est._backprop_state_)
        pretrainer_ = getattr(est, "pretrainer_", None)
        if X.dtype != state.coefs[0].dtype:
            X = backend.astype(X, state.coefs[0].dtype, copy=True)
        previous = (est.t_, est.loss_curve_, est.validation_scores_)
    result = est._train(state, X, y_idx, 1, (), sample_weight)
    est._set_network(state, classes, pretrainer_, result, X.shape[0],
                      previous)
