"""The one mapping from experiment settings to the package's estimators.

Tables 1-2, Figure 1, Figure 2 and the learning-rate selection all build
their RBM stacks and networks here, so a setting means the same thing in
every experiment.
"""

from joblib import Memory

from .._pretrained_mlp import PretrainedMLPClassifier
from ._settings import NETWORKS

#: The networks: the paper's three and the ReLU control.
MODELS = NETWORKS


def pretrain_rate(settings, model="DpRBM"):
    """Pretraining learning rate of ``model``'s stack (a DBN or a DpRBM).

    Figure 1 studies stacks that are only pretrained, so it uses the DpRBM's.
    """
    return settings["pretrain_learning_rate"][model]


def make_stack(settings, seed, *, learning_rate, sizes=None, n_epochs=None,
               cache_dir=None, verbose=0, device="numpy"):
    """The :class:`StackedRBMTransformer` of ``settings``.

    Built by :meth:`PretrainedMLPClassifier.make_pretrainer`, the package's
    one mapping from pretraining settings to a stack, with ``random_state``
    the seed. ``sizes`` and ``n_epochs`` default to the tables' network and
    pretraining epochs; Figure 1 passes its own. Layers are cached in
    ``cache_dir`` (joblib) when it is given and the stack trains on numpy
    arrays (``device="numpy"``); the layer cache holds numpy layers only, so
    on another device the layers are not cached (whole runs are, by the
    experiments' task cache).
    """
    network = PretrainedMLPClassifier(
        settings["hidden_layer_sizes"] if sizes is None else sizes,
        pretrain_epochs=(settings["pretrain_epochs"] if n_epochs is None
                         else n_epochs),
        pretrain_learning_rate=learning_rate, batch_size=settings["batch_size"],
        visible_units=settings["visible_units"], momentum=settings["momentum"],
        momentum_schedule=settings["momentum_schedule"],
        weight_decay=settings["weight_decay"], init_std=settings["init_std"],
        memory=Memory(cache_dir, verbose=0) if device == "numpy" else None,
        verbose=verbose,
    )
    return network.make_pretrainer(random_state=seed)


def make_classifier(model, settings, seed, *, learning_rate=None, verbose=0):
    """The network ``model`` ("DBN", "DpRBM", "Dsigm" or "Drelu") of ``settings``.

    It trains for a fixed number of epochs (``tol=None``) from the paper's
    initialisation (``init="normal"``: weights from N(0, ``init_std``), also
    for the output layer), as in the paper. The Drelu (rectifier hidden
    units, not in the paper) starts from He's initialisation instead
    (``init="auto"``), the standard one for rectifiers: from N(0, 0.01) a
    deep ReLU network's signal vanishes.
    ``learning_rate`` defaults to the model's back-propagation rate in
    ``settings``. The pretrained networks are fitted with an already fitted
    stack (``fit(X, y, pretrainer=stack)``).
    """
    if model not in MODELS:
        raise ValueError(f"Unknown network {model!r}; choose one of "
                         f"{', '.join(MODELS)}.")
    if learning_rate is None:
        learning_rate = settings["learning_rate"][model]
    pretrained = model in ("DBN", "DpRBM")
    relu = model == "Drelu"
    return PretrainedMLPClassifier(
        settings["hidden_layer_sizes"],
        activation="relu" if relu else "logistic",
        visible_units=settings["visible_units"],
        pretrain=pretrained, finetune=model != "DpRBM",
        pretrain_epochs=settings["pretrain_epochs"],
        pretrain_learning_rate=(pretrain_rate(settings, model) if pretrained
                                else 0.1),
        n_epochs=settings["finetune_epochs"], learning_rate=learning_rate,
        batch_size=settings["batch_size"], momentum=settings["momentum"],
        momentum_schedule=settings["momentum_schedule"],
        weight_decay=settings["weight_decay"], loss=settings["loss"],
        init="auto" if relu else "normal", init_std=settings["init_std"],
        tol=None,
        random_state=seed, verbose=verbose,
    )


def stack_training_seconds(stack):
    """Seconds spent training a fitted stack's layers, from its ``history_``.

    Recorded when each layer was trained, so a layer loaded from the cache
    counts with its training time, not the second it took to load.
    """
    return float(sum(hist["time"].sum() for hist in stack.history_))
