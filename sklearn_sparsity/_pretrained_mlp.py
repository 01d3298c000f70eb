"""Sigmoid MLP classifier initialised from a stack of RBMs (DBN), or at random."""

import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import TransformerTags, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._backprop import (
    LOSSES,
    BackpropWorkspace,
    forward,
    output_activation,
    train_epoch,
)
from ._base import atomic_fit
from ._optim import (
    MOMENTUM_SCHEDULES,
    MomentumSGD,
    check_divergence,
    momentum_at,
)
from ._stacked_rbm import StackedRBMTransformer
from ._validation import check_hidden_layer_sizes, check_momentum, check_unit_interval


class PretrainedMLPClassifier(ClassifierMixin, BaseEstimator):
    """Sigmoid multi-layer perceptron, optionally pretrained as a stack of RBMs.

    The three networks compared by Li et al. (2013) are switches of one
    estimator:

    - ``pretrain=True, finetune=True`` (**DBN**): the hidden layers start
      from a :class:`StackedRBMTransformer` fitted on ``X`` (kept as
      ``pretrainer_``), the output layer from ``N(0, init_std)``; then the
      whole network is trained by backpropagation.
    - ``pretrain=False`` (**Dsigm**): every layer starts from
      ``N(0, init_std)`` weights and zero biases; same backpropagation.
    - ``pretrain=True, finetune=False`` (**DpRBM**): the hidden layers stay
      exactly as pretrained; only the output layer is trained.

    Training is minibatch SGD with classical momentum (rising linearly over
    the first half of the epochs, as in pretraining) and L2 weight decay on
    the weights: ``velocity = momentum * velocity - learning_rate * (grad +
    weight_decay * W)``, ``W += velocity``.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(500, 500, 2000)
        Number of sigmoid units in each hidden layer.
    pretrain : bool, default=True
        Initialise the hidden layers with greedy RBM pretraining.
    finetune : bool, default=True
        Train the hidden layers by backpropagation. ``False`` requires
        ``pretrain=True`` (DpRBM: only the output layer is trained).
    pretrain_epochs : int or sequence of int, default=50
        CD-1 epochs of each RBM layer (see :class:`StackedRBMTransformer`).
    pretrain_learning_rate : float or sequence of float, default=0.1
        Learning rate of the RBM layers.
    n_epochs : int, default=200
        Maximum number of backpropagation epochs.
    learning_rate : float, default=0.1
        Backpropagation step size.
    batch_size : int, default=100
        Minibatch size, for pretraining and backpropagation.
    momentum : float or (float, float), default=(0.5, 0.9)
        Constant momentum or a ``(start, end)`` schedule over the first half
        of the epochs, for pretraining and backpropagation.
    momentum_schedule : {"linear", "step"}, default="linear"
        Shape of a ``(start, end)`` momentum schedule: a linear ramp to
        ``end`` at epoch ``n_epochs // 2`` or a step there (see
        :class:`StackedRBMTransformer`).
    weight_decay : float, default=1e-4
        L2 penalty on the weights, for pretraining and backpropagation.
    loss : {"log_loss", "squared_error"}, default="log_loss"
        ``"log_loss"``: softmax outputs with cross-entropy.
        ``"squared_error"``: sigmoid outputs against one-hot targets, with
        loss ``0.5 * ||output - target||^2`` per sample.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified) and
        stop when the validation accuracy has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the best weights are kept.
    validation_fraction : float, default=0.1
        Held-out fraction for early stopping.
    n_iter_no_change : int, default=10
        Patience of the stopping criterion, in epochs.
    tol : float or None, default=1e-4
        Stopping tolerance. Without early stopping, training stops when the
        training loss has not decreased by at least ``tol`` for
        ``n_iter_no_change`` consecutive epochs. ``None`` disables the
        criterion and always runs ``n_epochs`` epochs (the paper's protocol).
        A :class:`~sklearn.exceptions.ConvergenceWarning` is raised when
        ``n_epochs`` ends before a criterion in use was met.
    init_std : float, default=0.01
        Standard deviation of the Gaussian initial weights.
    shuffle : bool, default=True
        Reshuffle the training data before every epoch.
    memory : str, joblib.Memory or None, default=None
        Cache for the pretrained layers (see :class:`StackedRBMTransformer`).
    random_state : int, RandomState instance or None, default=None
        Seeds pretraining, initialisation, shuffling and the validation split.
    verbose : int, default=0
        Print one line per epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coefs_ : list of ndarray
        Weights of every layer, output layer last; ``coefs_[i]`` has shape
        ``(n_in, n_out)``.
    intercepts_ : list of ndarray
        Biases of every layer, output layer last.
    pretrainer_ : StackedRBMTransformer
        The fitted stack the hidden layers started from (only when
        ``pretrain=True``).
    n_iter_ : int
        Backpropagation epochs run.
    t_ : int
        Training samples seen by backpropagation.
    loss_ : float
        Mean training loss of the last epoch (data term, without the L2
        penalty).
    loss_curve_ : list of float
        Mean training loss of every epoch.
    best_loss_ : float or None
        Lowest training loss (``None`` with early stopping).
    validation_scores_ : list of float or None
        Validation accuracy after every epoch (early stopping only).
    best_validation_score_ : float or None
        Best validation accuracy (early stopping only).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    out_activation_ : str
        ``"softmax"`` or ``"logistic"``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    StackedRBMTransformer : The greedy RBM stack used for pretraining.
    sklearn.neural_network.MLPClassifier : Randomly initialised MLP.

    References
    ----------
    .. [1] J. Li, W. Luo, J. Yang, X. Yuan, "Unsupervised Pretraining
       Encourages Moderate-Sparseness", arXiv:1312.5813, 2013.
    .. [2] G. E. Hinton, R. R. Salakhutdinov, "Reducing the Dimensionality of
       Data with Neural Networks", Science 313, 2006.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_sparsity import PretrainedMLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> clf = PretrainedMLPClassifier((64, 32), pretrain_epochs=2, n_epochs=5,
    ...                               tol=None, random_state=0).fit(X, y)
    >>> clf.predict(X[:5]).shape
    (5,)
    >>> [H.shape[1] for H in clf.transform_layers(X[:5])]
    [64, 32]
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "pretrain": ["boolean"],
        "finetune": ["boolean"],
        "pretrain_epochs": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "pretrain_learning_rate": [
            Interval(Real, 0, None, closed="neither"),
            "array-like",
        ],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left"), tuple, list],
        "momentum_schedule": [StrOptions(set(MOMENTUM_SCHEDULES))],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "init_std": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "memory": [None, str, HasMethods(["cache"])],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(500, 500, 2000),
        *,
        pretrain=True,
        finetune=True,
        pretrain_epochs=50,
        pretrain_learning_rate=0.1,
        n_epochs=200,
        learning_rate=0.1,
        batch_size=100,
        momentum=(0.5, 0.9),
        momentum_schedule="linear",
        weight_decay=1e-4,
        loss="log_loss",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        init_std=0.01,
        shuffle=True,
        memory=None,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.pretrain = pretrain
        self.finetune = finetune
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_learning_rate = pretrain_learning_rate
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.momentum = momentum
        self.momentum_schedule = momentum_schedule
        self.weight_decay = weight_decay
        self.loss = loss
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.init_std = init_std
        self.shuffle = shuffle
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Pretrain (optionally), then train the network by backpropagation.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. With ``pretrain=True`` values must lie in [0, 1]
            (Bernoulli visible units); otherwise any finite values. Prediction
            accepts any finite values (e.g. test data scaled with training
            statistics that strays a little outside [0, 1]).
        y : array-like of shape (n_samples,)
            Class labels (any type scikit-learn accepts; at least 2 classes).

        Returns
        -------
        self : object
            The fitted classifier.
        """
        return self._fit_checked(X, y, pretrainer=None)

    def _pretrainer(self, sizes, seed):
        return StackedRBMTransformer(
            sizes, n_epochs=self.pretrain_epochs,
            learning_rate=self.pretrain_learning_rate, batch_size=self.batch_size,
            momentum=self.momentum, momentum_schedule=self.momentum_schedule,
            weight_decay=self.weight_decay, cd_steps=1,
            init_std=self.init_std, shuffle=self.shuffle, memory=self.memory,
            random_state=seed, verbose=self.verbose,
        )

    def _fit(self, X, y, pretrainer=None, monitor=None):
        """Fit; ``pretrainer`` is an already fitted stack to start from.

        Used by the experiments so that the DBN and the DpRBM share one
        pretrained stack (it must have been fitted on the same ``X`` with this
        estimator's pretraining settings). ``monitor(epoch, coefs,
        intercepts)``, if given, is called after every back-propagation epoch
        (1-based) with the current parameters (read them, do not change
        them). Parameters are validated here (``fit`` validates them through
        ``_fit_context``), and a failed or interrupted fit changes no fitted
        attribute.
        """
        self._validate_params()
        return self._fit_checked(X, y, pretrainer, monitor)

    def _fit_checked(self, X, y, pretrainer, monitor=None):
        """Fit with validated parameters; attributes unchanged on failure."""
        if pretrainer is not None:
            check_is_fitted(pretrainer)
            sizes = tuple(W.shape[1] for W in pretrainer.coefs_)
            if sizes != check_hidden_layer_sizes(self.hidden_layer_sizes):
                raise ValueError(
                    f"The given pretrainer has hidden layers {sizes}, but "
                    f"hidden_layer_sizes={self.hidden_layer_sizes!r}."
                )
        with atomic_fit(self):
            return self._fit_network(X, y, pretrainer, monitor)

    def _fit_network(self, X, y, pretrainer, monitor=None):
        if not self.finetune and not self.pretrain:
            raise ValueError(
                "finetune=False trains only the output layer on top of pretrained "
                "hidden layers, so it requires pretrain=True (got pretrain=False)."
            )
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=(np.float32, np.float64),
        )
        if self.pretrain:
            check_unit_interval(X, type(self).__name__)
        check_classification_targets(y)
        sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        momentum = check_momentum(self.momentum)

        encoder = LabelEncoder().fit(y)
        classes = encoder.classes_
        if classes.shape[0] < 2:
            raise ValueError(
                "PretrainedMLPClassifier needs samples of at least 2 classes; got "
                f"one class only ({classes[0]!r})."
            )
        y_idx = encoder.transform(y)
        dtype = X.dtype
        rng = check_random_state(self.random_state)
        stack_seed, split_seed, init_seed = rng.randint(
            np.iinfo(np.int32).max, size=3
        )

        X_val = y_val = None
        X_train, y_train = X, y_idx
        if self.early_stopping:
            X_train, X_val, y_train, y_val = train_test_split(
                X, y_idx, test_size=self.validation_fraction, stratify=y_idx,
                random_state=int(split_seed),
            )

        generator = np.random.default_rng(int(init_seed))
        coefs, intercepts = [], []
        pretrainer_ = None
        if self.pretrain:
            if pretrainer is None:
                pretrainer = self._pretrainer(sizes, int(stack_seed)).fit(X_train)
            pretrainer_ = pretrainer
            for W, b in zip(pretrainer.coefs_, pretrainer.intercepts_):
                coefs.append(W.astype(dtype, copy=True))
                intercepts.append(b.astype(dtype, copy=True))
        else:
            fan_in = [X.shape[1], *sizes[:-1]]
            for n_in, n_out in zip(fan_in, sizes):
                coefs.append(self._init_weights(generator, n_in, n_out, dtype))
                intercepts.append(np.zeros(n_out, dtype=dtype))
        n_outputs = classes.shape[0]
        coefs.append(self._init_weights(generator, sizes[-1], n_outputs, dtype))
        intercepts.append(np.zeros(n_outputs, dtype=dtype))

        state = self._backprop(
            X_train, y_train, X_val, y_val, coefs, intercepts, momentum, generator,
            n_outputs, monitor,
        )

        self.classes_ = classes
        self.coefs_ = state["coefs"]
        self.intercepts_ = state["intercepts"]
        if pretrainer_ is not None:
            self.pretrainer_ = pretrainer_
        self.n_iter_ = state["n_iter"]
        self.t_ = state["n_iter"] * X_train.shape[0]
        self.loss_curve_ = state["loss_curve"]
        self.loss_ = state["loss_curve"][-1] if state["loss_curve"] else np.nan
        self.best_loss_ = None if self.early_stopping else state["best_loss"]
        self.validation_scores_ = state["validation_scores"]
        self.best_validation_score_ = state["best_validation_score"]
        self.n_layers_ = len(sizes) + 2
        self.n_outputs_ = n_outputs
        self.out_activation_ = output_activation(self.loss)
        return self

    def _init_weights(self, generator, n_in, n_out, dtype):
        return generator.normal(0.0, self.init_std, size=(n_in, n_out)).astype(
            dtype, copy=False
        )

    def _backprop(self, X, y_idx, X_val, y_val, coefs, intercepts, momentum,
                  generator, n_outputs, monitor=None):
        """Run the SGD epochs; returns the final (or best) parameters."""
        dtype = coefs[0].dtype
        n_samples = X.shape[0]
        Y = np.zeros((n_samples, n_outputs), dtype=dtype)
        Y[np.arange(n_samples), y_idx] = 1
        batch_size = min(self.batch_size, n_samples)
        first_trainable = 0 if self.finetune else len(coefs) - 1
        optimizer = MomentumSGD(
            coefs + intercepts, [True] * len(coefs) + [False] * len(coefs),
            self.weight_decay,
        )
        ws = BackpropWorkspace(batch_size, X.shape[1], coefs, dtype)
        order = np.arange(n_samples)

        loss_curve, val_scores = [], []
        best_loss, best_val = np.inf, -np.inf
        best_params = None
        no_improve = 0
        stopped_by_criterion = False
        n_iter = 0
        for epoch in range(self.n_epochs):
            tic = time.perf_counter()
            if self.shuffle:
                generator.shuffle(order)
            # Overflow is detected below and reported as a ValueError.
            with np.errstate(over="ignore", invalid="ignore"):
                epoch_loss = train_epoch(
                    X, Y, coefs, intercepts, optimizer, ws, order=order,
                    batch_size=batch_size, learning_rate=self.learning_rate,
                    momentum=momentum_at(epoch, self.n_epochs, momentum,
                                         self.momentum_schedule),
                    loss=self.loss, first_trainable=first_trainable,
                )
            n_iter = epoch + 1
            check_divergence("Backpropagation", n_iter, self.learning_rate,
                             coefs, epoch_loss)
            loss_curve.append(epoch_loss)
            if monitor is not None:
                monitor(n_iter, coefs, intercepts)
            message = f"loss {epoch_loss:.5f}"
            if X_val is not None:
                probs = forward(X_val, coefs, intercepts, self.loss)[-1]
                score = float(np.mean(probs.argmax(axis=1) == y_val))
                val_scores.append(score)
                message += f", validation accuracy {score:.4f}"
                if score > best_val:
                    best_params = ([W.copy() for W in coefs],
                                   [b.copy() for b in intercepts])
                improved = score > best_val + (self.tol or 0.0)
                best_val = max(best_val, score)
            else:
                improved = epoch_loss < best_loss - (self.tol or 0.0)
                best_loss = min(best_loss, epoch_loss)
            no_improve = 0 if improved else no_improve + 1
            if self.verbose:
                print(
                    f"[PretrainedMLP] epoch {epoch + 1}/{self.n_epochs}: "
                    f"{message}, {time.perf_counter() - tic:.2f} s",
                    flush=True,
                )
            if self.tol is not None and no_improve >= self.n_iter_no_change:
                stopped_by_criterion = True
                if self.verbose:
                    print(
                        "[PretrainedMLP] stopping: no improvement of more than "
                        f"tol={self.tol} for {self.n_iter_no_change} epochs",
                        flush=True,
                    )
                break
        if self.tol is not None and not stopped_by_criterion:
            warnings.warn(
                f"PretrainedMLPClassifier: the maximum number of epochs "
                f"({self.n_epochs}) was reached before the "
                f"{'validation score' if X_val is not None else 'training loss'} "
                "stopped improving. Increase n_epochs, or set tol=None to train "
                "for a fixed number of epochs.",
                ConvergenceWarning,
            )
        if X_val is not None and best_params is not None:
            coefs, intercepts = best_params
        return {
            "coefs": coefs, "intercepts": intercepts, "n_iter": n_iter,
            "loss_curve": loss_curve, "best_loss": best_loss,
            "validation_scores": val_scores if X_val is not None else None,
            "best_validation_score": best_val if X_val is not None else None,
        }

    # ------------------------------------------------------------ predict
    def _validate_predict_input(self, X):
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=(np.float32, np.float64),
            reset=False,
        )
        return X

    def _params_for(self, X):
        dtype = X.dtype
        return ([W.astype(dtype, copy=False) for W in self.coefs_],
                [b.astype(dtype, copy=False) for b in self.intercepts_])

    def predict_proba(self, X):
        """Class probabilities.

        With ``loss="squared_error"`` the sigmoid outputs are normalised to sum
        to one.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns ordered as ``classes_``.
        """
        X = self._validate_predict_input(X)
        coefs, intercepts = self._params_for(X)
        P = forward(X, coefs, intercepts, self.loss)[-1]
        if self.loss == "squared_error":
            total = P.sum(axis=1, keepdims=True)
            P = np.divide(P, total, out=np.full_like(P, 1.0 / P.shape[1]),
                          where=total > 0)
        return P

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class (probabilities clipped at the
            dtype's smallest positive normal number).
        """
        P = self.predict_proba(X)
        return np.log(np.maximum(P, np.finfo(P.dtype).tiny))

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def transform_layers(self, X):
        """Activations of every hidden layer (sigmoid outputs).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        layers : list of ndarray of shape (n_samples, n_hidden_l)
            Hidden activations, bottom up; the output layer is not included.
        """
        X = self._validate_predict_input(X)
        coefs, intercepts = self._params_for(X)
        return forward(X, coefs[:-1], intercepts[:-1], loss=None)

    def transform(self, X):
        """Activations of the top hidden layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
            Sigmoid activations of the last hidden layer.
        """
        return self.transform_layers(X)[-1]

    def fit_transform(self, X, y):
        """Fit the classifier, then return the top hidden layer's activations.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
            Sigmoid activations of the last hidden layer.
        """
        return self.fit(X, y).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = bool(self.pretrain)
        # transform/transform_layers expose hidden activations.
        tags.transformer_tags = TransformerTags(preserves_dtype=["float64", "float32"])
        return tags
