"""Loading the experiments' data: train/test arrays and the input scaler."""

import numpy as np
from sklearn.preprocessing import MinMaxScaler, QuantileTransformer, StandardScaler

from ..datasets import load_birdsong, load_digits_unit, load_mnist


def _subsample(X, y, n, seed):
    """At most ``n`` rows, stratified by class in proportion, fixed by ``seed``.

    Every class keeps at least one row, so ``n`` below the number of classes
    is refused (``ValueError``). Each class gets its share of ``n`` rounded
    down (at least 1); when these minimums take the total above ``n``, the
    largest classes give rows back until it is ``n``.
    """
    if n is None or n >= X.shape[0]:
        return X, y
    rng = np.random.default_rng(seed)
    keep = []
    classes, counts = np.unique(y, return_counts=True)
    if n < classes.size:
        raise ValueError(
            f"a stratified subsample of {n} rows cannot hold the "
            f"{classes.size} classes: ask for at least {classes.size} rows "
            "(one per class)")
    quota = np.maximum(1, np.floor(counts / counts.sum() * n)).astype(int)
    while quota.sum() > n:
        quota[np.argmax(quota)] -= 1
    for label, q in zip(classes, quota):
        idx = np.flatnonzero(y == label)
        keep.append(rng.choice(idx, size=min(q, idx.size), replace=False))
    keep = np.sort(np.concatenate(keep))
    return X[keep], y[keep]


def load_experiment_data(dataset, settings, data_home=None, *, shuffle=True):
    """Train and test data of ``dataset``, scaled to [0, 1].

    Parameters
    ----------
    dataset : {"digits", "mnist", "birdsong"}
        ``"digits"``: :func:`~sklearn_sparsity.datasets.load_digits_unit`
        with a stratified 70/30 split (``random_state=0``). ``"mnist"``:
        :func:`~sklearn_sparsity.datasets.load_mnist` (train and official
        test images). ``"birdsong"``: :func:`~sklearn_sparsity.datasets.
        load_birdsong` (300 frames per recording for training), scaled to
        [0, 1] by a scaler fitted on the training part: with
        ``settings["scaler"] == "minmax"`` (the paper's choice) a
        :class:`~sklearn.preprocessing.MinMaxScaler` (``clip=True``, so test
        frames stay in [0, 1]); with ``"quantile"`` a
        :class:`~sklearn.preprocessing.QuantileTransformer` (uniform output);
        with ``"standard"`` a :class:`~sklearn.preprocessing.StandardScaler`
        (zero mean, unit variance: for Gaussian visible units, not in
        [0, 1]).
    settings : dict
        Uses ``max_train`` and ``max_test``: stratified subsamples of at
        most that many rows (None: all), each class keeping at least one
        row (a number below the number of classes is a ``ValueError``), and
        ``scaler`` (Birdsong only).
    data_home : str or path-like, default=None
        Passed to the loaders.
    shuffle : bool, default=True
        Shuffle the training rows once (fixed seed): the MNIST files are
        sorted by class. False keeps the files' order.

    Returns
    -------
    X, y, X_test, y_test : ndarray
        float32 features (in [0, 1] unless standardised) and labels.
    scaler : MinMaxScaler, QuantileTransformer, StandardScaler or None
        The fitted scaler (birdsong only); the models see scaled data.
    """
    scaler = None
    if dataset == "digits":
        X, y, X_test, y_test = load_digits_unit(
            test_size=0.3, random_state=0, return_X_y=True
        )
    elif dataset == "mnist":
        X, y, X_test, y_test = load_mnist(data_home, return_X_y=True)
    elif dataset == "birdsong":
        X, y, X_test, y_test = load_birdsong(data_home, return_X_y=True)
    else:
        raise ValueError(f"Unknown data set {dataset!r}.")
    try:
        X, y = _subsample(X, y, settings.get("max_train"), seed=1)
    except ValueError as exc:
        raise ValueError(f"max_train={settings['max_train']}: {exc}") from None
    try:
        X_test, y_test = _subsample(X_test, y_test, settings.get("max_test"),
                                    seed=2)
    except ValueError as exc:
        raise ValueError(f"max_test={settings['max_test']}: {exc}") from None
    if dataset == "birdsong":
        if settings.get("scaler", "minmax") == "quantile":
            scaler = QuantileTransformer(random_state=0).fit(X)
        elif settings.get("scaler") == "standard":
            scaler = StandardScaler().fit(X)
        else:
            scaler = MinMaxScaler(clip=True).fit(X)
        X = scaler.transform(X).astype(np.float32)
        X_test = scaler.transform(X_test).astype(np.float32)
    if not shuffle:
        return X, y, X_test, y_test, scaler
    # The MNIST training files are sorted by class: shuffle once (the
    # estimators also reshuffle every epoch).
    order = np.random.default_rng(0).permutation(X.shape[0])
    return X[order], y[order], X_test, y_test, scaler
