"""Sigmoid MLP classifier initialised from a stack of RBMs (DBN), or at random."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import TransformerTags, metadata_routing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from ._array_api import to_numpy
from ._backend import NUMPY, get_backend
from ._backprop import (
    ACTIVATIONS,
    LOSSES,
    forward,
    output_activation,
    train_backprop,
)
from ._base import (
    DOC_LINK_TEMPLATE,
    SHARED_CONSTRAINTS,
    atomic_fit,
    backprop_epoch_printer,
    check_same_backend,
    check_weights,
)
from ._mlp_fitting import (
    backprop_learning_rate,
    check_fit_settings,
    fit_network,
    network_layers,
    network_settings,
    partial_fit_network,
)
from ._stacked_rbm import StackedRBMTransformer
from ._units import UNITS
from ._validation import (
    check_hidden_layer_sizes,
)


class PretrainedMLPClassifier(
    ClassNamePrefixFeaturesOutMixin, ClassifierMixin, TransformerMixin,
    BaseEstimator,
):
    """Sigmoid multi-layer perceptron, optionally pretrained as a stack of RBMs.

    The three networks compared by Li et al. (2013), and a ReLU control, are
    switches of one estimator:

    - ``pretrain=True, finetune=True`` (**DBN**): the hidden layers start
      from a :class:`StackedRBMTransformer` fitted on ``X`` (kept as
      ``pretrainer_``), the output layer as ``init`` says; then the whole
      network is trained by backpropagation.
    - ``pretrain=False`` (**Dsigm**): every layer starts from
      weights drawn as ``init`` says and zero biases; same backpropagation.
    - ``pretrain=True, finetune=False`` (**DpRBM**): the hidden layers stay
      exactly as pretrained; only the output layer is trained.
    - ``pretrain=False, activation="relu"`` (**Drelu**, not in the paper):
      rectified linear hidden units from He's initialisation, the control
      for the claim that pretraining is what makes a network sparse
      (rectifier networks are sparse without it; Glorot, Bordes and Bengio,
      2011).

    Training is minibatch SGD with classical momentum (rising linearly over
    the first half of the epochs, as in pretraining) and L2 weight decay on
    the weights: ``velocity = momentum * velocity - learning_rate * (grad +
    weight_decay * W)``, ``W += velocity``.

    The defaults are the paper's network and protocol (500-500-2000, 50
    pretraining epochs per layer, 200 fine-tuning epochs): about 4 minutes on
    scikit-learn's 1,797 digits on two cores, against seconds for
    ``MLPClassifier()``. For exploration, something like
    ``PretrainedMLPClassifier((256, 256), pretrain_epochs=10, n_epochs=30,
    batch_size=20)`` trains in seconds; ``verbose=1`` prints every epoch.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(500, 500, 2000)
        Number of units in each hidden layer.
    activation : {"logistic", "relu"}, default="logistic"
        Non-linearity of the hidden layers: the logistic sigmoid (the paper's
        networks) or the rectifier ``max(0, z)``, which needs
        ``pretrain=False`` (the RBM stack's hidden units are sigmoid units).
    pretrain : bool, default=True
        Initialise the hidden layers with greedy RBM pretraining.
    finetune : bool, default=True
        Train the hidden layers by backpropagation. ``False`` requires
        ``pretrain=True`` (DpRBM: only the output layer is trained).
    pretrain_epochs : int or sequence of int, default=50
        CD-1 epochs of each RBM layer (see :class:`StackedRBMTransformer`).
    pretrain_learning_rate : float or sequence of float, default=0.1
        Learning rate of the RBM layers (a scalar is divided by 10 for a
        Gaussian first layer, see :class:`StackedRBMTransformer`).
    visible_units : {"bernoulli", "gaussian"}, default="bernoulli"
        Visible units of the first RBM (``pretrain=True``): ``"bernoulli"``
        for data in [0, 1], ``"gaussian"`` for standardised real-valued data
        (e.g. :class:`~sklearn.preprocessing.StandardScaler` first); see
        :class:`StackedRBMTransformer`. Without pretraining it only tells
        the metrics' threshold rule how to reconstruct the input (linearly
        for ``"gaussian"``).
    n_epochs : int, default=200
        Maximum number of backpropagation epochs.
    learning_rate : float or "auto", default="auto"
        Backpropagation step size. ``"auto"``: 0.1 for ``"logistic"``
        hidden units (the paper's rate) and 0.03 for ``"relu"`` ones, about
        three times below where ReLU training became unstable on digits
        (0.1 at ``batch_size=20``, 0.05 at 10: jumps of the loss, and
        accuracy down to 0.89; 0.03: 0.967-0.980 at batch sizes 10 to 100,
        5 seeds). Resolved in ``learning_rate_``.
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
        ``n_iter_no_change`` epochs; the best weights are kept. A
        ``ValueError`` when some class cannot be on both sides of the split
        (fewer than 2 samples, or a held-out part smaller than the number of
        classes); ``MLPClassifier`` stratifies binary problems only, we
        stratify every problem so that each class is validated.
        ``partial_fit`` does not support it.
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
    init : {"auto", "glorot", "he", "normal"}, default="auto"
        How the layers that are not pretrained start (all of them with
        ``pretrain=False``, the output layer otherwise): ``"glorot"``,
        uniform in ``[-a, a]`` with ``a = sqrt(2 / (n_in + n_out))``, as
        scikit-learn's ``MLPClassifier`` does for logistic units, which
        trains from the defaults; ``"he"``, ``N(0, sqrt(2 / n_in))`` (He et
        al., 2015), for rectifier layers; ``"auto"``, He for the hidden
        layers of a ReLU network and Glorot otherwise; ``"normal"``,
        ``N(0, init_std)``, the paper's with ``init_std=0.01`` (what the
        reproduction uses: such small weights train slowly without
        pretraining).
    init_std : float, default=0.01
        Standard deviation of the Gaussian initial weights of the pretraining
        RBMs, and of the other layers with ``init="normal"``.
    cd_steps : int, default=1
        Gibbs steps ``k`` of the pretraining's CD-k.
    persistent : bool, default=False
        Pretrain with persistent CD (see :class:`StackedRBMTransformer`).
    warm_start : bool, default=False
        A new ``fit`` continues back-propagation from the fitted network
        (its weights, velocities, momentum schedule and shuffling) for
        ``n_epochs`` more epochs, keeping ``pretrainer_``. As in
        ``MLPClassifier``, ``n_iter_`` counts the epochs of the last call
        while ``t_``, ``loss_curve_`` and ``validation_scores_`` accumulate.
        The network's shape and units cannot change: a ``ValueError`` when
        ``hidden_layer_sizes``, ``activation``, ``loss``, ``visible_units``,
        the features or the classes differ from the previous fit's (set
        ``warm_start=False`` to fit a new network).
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
    learning_rate_ : float
        The backpropagation rate used (``learning_rate`` with ``"auto"``
        resolved).
    n_iter_ : int
        Backpropagation epochs run by the last call to ``fit`` (1 after
        ``partial_fit``), as in ``MLPClassifier``.
    t_ : int
        Training samples seen by backpropagation, over every call.
    loss_ : float
        Mean training loss of the last epoch (data term, without the L2
        penalty).
    loss_curve_ : list of float
        Mean training loss of every epoch, over every call (``warm_start``
        fits and ``partial_fit`` append to it).
    best_loss_ : float or None
        Lowest training loss (``None`` with early stopping).
    validation_scores_ : list of float or None
        Validation accuracy after every epoch with early stopping, over every
        ``warm_start`` fit (None when no fit used early stopping).
    best_validation_score_ : float or None
        Best validation accuracy of the last fit, whose best epoch's weights
        are kept (early stopping only). Unlike ``MLPClassifier``, a
        ``warm_start`` fit never goes back to an earlier fit's weights: it
        keeps the best epoch of its own training.
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
    .. [2] G. E. Hinton, R. R. Salakhutdinov, "Reducing the Dimensionality of
       Data with Neural Networks", Science 313, 2006.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_sparsity import PretrainedMLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> clf = PretrainedMLPClassifier((64, 32), pretrain_epochs=2, n_epochs=5,
    ...                               batch_size=20, tol=None,
    ...                               random_state=0).fit(X, y)
    >>> clf.predict(X[:5]).shape
    (5,)
    >>> bool(clf.score(X, y) > 0.9)  # it learned (training accuracy)
    True
    >>> [H.shape[1] for H in clf.transform_layers(X[:5])]
    [64, 32]
    """

    _doc_link_module = "sklearn_sparsity"
    _doc_link_template = DOC_LINK_TEMPLATE

    _parameter_constraints: dict = {
        **SHARED_CONSTRAINTS,
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
        "learning_rate": [Interval(Real, 0, None, closed="neither"),
                          StrOptions({"auto"})],
        "loss": [StrOptions(set(LOSSES))],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "init": [StrOptions({"auto", "glorot", "he", "normal"})],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "visible_units": [StrOptions(set(UNITS))],
        "cd_steps": [Interval(Integral, 1, None, closed="left")],
        "persistent": ["boolean"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(500, 500, 2000),
        *,
        activation="logistic",
        pretrain=True,
        finetune=True,
        pretrain_epochs=50,
        pretrain_learning_rate=0.1,
        visible_units="bernoulli",
        n_epochs=200,
        learning_rate="auto",
        batch_size=100,
        momentum=(0.5, 0.9),
        momentum_schedule="linear",
        weight_decay=1e-4,
        loss="log_loss",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        init="auto",
        init_std=0.01,
        cd_steps=1,
        persistent=False,
        warm_start=False,
        shuffle=True,
        memory=None,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.pretrain = pretrain
        self.finetune = finetune
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_learning_rate = pretrain_learning_rate
        self.visible_units = visible_units
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
        self.init = init
        self.init_std = init_std
        self.cd_steps = cd_steps
        self.persistent = persistent
        self.warm_start = warm_start
        self.shuffle = shuffle
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    # ``pretrainer`` is an argument of fit, not routed metadata.
    __metadata_request__fit = {"pretrainer": metadata_routing.UNUSED}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, pretrainer=None):
        """Pretrain (optionally), then train the network by backpropagation.

        With ``warm_start=True`` and a fitted network, continue its
        back-propagation instead. A fit that fails or is interrupted
        (``KeyboardInterrupt``, which reaches the caller) changes no fitted
        attribute: a new classifier stays unfitted, a fitted one keeps its
        previous fit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. With ``pretrain=True`` values must lie in [0, 1]
            (Bernoulli visible units); otherwise any finite values. Prediction
            accepts any finite values (e.g. test data scaled with training
            statistics that strays a little outside [0, 1]).
        y : array-like of shape (n_samples,)
            Class labels (any type scikit-learn accepts; at least 2 classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples, in pretraining (each row's share of the
            CD statistics) and in the training loss (a weighted mean per
            minibatch). Routed by ``set_fit_request`` in meta-estimators.
        pretrainer : StackedRBMTransformer, default=None
            An already fitted stack to start the hidden layers from, instead
            of pretraining one (``pretrain=True`` only). It must have
            ``hidden_layer_sizes`` hidden layers and should have been fitted
            on ``X`` with this classifier's pretraining settings (see
            :meth:`make_pretrainer`): the DBN and the DpRBM of the paper's
            comparison start from one stack this way. It is kept, not copied,
            as ``pretrainer_``.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        return self._fit_checked(X, y, pretrainer, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One back-propagation pass over the given rows.

        The first call sets up the network: ``classes`` must then list every
        class that will appear, and with ``pretrain=True`` the stack is
        pretrained on this first chunk (``pretrain_epochs`` CD epochs per
        layer; to pretrain on more data, fit a stack with its own
        ``partial_fit`` and start from it with ``fit(X, y,
        pretrainer=stack)``, then continue with ``partial_fit``). Every call,
        the first included, is one epoch of back-propagation over its rows
        and one epoch of the momentum schedule; ``tol`` is not used, and
        ``early_stopping=True`` is refused, as in ``MLPClassifier``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,)
            Its class labels.
        classes : array-like of shape (n_classes,), default=None
            All classes; required on the first call. Later calls may pass
            the same classes or None (other classes: ``ValueError``).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows (see :meth:`fit`).

        Returns
        -------
        self : object
            The classifier, trained on one more chunk.
        """
        with atomic_fit(self):
            self._partial_fit(X, y, classes, sample_weight)
        return self

    def make_pretrainer(self, random_state=None):
        """The :class:`StackedRBMTransformer` this classifier pretrains with.

        The one mapping from the classifier's pretraining parameters
        (``pretrain_epochs``, ``pretrain_learning_rate``, ``batch_size``,
        ``momentum``, ``momentum_schedule``, ``weight_decay``, ``init_std``,
        ``shuffle``, ``memory``, ``verbose``) to a stack; ``fit`` uses it with
        a seed drawn from ``random_state``.

        Parameters
        ----------
        random_state : int, RandomState instance or None, default=None
            The stack's ``random_state``.

        Returns
        -------
        stack : StackedRBMTransformer
            Unfitted.
        """
        return StackedRBMTransformer(
            check_hidden_layer_sizes(self.hidden_layer_sizes),
            n_epochs=self.pretrain_epochs,
            learning_rate=self.pretrain_learning_rate,
            visible_units=self.visible_units, batch_size=self.batch_size,
            momentum=self.momentum, momentum_schedule=self.momentum_schedule,
            weight_decay=self.weight_decay, cd_steps=self.cd_steps,
            persistent=self.persistent,
            init_std=self.init_std, shuffle=self.shuffle, memory=self.memory,
            random_state=random_state, verbose=self.verbose,
        )

    def _fit(self, X, y, pretrainer=None, hooks=(), sample_weight=None):
        """:meth:`fit` with progress hooks, for the experiments.

        ``hooks`` are called with an ``EpochEnd`` after every
        back-propagation epoch (its ``state`` holds the current parameters:
        read them, do not change them). Parameters are validated here.
        """
        self._validate_params()
        return self._fit_checked(X, y, pretrainer, hooks, sample_weight)

    def _fit_checked(self, X, y, pretrainer, hooks=(), sample_weight=None):
        """Fit with validated parameters; attributes unchanged on failure."""
        check_fit_settings(self, pretrainer)
        with atomic_fit(self):
            return self._fit_network(X, y, pretrainer, hooks, sample_weight)

    def _validate_training_data(self, X, y, sample_weight, reset):
        """Validated ``X`` (in its namespace), labels and weights on the host."""
        X, y = validate_data(
            self, X, y, accept_sparse="csr",
            dtype=get_backend(X).float_dtypes(), reset=reset,
        )
        if self.pretrain and reset:
            X = UNITS[self.visible_units].check_input(X, type(self).__name__)
        y = to_numpy(y)
        check_classification_targets(y)
        return X, y, check_weights(sample_weight, X.shape[0])

    def _train(self, state, X, y_idx, n_epochs, hooks, sample_weight,
               validation=None, tol=None):
        """Back-propagation on ``X``'s device (labels and weights moved there)."""
        if self.verbose:
            hooks = (*hooks, backprop_epoch_printer)
        backend = state.optimizer.backend
        y_idx = backend.asarray(y_idx)
        if sample_weight is not None:
            sample_weight = backend.asarray(sample_weight, np.float64)
        if validation is not None:
            X_val, y_val, w_val = validation
            validation = (X_val, backend.asarray(y_val),
                          None if w_val is None
                          else backend.asarray(w_val, np.float64))
        return train_backprop(
            state, X, y_idx, n_epochs=n_epochs, batch_size=self.batch_size,
            learning_rate=backprop_learning_rate(self), loss=self.loss,
            first_trainable=0 if self.finetune else len(state.coefs) - 1,
            shuffle=self.shuffle, tol=tol,
            n_iter_no_change=self.n_iter_no_change, validation=validation,
            hooks=hooks, sample_weight=sample_weight,
        )

    def _fit_network(self, X, y, pretrainer, hooks=(), sample_weight=None):
        return fit_network(self, X, y, pretrainer, hooks, sample_weight)

    def _partial_fit(self, X, y, classes, sample_weight):
        partial_fit_network(self, X, y, classes, sample_weight)

    def _set_network(self, state, classes, pretrainer, result, n_train,
                     previous):
        """All fitted attributes at once, from a finished training run."""
        t, loss_curve, scores = previous
        backend = state.optimizer.backend
        # Numeric classes live with the weights (predict returns them there).
        self.classes_ = (backend.asarray(classes) if backend is not NUMPY
                         and classes.dtype.kind in "biuf" else classes)
        self.coefs_ = state.coefs
        self.intercepts_ = state.intercepts
        if pretrainer is not None:
            self.pretrainer_ = pretrainer
        self.n_iter_ = result["n_iter"]  # this call's epochs, as in sklearn
        self.learning_rate_ = backprop_learning_rate(self)
        self.t_ = t + result["n_iter"] * n_train
        self.loss_curve_ = [*loss_curve, *result["loss_curve"]]
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else np.nan
        self.best_loss_ = (None if self.early_stopping
                           else float(min(self.loss_curve_, default=np.nan)))
        self.validation_scores_ = (scores if result["validation_scores"] is None
                                   else [*(scores or []),
                                         *result["validation_scores"]])
        self.best_validation_score_ = result["best_validation_score"]
        self.n_layers_ = len(state.coefs) + 1
        self.n_outputs_ = classes.shape[0]
        self.out_activation_ = output_activation(self.loss)
        self._backprop_state_ = state
        self._network_settings_ = network_settings(self)

    # ------------------------------------------------------------ predict
    def _validate_predict_input(self, X, method):
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=get_backend(X).float_dtypes(),
            reset=False,
        )
        self._check_backend(get_backend(X), method, X)
        return X

    def _check_backend(self, backend, method, X):
        """An error unless the fitted weights live where ``X`` does."""
        check_same_backend(self, method, self._backprop_state_.optimizer.backend,
                           backend, X)

    def _params_for(self, X):
        dtype = X.dtype
        backend = get_backend(X)
        return ([backend.astype(W, dtype) for W in self.coefs_],
                [backend.astype(b, dtype) for b in self.intercepts_], backend)

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
        return self._proba(X, "predict_proba")

    def _proba(self, X, method):
        X = self._validate_predict_input(X, method)
        coefs, intercepts, backend = self._params_for(X)
        P = forward(X, coefs, intercepts, self.loss,
                    activation=self.activation, backend=backend)[-1]
        if self.loss == "squared_error":
            if backend is not NUMPY:
                xp = backend.xp
                total = xp.sum(P, axis=1, keepdims=True)
                positive = total > 0
                return xp.where(
                    positive, P / xp.where(positive, total, xp.ones_like(total)),
                    xp.full_like(P, 1.0 / P.shape[1]))
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
        P = self._proba(X, "predict_log_proba")
        backend = get_backend(P)
        if backend is not NUMPY:
            xp = backend.xp
            return xp.log(xp.clip(P, xp.finfo(P.dtype).smallest_normal, None))
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
        proba = self._proba(X, "predict")
        backend = get_backend(proba)
        if backend is not NUMPY:
            best = backend.xp.argmax(proba, axis=1)
            if get_backend(self.classes_) is NUMPY:  # labels that are not numbers
                return self.classes_[to_numpy(best)]
            return backend.xp.take(self.classes_, best)
        return self.classes_[np.argmax(proba, axis=1)]

    def transform_layers(self, X):
        """Activations of every hidden layer (sigmoid or ReLU outputs).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        layers : list of ndarray of shape (n_samples, n_hidden_l)
            Hidden activations, bottom up; the output layer is not included.
            Arrays of the input's kind (numpy, or the array API namespace of
            ``X``): ``set_output`` configures :meth:`transform` and
            :meth:`fit_transform` (the top layer), not this list.
        """
        return self._hidden_layers(X, "transform_layers")

    def _hidden_layers(self, X, method):
        X = self._validate_predict_input(X, method)
        coefs, intercepts, backend = self._params_for(X)
        return forward(X, coefs[:-1], intercepts[:-1], loss=None, backend=backend,
                       activation=self.activation)

    @property
    def _n_features_out(self):
        """Number of transformed output features (the top hidden layer)."""
        return self.coefs_[-2].shape[1]

    def _sparsity_layers(self):
        """The hook of the metrics' layer adapter (see ``network_layers``)."""
        check_is_fitted(self)
        return network_layers(self)

    def transform(self, X):
        """Activations of the top hidden layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        H : ndarray or DataFrame of shape (n_samples, hidden_layer_sizes[-1])
            Sigmoid activations of the last hidden layer; a DataFrame with
            columns ``get_feature_names_out()`` under
            ``set_output(transform="pandas")``.
        """
        return self._hidden_layers(X, "transform")[-1]

    def fit_transform(self, X, y, **fit_params):
        """Fit the classifier, then return the top hidden layer's activations.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        **fit_params : dict
            Passed to :meth:`fit` (``sample_weight``, ``pretrainer``).

        Returns
        -------
        H : ndarray or DataFrame of shape (n_samples, hidden_layer_sizes[-1])
            Sigmoid activations of the last hidden layer (see
            :meth:`transform`).
        """
        return self.fit(X, y, **fit_params).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = bool(self.pretrain) and (
            self.visible_units == "bernoulli")
        # transform/transform_layers expose hidden activations.
        tags.transformer_tags = TransformerTags(preserves_dtype=["float64", "float32"])
        # The DpRBM trains only a linear output layer on hidden features
        # learned without the labels: its accuracy is limited by what the
        # RBMs happened to learn (on scikit-learn's 2-feature test blobs, a
        # few pretraining epochs leave nearly constant features).
        tags.classifier_tags.poor_score = not self.finetune
        tags.array_api_support = True
        return tags
