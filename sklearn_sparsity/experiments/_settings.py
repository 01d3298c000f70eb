"""Data sets and the two scales ("quick", "paper") of the experiments.

Everything an experiment needs to know about a data set is a plain dict of
settings, so that a run is fully described by ``(dataset, settings, seed)``:
that triple is what the joblib cache hashes and what the result files record.
"""

from numbers import Integral, Real

import numpy as np

DATASETS = ("digits", "mnist", "birdsong")
SCALERS = ("minmax", "quantile")
SCALES = ("quick", "paper")

# Learning rates are taken from the paper's set {1, 0.1, 0.05, 0.01}. The
# choice per network was made once, on the MNIST subset with 10 pretraining
# and 20 fine-tuning epochs (see docs/reproduction.rst): pretraining 0.1;
# back-propagation 0.1 for the DBN and the DpRBM (whose hidden layers start
# from the RBMs), 1.0 for the Dsigm, which barely moves from its N(0, 0.01)
# initialisation with 0.1.
_COMMON = {
    "batch_size": 100,
    "momentum": (0.5, 0.9),
    "weight_decay": 1e-4,
    "init_std": 0.01,
    "pretrain_learning_rate": 0.1,
    "learning_rate": {"DBN": 0.1, "DpRBM": 0.1, "Dsigm": 1.0},
    "max_train": None,
    "max_test": None,
    # Rows of the test set used to select the AOD threshold tau.
    "tau_rows": 2000,
    # How Birdsong's MFCCs are mapped to [0, 1] (the other data sets are
    # already in [0, 1]): "minmax", the paper's min-max scaling, or
    # "quantile", each feature's empirical CDF (a deviation: see
    # docs/reproduction.rst).
    "scaler": "minmax",
    "ks": tuple(range(2, 11)),
}

_SETTINGS = {
    ("digits", "quick"): {
        "hidden_layer_sizes": (256, 256),
        "pretrain_epochs": 10,
        "finetune_epochs": 30,
        "batch_size": 20,
        "width_sizes": (100, 200, 400),
        "depth_sizes": (100, 200),
        "depth_layers": 5,
        "profile_epochs": 10,
    },
    ("digits", "paper"): {
        "hidden_layer_sizes": (256, 256),
        "pretrain_epochs": 50,
        "finetune_epochs": 200,
        "width_sizes": (100, 200, 400, 800),
        "depth_sizes": (100, 200),
        "depth_layers": 5,
        "profile_epochs": 1000,
    },
    ("mnist", "quick"): {
        "hidden_layer_sizes": (500, 500, 2000),
        "pretrain_epochs": 5,
        "finetune_epochs": 10,
        "max_test": 5000,
        "width_sizes": (500, 1000, 2000),
        "depth_sizes": (500, 1000),
        "depth_layers": 5,
        "profile_epochs": 5,
    },
    ("mnist", "paper"): {
        "hidden_layer_sizes": (500, 500, 2000),
        "pretrain_epochs": 50,
        "finetune_epochs": 200,
        "width_sizes": (500, 1000, 2000, 3000, 4000, 5000),
        "depth_sizes": (500, 1000),
        "depth_layers": 5,
        "profile_epochs": 1000,
    },
    ("birdsong", "quick"): {
        "hidden_layer_sizes": (50, 100, 100),
        "pretrain_epochs": 5,
        "finetune_epochs": 10,
        "max_train": 20000,
        "max_test": 30000,
        "width_sizes": (50, 100, 200),
        "depth_sizes": (50, 100),
        "depth_layers": 5,
        "profile_epochs": 5,
    },
    ("birdsong", "paper"): {
        "hidden_layer_sizes": (50, 100, 100),
        "pretrain_epochs": 50,
        "finetune_epochs": 100,
        "width_sizes": (50, 100, 200, 500),
        "depth_sizes": (50, 100),
        "depth_layers": 5,
        "profile_epochs": 1000,
    },
}

_INT_KEYS = ("pretrain_epochs", "finetune_epochs", "profile_epochs", "batch_size",
             "max_train", "max_test", "depth_layers", "tau_rows")


def _check_rate(name, value):
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real) or not (
        0 < value < np.inf
    ):
        raise ValueError(f"Setting {name} must be a positive number; got "
                         f"{value!r}.")


def get_settings(dataset, scale, overrides=None):
    """Settings of ``dataset`` at ``scale``, with ``overrides`` applied.

    Parameters
    ----------
    dataset : {"digits", "mnist", "birdsong"}
        Data set.
    scale : {"quick", "paper"}
        ``"quick"``: a few epochs, minutes on two cores. ``"paper"``: the
        paper's epochs and network sizes.
    overrides : dict or None, default=None
        Settings replacing the scale's values (e.g. ``{"pretrain_epochs": 2,
        "max_train": 500}``); unknown keys are an error.

    Returns
    -------
    settings : dict
        A new dict; learning rates per network under ``"learning_rate"``.

    Examples
    --------
    >>> from sklearn_sparsity.experiments import get_settings
    >>> s = get_settings("mnist", "paper")
    >>> s["hidden_layer_sizes"], s["pretrain_epochs"], s["finetune_epochs"]
    ((500, 500, 2000), 50, 200)
    >>> get_settings("digits", "quick", {"pretrain_epochs": 2})["pretrain_epochs"]
    2
    """
    if dataset not in DATASETS:
        raise ValueError(
            f"Unknown data set {dataset!r}; choose one of {', '.join(DATASETS)}."
        )
    if scale not in SCALES:
        raise ValueError(f"Unknown scale {scale!r}; choose 'quick' or 'paper'.")
    settings = {**_COMMON, **_SETTINGS[(dataset, scale)]}
    settings["learning_rate"] = dict(settings["learning_rate"])
    for key, value in (overrides or {}).items():
        if key not in settings:
            raise ValueError(
                f"Unknown setting {key!r}; known settings: "
                f"{', '.join(sorted(settings))}."
            )
        if key == "learning_rate":
            rates = value if isinstance(value, dict) else dict.fromkeys(
                settings[key], value)
            for model, rate in rates.items():
                if model not in settings[key]:
                    raise ValueError(
                        f"Unknown network {model!r} in setting 'learning_rate'; "
                        f"choose among {', '.join(settings[key])}.")
                _check_rate(f"learning_rate[{model!r}]", rate)
            settings[key].update(rates)
            continue
        if key == "pretrain_learning_rate":
            _check_rate(key, value)
        if key == "scaler" and value not in SCALERS:
            raise ValueError(f"Setting 'scaler' must be one of "
                             f"{', '.join(SCALERS)}; got {value!r}.")
        if key in _INT_KEYS and value is not None:
            if not isinstance(value, Integral | np.integer) or value < 1:
                raise ValueError(f"Setting {key!r} must be a positive int; got "
                                 f"{value!r}.")
        settings[key] = value
    settings["hidden_layer_sizes"] = tuple(int(s) for s in
                                           settings["hidden_layer_sizes"])
    return settings
