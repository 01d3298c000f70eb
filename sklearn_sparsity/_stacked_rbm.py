"""Greedy layer-wise stack of Bernoulli RBMs trained with CD-k."""

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
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, check_memory, validate_data

from ._backprop import forward
from ._base import SHARED_CONSTRAINTS, atomic_fit, layer_seeds, rbm_epoch_printer
from ._cache import cache_namespace, cached_result
from ._rbm import fit_rbm_layer
from ._units import BERNOULLI
from ._validation import check_hidden_layer_sizes, check_momentum, per_layer


def _fit_layer_in_namespace(namespace, X, n_hidden, *, what="RBM layer 0",
                            hooks=(), **kwargs):
    """:func:`fit_rbm_layer`; ``namespace`` is only part of the cache key.

    ``namespace`` is :func:`~sklearn_sparsity._cache.cache_namespace`: a
    layer cached by other code (anywhere in the package), other dependency
    versions or another BLAS thread count is not served. ``what`` and
    ``hooks`` (names and progress) are not part of the key.
    """
    return fit_rbm_layer(X, n_hidden, what=what, hooks=hooks, **kwargs)


def _layer_is_valid(n_visible, n_hidden, n_epochs, output):
    """Whether a cached layer has the shapes its arguments ask for."""
    try:
        W, b, c, history = output
        return (W.shape == (n_visible, n_hidden) and b.shape == (n_hidden,)
                and c.shape == (n_visible,)
                and all(len(v) == n_epochs for v in history.values()))
    except (TypeError, ValueError, AttributeError):
        return False


def _cached_fit_layer(memory):
    """``fit_rbm_layer`` cached in ``memory`` (progress hooks not in the key).

    The one place that says how the stack caches its layers. The key holds
    the package's code fingerprint (see ``_cache.py``), and a cached layer
    whose shapes do not match its arguments (a swapped or damaged entry) is
    trained again.
    """
    memorized = check_memory(memory).cache(_fit_layer_in_namespace,
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
    """Stack of Bernoulli RBMs trained greedily, bottom up, with CD-k.

    Each layer is a Bernoulli-Bernoulli restricted Boltzmann machine trained
    by contrastive divergence (CD-k) with minibatch SGD, classical momentum
    that rises linearly during the first half of the epochs, and L2 weight
    decay, following Li et al. (2013). The input of layer ``l + 1`` is the
    mean-field output (hidden probabilities) of layer ``l``.

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
        it from {1, 0.1, 0.05, 0.01}.
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
    init_std : float, default=0.01
        Standard deviation of the Gaussian initial weights; biases start at 0.
    shuffle : bool, default=True
        Reshuffle the training rows before every epoch.
    memory : str, joblib.Memory or None, default=None
        Cache for the layer fits. Layer ``l`` is reused when its input, its
        settings and ``random_state`` are the same, so a re-run, or a stack
        that only adds or widens upper layers, reuses the trained lower layers.
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
        One dict per layer, each holding arrays with one value per epoch:
        ``"reconstruction_error"``, the mean over training samples of
        ``||v0 - v||^2`` during the epoch; ``"hspm"``, the mean Hoyer
        sparseness of the positive-phase hidden probabilities ``h0`` over the
        epoch (:func:`~sklearn_sparsity.metrics.hoyer_sparseness`); and
        ``"time"``, seconds.
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

    _parameter_constraints: dict = {
        **SHARED_CONSTRAINTS,
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "n_epochs": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "cd_steps": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes=(500, 500, 2000),
        *,
        n_epochs=50,
        learning_rate=0.1,
        batch_size=100,
        momentum=(0.5, 0.9),
        momentum_schedule="linear",
        weight_decay=1e-4,
        cd_steps=1,
        init_std=0.01,
        shuffle=True,
        memory=None,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.momentum = momentum
        self.momentum_schedule = momentum_schedule
        self.weight_decay = weight_decay
        self.cd_steps = cd_steps
        self.init_std = init_std
        self.shuffle = shuffle
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    def _validate_input(self, X, reset):
        X = validate_data(
            self, X, accept_sparse="csr", dtype=(np.float32, np.float64),
            reset=reset,
        )
        if reset:
            # Training needs [0, 1]; a fitted stack is defined for any finite
            # input (test data scaled with training statistics may stray a
            # little outside [0, 1]).
            BERNOULLI.check_input(X, type(self).__name__)
        return X

    def _layer_settings(self):
        sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        n_layers = len(sizes)
        epochs = per_layer(self.n_epochs, n_layers, "n_epochs", kind=Integral)
        rates = per_layer(self.learning_rate, n_layers, "learning_rate")
        momentum = check_momentum(self.momentum)
        return sizes, epochs, rates, momentum

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the layers greedily, bottom up.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data with values in [0, 1] (Bernoulli visible units; a
            ``ValueError`` otherwise). float32 and float64 are kept as given;
            other dtypes are converted to float32.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        with atomic_fit(self):
            X = self._validate_input(X, reset=True)
            self._fit_layers(X, self._layer_settings())
        return self

    def _fit_layers(self, X, settings, *, max_layers=None):
        """Fit the stack on validated ``X``; set attributes only on success."""
        sizes, epochs, rates, momentum = settings
        n_layers = len(sizes) if max_layers is None else max_layers
        seeds = layer_seeds(self.random_state, n_layers)
        fit_layer = _cached_fit_layer(self.memory)

        coefs, hidden_b, visible_b, history = [], [], [], []
        layer_input = X
        for layer in range(n_layers):
            tic = time.perf_counter()
            W, b, c, hist = fit_layer(
                layer_input, sizes[layer], n_epochs=int(epochs[layer]),
                learning_rate=float(rates[layer]), batch_size=self.batch_size,
                momentum=momentum, momentum_schedule=self.momentum_schedule,
                weight_decay=self.weight_decay,
                cd_steps=self.cd_steps, init_std=self.init_std,
                shuffle=self.shuffle, seed=seeds[layer], what=f"RBM layer {layer}",
                hooks=(rbm_epoch_printer(layer),) if self.verbose else (),
            )
            coefs.append(W)
            hidden_b.append(b)
            visible_b.append(c)
            history.append(hist)
            if self.verbose:
                print(
                    f"[StackedRBM] layer {layer} ({layer_input.shape[1]} -> "
                    f"{sizes[layer]}) done in {time.perf_counter() - tic:.1f} s",
                    flush=True,
                )
            if layer + 1 < n_layers:
                layer_input = forward(layer_input, [W], [b], loss=None)[0]

        self.coefs_ = coefs
        self.intercepts_ = hidden_b
        self.visible_intercepts_ = visible_b
        self.history_ = history
        self.n_layers_ = n_layers
        return self

    def transform_layers(self, X):
        """Mean-field activations of every hidden layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, normally in [0, 1] like the training data; other finite
            values are accepted.

        Returns
        -------
        layers : list of ndarray of shape (n_samples, n_hidden_l)
            Hidden probabilities of each layer, bottom up, in the dtype of the
            fitted weights' input (float32 stays float32).
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        return self._forward(X)

    def _forward(self, X):
        dtype = X.dtype
        return forward(
            X,
            [W.astype(dtype, copy=False) for W in self.coefs_],
            [b.astype(dtype, copy=False) for b in self.intercepts_],
            loss=None,
        )

    def transform(self, X):
        """Mean-field activations of the top hidden layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, normally in [0, 1] like the training data; other finite
            values are accepted.

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
            Hidden probabilities of the top layer.
        """
        return self.transform_layers(X)[-1]

    def inverse_transform(self, X):
        """Mean-field top-down reconstruction of input data from top activations.

        Each layer maps its hidden probabilities ``h`` to the mean of its
        visible units, ``sigmoid(h W^T + c)`` for Bernoulli units, from the
        top layer down.

        Parameters
        ----------
        X : array-like of shape (n_samples, hidden_layer_sizes[-1])
            Top-layer activations (e.g. the output of :meth:`transform`).

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, `n_features_in_`)
            Reconstructed input probabilities.
        """
        check_is_fitted(self)
        H = self._check_top(X)
        for W, c in zip(reversed(self.coefs_), reversed(self.visible_intercepts_)):
            H = BERNOULLI.reconstruct(H, W.astype(H.dtype, copy=False),
                                      c.astype(H.dtype, copy=False))
        return H

    def _sparsity_layers(self):
        """The hook of the metrics' layer adapter: every layer's weights.

        One dict per hidden layer, bottom up: ``coef`` (n_in, n_out),
        ``intercept``, ``visible_intercept`` (the RBM's visible bias ``c``)
        and ``units`` (the visible units, which reconstruct the layer's input
        for the threshold rule); the hidden units are logistic.
        """
        check_is_fitted(self)
        return [{"coef": W, "intercept": b, "visible_intercept": c,
                 "activation": "logistic", "units": BERNOULLI}
                for W, b, c in zip(self.coefs_, self.intercepts_,
                                   self.visible_intercepts_)]

    def _check_top(self, X):
        H = check_array(X, dtype=(np.float32, np.float64))
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
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
