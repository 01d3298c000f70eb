"""Greedy layer-wise stack of RBMs (Bernoulli or Gaussian input) trained with CD-k."""

import copy
import time
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    check_is_fitted,
    check_memory,
    validate_data,
)

from ._backend import NUMPY, get_backend
from ._backprop import forward
from ._base import (
    DOC_LINK_TEMPLATE,
    SHARED_CONSTRAINTS,
    atomic_fit,
    check_same_backend,
    check_weights,
    layer_seeds,
    rbm_epoch_printer,
)
from ._cache import (
    cache_namespace,
    cached_result,
    check_cache_dir,
    checksummed,
)
from ._rbm import fit_rbm_state, history_arrays, init_cd_state, train_cd
from ._units import UNITS
from ._validation import (
    check_hidden_layer_sizes,
    check_momentum,
    per_layer,
    reject_bools,
)


def _fit_layer_in_namespace(namespace, X, n_hidden, *, what="RBM layer 0",
                            hooks=(), **kwargs):
    """:func:`fit_rbm_state`; ``namespace`` is only part of the cache key.

    ``namespace`` is :func:`~sklearn_sparsity._cache.cache_namespace`: a
    layer cached by other code (anywhere in the package), other dependency
    versions or another BLAS thread count is not served. ``what`` and
    ``hooks`` (names and progress) are not part of the key.
    """
    return fit_rbm_state(X, n_hidden, what=what, hooks=hooks, **kwargs)


def _layer_is_valid(n_visible, n_hidden, n_epochs, state):
    """Whether a cached layer has the shapes its arguments ask for."""
    try:
        return (state.W.shape == (n_visible, n_hidden)
                and state.b.shape == (n_hidden,) and state.c.shape == (n_visible,)
                and state.epoch == n_epochs
                and all(len(v) == n_epochs for v in state.history.values()))
    except (TypeError, ValueError, AttributeError):
        return False


def _cached_fit_layer(memory):
    """``fit_rbm_state`` cached in ``memory`` (progress hooks not in the key).

    The one place that says how the stack caches its layers. The key holds
    the package's code fingerprint (see ``_cache.py``), and a cached layer
    whose checksum or shapes do not match (an entry edited, damaged or
    swapped on disk) is trained again. The cached value is the layer's whole
    training state, so a stack loaded from the cache can continue training
    (``warm_start``, ``partial_fit``). The cache folder must pass
    ``check_cache_dir``, as the command line's ``--cache-dir`` does.
    """
    # The command line's rule for --cache-dir: a cache holds pickles, so its
    # folder must be private to the user (CacheFolderError, a ValueError).
    location = memory if isinstance(memory, str) else getattr(
        memory, "location", None)
    if location is not None:
        check_cache_dir(location)
    memorized = check_memory(memory).cache(checksummed(_fit_layer_in_namespace),
                                           ignore=["what", "hooks"])

    def fit_layer(X, n_hidden, **kwargs):
        check = partial(_layer_is_valid, X.shape[1], n_hidden, kwargs["n_epochs"])
        return cached_result(memorized, check, cache_namespace(), X, n_hidden,
                             **kwargs)

    fit_layer.memorized = memorized
    return fit_layer


class StackedRBMTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Stack of RBMs trained greedily, bottom up, with CD-k.

    Each layer is a Bernoulli-Bernoulli restricted Boltzmann machine trained
    by contrastive divergence (CD-k) with minibatch SGD, classical momentum
    that rises linearly during the first half of the epochs, and L2 weight
    decay, following Li et al. (2013). The input of layer ``l + 1`` is the
    mean-field output (hidden probabilities) of layer ``l``. With
    ``visible_units="gaussian"`` the first layer is a Gaussian-Bernoulli RBM
    for real-valued data (below, ``sigmoid`` of the visible side is then the
    identity).

    For each minibatch ``v0`` (input rows, reshuffled every epoch when
    ``shuffle``), with weights ``W`` (n_visible x n_hidden), hidden biases
    ``b`` and visible biases ``c``:

    - ``h0 = sigmoid(v0 W + b)`` are hidden **probabilities** (positive
      phase); the statistics use them, never samples;
    - ``h ~ Bernoulli(h0)`` are binary hidden **samples**, the only sampled
      quantity;
    - ``v = sigmoid(h W^T + c)`` are visible **probabilities** (the
      reconstruction; visible units are not sampled) and
      ``h1 = sigmoid(v W + b)`` hidden **probabilities**; with ``cd_steps > 1``
      ``h`` is resampled from ``h1`` and the step repeated;
    - ``dW = (v0^T h0 - v^T h1) / batch - weight_decay * W``,
      ``db = mean(h0 - h1)``, ``dc = mean(v0 - v)``;
      ``velocity = momentum * velocity + learning_rate * d``;
      ``param += velocity``.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(500, 500, 2000)
        Number of hidden units of each layer, bottom up.
    n_epochs : int or sequence of int, default=50
        Training epochs, for every layer or one value per layer.
    learning_rate : float or sequence of float, default=0.1
        SGD step size, for every layer or one value per layer. The paper picks
        it from {1, 0.1, 0.05, 0.01}. A scalar rate is divided by 10 for a
        Gaussian first layer (``visible_units="gaussian"``; Hinton's guide,
        section 13.2: such layers need rates one to two orders of magnitude
        smaller); one value per layer is used as given.
    visible_units : {"bernoulli", "gaussian"}, default="bernoulli"
        Visible units of the first layer (the upper layers are always
        Bernoulli). ``"bernoulli"``: binary units, data in [0, 1], the
        reconstruction ``sigmoid(h W^T + c)``. ``"gaussian"``: linear units
        with unit variance for real-valued data, the reconstruction
        ``h W^T + c`` and the energy ``||v - c||^2 / 2 - v W h - b h``; any
        finite input is accepted, and it should be standardised to zero mean
        and unit variance per feature (e.g.
        :class:`~sklearn.preprocessing.StandardScaler` in a ``Pipeline``).
    batch_size : int, default=100
        Minibatch size (the last minibatch of an epoch may be smaller).
    momentum : float or (float, float), default=(0.5, 0.9)
        Constant momentum, or ``(start, end)``: the momentum of each layer
        goes from ``start`` to ``end`` over its first ``n_epochs // 2``
        epochs, as ``momentum_schedule`` says, and stays at ``end``.
    momentum_schedule : {"linear", "step"}, default="linear"
        How a ``(start, end)`` momentum goes from ``start`` to ``end``.
        ``"linear"``: rises linearly, reaching ``end`` at epoch
        ``n_epochs // 2`` (Section 5 of the paper: "starts at a value of 0.5
        and linearly increases to 0.90 over half epochs"). ``"step"``:
        ``start`` for the first ``n_epochs // 2`` epochs, then ``end`` (the
        caption of the paper's Figure 1(a): "0.5 in the first 25 epochs and
        0.9 in the rest 25"). Ignored for a constant momentum.
    weight_decay : float, default=1e-4
        L2 penalty on the weights (not the biases).
    cd_steps : int, default=1
        Number of Gibbs steps ``k`` of CD-k.
    persistent : bool, default=False
        Persistent contrastive divergence (PCD, Tieleman 2008): each layer
        keeps ``batch_size`` chains whose hidden states carry over from one
        minibatch to the next, instead of starting the negative phase from
        the data (``BernoulliRBM`` always uses PCD). ``cd_steps`` Gibbs
        steps are run per minibatch.
    validation_fraction : float or None, default=None
        Hold out this fraction of the training rows (a random subset) to
        monitor overfitting: ``history_`` then also records, per epoch, their
        reconstruction error and the mean free energy of held-out and of as
        many training rows (a growing gap between them is the overfitting
        signal of Hinton's practical guide). The held-out rows are not
        trained on.
    warm_start : bool, default=False
        A new ``fit`` continues CD on the fitted layers (with their
        velocities, momentum schedule and random generators) instead of
        starting again, each layer for its ``n_epochs`` more epochs, bottom
        up; ``history_`` accumulates. Needs the same features and layer sizes.
    init_std : float, default=0.01
        Standard deviation of the Gaussian initial weights; biases start at 0.
    shuffle : bool, default=True
        Reshuffle the training rows before every epoch.
    memory : str, joblib.Memory or None, default=None
        Cache for the layer fits. Layer ``l`` is reused when its input, its
        settings and ``random_state`` are the same, so a re-run, or a stack
        that only adds or widens upper layers, reuses the trained lower layers.
        The folder must be private to the user (a cache holds pickles): one
        that another user owns or can write to is a ``ValueError``, as for
        the command line's ``--cache-dir``; a missing one is created with
        mode 0700. Every entry carries a checksum: one edited or damaged on
        disk is reported in one line on stderr and trained again.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and Gibbs sampling. Pass an int
        for reproducible results.
    verbose : int, default=0
        Print one line per epoch and layer (reconstruction error, HSPM, time).

    Attributes
    ----------
    coefs_ : list of ndarray of shape (n_visible_l, n_hidden_l)
        Weights of each layer.
    intercepts_ : list of ndarray of shape (n_hidden_l,)
        Hidden biases of each layer.
    visible_intercepts_ : list of ndarray of shape (n_visible_l,)
        Visible biases of each layer.
    history_ : list of dict
        One dict per layer, each holding arrays with one value per epoch
        (``partial_fit``: per call): ``"reconstruction_error"``, the mean
        over training samples of ``||v0 - v||^2`` during the epoch;
        ``"hspm"``, the mean Hoyer sparseness of the positive-phase hidden
        probabilities ``h0`` over the epoch
        (:func:`~sklearn_sparsity.metrics.hoyer_sparseness`); ``"time"``,
        seconds; with ``validation_fraction``, also
        ``"validation_reconstruction_error"``, ``"free_energy_train"`` and
        ``"free_energy_validation"``. Means are weighted by ``sample_weight``.
    n_layers_ : int
        Number of hidden layers.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    PretrainedMLPClassifier : A sigmoid network initialised from this stack.
    sklearn.neural_network.BernoulliRBM : A single RBM trained with PCD.

    Notes
    -----
    Array API inputs (PyTorch tensors on the CPU or a GPU, CuPy arrays, ...)
    under ``sklearn.set_config(array_api_dispatch=True)`` are trained on
    and predicted on their own device, and the fitted attributes stay there
    (:ref:`array_api`); numpy and sparse inputs take the numpy code.

    References
    ----------
    .. [1] J. Li, W. Luo, J. Yang, X. Yuan, "Unsupervised Pretraining
       Encourages Moderate-Sparseness", arXiv:1312.5813, 2013.
    .. [2] G. E. Hinton, "A Practical Guide to Training Restricted Boltzmann
       Machines", UTML TR 2010-003, 2010.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_sparsity import StackedRBMTransformer
    >>> X = load_digits().data / 16.0
    >>> stack = StackedRBMTransformer((32, 16), n_epochs=2, random_state=0)
    >>> stack.fit_transform(X).shape
    (1797, 16)
    >>> [H.shape[1] for H in stack.transform_layers(X)]
    [32, 16]
    """

    _doc_link_module = "sklearn_sparsity"
    _doc_link_template = DOC_LINK_TEMPLATE

    _parameter_constraints: dict = {
        **SHARED_CONSTRAINTS,
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "n_epochs": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "visible_units": [StrOptions(set(UNITS))],
        "cd_steps": [Interval(Integral, 1, None, closed="left")],
        "persistent": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(500, 500, 2000),
        *,
        n_epochs=50,
        learning_rate=0.1,
        visible_units="bernoulli",
        batch_size=100,
        momentum=(0.5, 0.9),
        momentum_schedule="linear",
        weight_decay=1e-4,
        cd_steps=1,
        persistent=False,
        validation_fraction=None,
        warm_start=False,
        init_std=0.01,
        shuffle=True,
        memory=None,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.visible_units = visible_units
        self.batch_size = batch_size
        self.momentum = momentum
        self.momentum_schedule = momentum_schedule
        self.weight_decay = weight_decay
        self.cd_steps = cd_steps
        self.persistent = persistent
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.init_std = init_std
        self.shuffle = shuffle
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    def _validate_input(self, X, reset):
        X = validate_data(
            self, X, accept_sparse="csr",
            dtype=get_backend(X).float_dtypes(), reset=reset,
        )
        if reset:
            # Bernoulli units train on [0, 1]; a fitted stack is defined for
            # any finite input (test data scaled with training statistics may
            # stray a little outside [0, 1]).
            X = UNITS[self.visible_units].check_input(X, type(self).__name__)
        return X

    def _layer_settings(self):
        reject_bools(self, ["n_epochs", "batch_size", "cd_steps"])
        sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        n_layers = len(sizes)
        epochs = per_layer(self.n_epochs, n_layers, "n_epochs", kind=Integral)
        rates = per_layer(self.learning_rate, n_layers, "learning_rate")
        if np.ndim(self.learning_rate) == 0:
            rates[0] /= UNITS[self.visible_units].rate_divisor
        momentum = check_momentum(self.momentum)
        return sizes, epochs, rates, momentum

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Train the layers greedily, bottom up.

        With ``warm_start=True`` and a fitted stack, continue training its
        layers instead. A fit that fails or is interrupted
        (``KeyboardInterrupt``, which reaches the caller) changes no fitted
        attribute.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data: values in [0, 1] for Bernoulli visible units (a
            ``ValueError`` otherwise), any finite values, standardised, for
            Gaussian ones. float32 and float64 are kept as given; other
            dtypes are converted to float32.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows: each row's share of the CD statistics is
            scaled by its weight, normalised by the minibatch's weight sum.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        with atomic_fit(self):
            resume = self.warm_start and hasattr(self, "_cd_states_")
            X = self._validate_input(X, reset=not resume)
            sample_weight = check_weights(sample_weight, X.shape[0])
            settings = self._layer_settings()
            if resume:
                self._check_resumable(settings, X, "fit")
            X, sample_weight, X_val = self._split_validation(X, sample_weight)
            self._fit_layers(X, settings, sample_weight, X_val, resume=resume)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """One CD pass over the given rows for every layer, bottom up.

        Each layer trains on the mean-field output of the layer below for
        these rows, computed with that layer's weights just after its own
        pass. This is not greedy layer-wise training (all layers learn from
        every chunk, and the upper layers' inputs move as the lower layers
        learn), but it lets a stack learn from data that does not fit in
        memory. Each call counts as one epoch of the momentum schedule (from
        ``momentum[0]`` to ``momentum[1]`` over the first
        ``n_epochs // 2`` calls); ``history_`` gets one value per call.
        ``validation_fraction`` is not used.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data (values as for :meth:`fit`).
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows (see :meth:`fit`).

        Returns
        -------
        self : object
            The transformer, trained on one more chunk.
        """
        with atomic_fit(self):
            first = not hasattr(self, "_cd_states_")
            X = self._validate_input(X, reset=first)
            sample_weight = check_weights(sample_weight, X.shape[0])
            settings = self._layer_settings()
            if not first:
                self._check_resumable(settings, X, "partial_fit")
            self._partial_fit_layers(X, settings, sample_weight, first)
        return self

    def _check_resumable(self, settings, X, method):
        self._backend_for(X, method)
        sizes = tuple(W.shape[1] for W in self.coefs_)
        fitted_units = self._cd_states_[0].visible.name
        if fitted_units != self.visible_units:
            raise ValueError(
                f"warm_start and partial_fit continue a stack whose first layer "
                f"has {fitted_units} visible units, but visible_units="
                f"{self.visible_units!r}; fit a new stack to change them."
            )
        if sizes != settings[0]:
            raise ValueError(
                f"warm_start and partial_fit continue the fitted layers "
                f"{sizes}, but hidden_layer_sizes={self.hidden_layer_sizes!r}; "
                "fit a new stack (warm_start=False) to change them."
            )

    def _split_validation(self, X, sample_weight):
        """The training rows and, with ``validation_fraction``, held-out rows."""
        if self.validation_fraction is None:
            return X, sample_weight, None
        n_val = int(round(self.validation_fraction * X.shape[0]))
        if not 1 <= n_val < X.shape[0]:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} holds out "
                f"{n_val} of {X.shape[0]} rows; it must leave at least one row "
                "on each side."
            )
        # A seed of its own, so the layers' seeds do not change.
        entropy = layer_seeds(self.random_state, 1)[0].entropy
        rng = np.random.default_rng(np.random.SeedSequence(entropy,
                                                           spawn_key=(2**20,)))
        held = np.zeros(X.shape[0], dtype=bool)
        held[rng.choice(X.shape[0], n_val, replace=False)] = True
        weights = None if sample_weight is None else sample_weight[~held]
        backend = get_backend(X)
        if backend is not NUMPY:
            rows = backend.asarray(np.flatnonzero(~held))
            held_rows = backend.asarray(np.flatnonzero(held))
            xp = backend.xp
            return (xp.take(X, rows, axis=0), weights,
                    xp.take(X, held_rows, axis=0))
        return X[~held], weights, X[held]

    def _layer_kwargs(self, rates, layer):
        return {"learning_rate": float(rates[layer]),
                "batch_size": self.batch_size, "cd_steps": self.cd_steps,
                "shuffle": self.shuffle,
                "what": (f"RBM layer {layer}" if self._visible(layer) == "bernoulli"
                         else f"RBM layer {layer} ({self._visible(layer)} "
                              "visible units)"),
                "hooks": (rbm_epoch_printer(layer),) if self.verbose else (),
                "persistent": self.persistent}

    def _visible(self, layer):
        """Name of the visible unit type of ``layer``."""
        return self.visible_units if layer == 0 else "bernoulli"

    def _fit_layers(self, X, settings, sample_weight=None, X_val=None, *,
                    resume=False):
        """Fit (or continue) the stack on validated ``X``; attributes at the end."""
        sizes, epochs, rates, momentum = settings
        n_layers = len(sizes)
        seeds = layer_seeds(self.random_state, n_layers)
        backend = get_backend(X)
        if backend is NUMPY:
            fit_layer = _cached_fit_layer(self.memory)
        elif self.memory is not None:
            raise ValueError(
                "memory caches the layers of numpy inputs only; X is a "
                f"{backend.name} array. Pass memory=None, or numpy input."
            )
        else:
            fit_layer = fit_rbm_state
        states = copy.deepcopy(self._cd_states_) if resume else []
        layer_input, val_input = X, X_val
        for layer in range(n_layers):
            tic = time.perf_counter()
            kwargs = self._layer_kwargs(rates, layer)
            if resume:
                train_cd(states[layer], layer_input, n_epochs=int(epochs[layer]),
                         sample_weight=sample_weight, validation=val_input,
                         **kwargs)
            else:
                states.append(fit_layer(
                    layer_input, sizes[layer], n_epochs=int(epochs[layer]),
                    momentum=momentum, momentum_schedule=self.momentum_schedule,
                    weight_decay=self.weight_decay, init_std=self.init_std,
                    seed=seeds[layer], sample_weight=sample_weight,
                    validation=val_input, visible_units=self._visible(layer),
                    **kwargs))
            if self.verbose:
                print(
                    f"[StackedRBM] layer {layer} ({layer_input.shape[1]} -> "
                    f"{sizes[layer]}) done in {time.perf_counter() - tic:.1f} s",
                    flush=True,
                )
            if layer + 1 < n_layers:
                W, b = states[layer].W, states[layer].b
                layer_input = forward(layer_input, [W], [b], loss=None,
                                      backend=backend)[0]
                if val_input is not None:
                    val_input = forward(val_input, [W], [b], loss=None,
                                        backend=backend)[0]
        self._set_layers(states)
        return self

    def _partial_fit_layers(self, X, settings, sample_weight, first):
        sizes, epochs, rates, momentum = settings
        backend = get_backend(X)
        if first:
            seeds = layer_seeds(self.random_state, len(sizes))
            fan_in = [X.shape[1], *sizes[:-1]]
            states = [init_cd_state(
                n_in, n_out, dtype=X.dtype, init_std=self.init_std,
                seed=seed, weight_decay=self.weight_decay, momentum=momentum,
                momentum_schedule=self.momentum_schedule, n_epochs=int(n_epochs),
                visible_units=self._visible(layer), backend=backend)
                for layer, (n_in, n_out, seed, n_epochs) in enumerate(
                    zip(fan_in, sizes, seeds, epochs))]
        else:
            states = copy.deepcopy(self._cd_states_)
        layer_input = X
        for layer, state in enumerate(states):
            W, b = state.W, state.b
            if layer_input.dtype != W.dtype:
                layer_input = backend.astype(layer_input, W.dtype, copy=True)
            train_cd(state, layer_input, n_epochs=1, sample_weight=sample_weight,
                     **self._layer_kwargs(rates, layer))
            if layer + 1 < len(states):
                layer_input = forward(layer_input, [W], [b], loss=None,
                                      backend=backend)[0]
        self._set_layers(states)

    def _set_layers(self, states):
        """All fitted attributes from the layers' training states, at once."""
        self.coefs_ = [state.W for state in states]
        self.intercepts_ = [state.b for state in states]
        self.visible_intercepts_ = [state.c for state in states]
        self.history_ = [history_arrays(state) for state in states]
        self.n_layers_ = len(states)
        self._cd_states_ = states

    def transform_layers(self, X):
        """Mean-field activations of every hidden layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, scaled like the training data (any finite values are
            accepted).

        Returns
        -------
        layers : list of ndarray of shape (n_samples, n_hidden_l)
            Hidden probabilities of each layer, bottom up, in the dtype of the
            fitted weights' input (float32 stays float32).
        """
        return self._transform_layers(X, "transform_layers")

    def _transform_layers(self, X, method):
        check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        return self._forward(X, method)

    def _forward(self, X, method="transform"):
        dtype = X.dtype
        backend = self._backend_for(X, method)
        return forward(
            X,
            [backend.astype(W, dtype) for W in self.coefs_],
            [backend.astype(b, dtype) for b in self.intercepts_],
            loss=None, backend=backend,
        )

    def _backend_for(self, X, method):
        """The backend of ``X``; an error if the stack lives elsewhere."""
        backend = get_backend(X)
        check_same_backend(self, method, self._cd_states_[0].optimizer.backend,
                           backend, X)
        return backend

    def transform(self, X):
        """Mean-field activations of the top hidden layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, scaled like the training data (any finite values are
            accepted).

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
            Hidden probabilities of the top layer.
        """
        return self._transform_layers(X, "transform")[-1]

    def inverse_transform(self, X):
        """Mean-field top-down reconstruction of input data from top activations.

        Each layer maps its hidden probabilities ``h`` to the mean of its
        visible units, ``sigmoid(h W^T + c)`` for Bernoulli units and
        ``h W^T + c`` for a Gaussian first layer (values on the scale of the
        training data), from the top layer down.

        Parameters
        ----------
        X : array-like of shape (n_samples, hidden_layer_sizes[-1])
            Top-layer activations (e.g. the output of :meth:`transform`).

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, `n_features_in_`)
            Reconstructed input (probabilities for Bernoulli units); a numpy
            array whatever ``set_output`` says (which configures
            :meth:`transform`).
        """
        check_is_fitted(self)
        H = self._check_top(X)
        backend = self._backend_for(H, "inverse_transform")
        for layer in reversed(range(len(self.coefs_))):
            W, c = self.coefs_[layer], self.visible_intercepts_[layer]
            H = UNITS[self._visible(layer)].on(backend).reconstruct(
                H, backend.astype(W, H.dtype), backend.astype(c, H.dtype))
        return H

    def _sparsity_layers(self):
        """The hook of the metrics' layer adapter: every layer's weights.

        One dict per hidden layer, bottom up: ``coef`` (n_in, n_out),
        ``intercept``, ``visible_intercept`` (the RBM's visible bias ``c``)
        and ``units`` (the visible units, which reconstruct the layer's input
        for the threshold rule: linear for a Gaussian first layer); the
        hidden units are logistic.
        """
        check_is_fitted(self)
        backend = get_backend(self.coefs_[0])
        return [{"coef": W, "intercept": b, "visible_intercept": c,
                 "activation": "logistic",
                 "units": UNITS[self._visible(layer)].on(backend)}
                for layer, (W, b, c) in enumerate(zip(
                    self.coefs_, self.intercepts_, self.visible_intercepts_))]

    def _check_top(self, X):
        H = check_array(X, dtype=get_backend(X).float_dtypes())
        n_top = self.coefs_[-1].shape[1]
        if H.shape[1] != n_top:
            raise ValueError(
                f"inverse_transform expects top-layer activations with {n_top} "
                f"columns; got an array with {H.shape[1]} columns."
            )
        return H

    @property
    def _n_features_out(self):
        return self.coefs_[-1].shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = self.visible_units == "bernoulli"
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.array_api_support = True
        return tags
