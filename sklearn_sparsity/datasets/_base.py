"""Helpers shared by the data loaders: where to look for data files."""

import os
from pathlib import Path

#: Environment variable naming the folder that holds the real data sets
#: (``mnist-subset/``, ``mnist/``, ``birdsong/``).
DATA_ENV_VAR = "SKLEARN_SPARSITY_DATA"


def _sklearn_data_home():
    """scikit-learn's data home, resolved like ``get_data_home`` but not created.

    :func:`sklearn.datasets.get_data_home` creates the folder; a loader that
    only reads should not leave an empty folder behind.
    """
    return Path(
        os.environ.get("SCIKIT_LEARN_DATA", os.path.join("~", "scikit_learn_data"))
    ).expanduser()


def _candidate_dirs(data_home, subdirs, *, data_home_itself="first"):
    """Folders to search for a data set, in order of preference.

    Parameters
    ----------
    data_home : str, path-like or None
        Folder given by the user. When given, only this folder and its
        ``subdirs`` are searched: an explicit argument is never overridden by
        the environment.
    subdirs : list of str
        Names of the data set's folder inside a data home (``["mnist",
        "mnist-subset"]``, ``["birdsong"]``).
    data_home_itself : {"first", "last"}
        Whether ``data_home`` itself is searched before or after its
        ``subdirs``.

    Returns
    -------
    dirs : list of Path
        ``data_home`` and its ``subdirs`` when ``data_home`` is given; else the
        ``subdirs`` of ``$SKLEARN_SPARSITY_DATA`` (when set) followed by those
        of scikit-learn's data home.
    """
    if data_home is not None:
        root = Path(data_home).expanduser()
        below = [root / s for s in subdirs]
        return [root, *below] if data_home_itself == "first" else [*below, root]
    roots = []
    env = os.environ.get(DATA_ENV_VAR)
    if env:
        roots.append(Path(env).expanduser())
    roots.append(_sklearn_data_home())
    return [root / s for root in roots for s in subdirs]
