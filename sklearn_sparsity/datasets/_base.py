"""Helpers shared by the data loaders: where to look for data files, how to
read them without trusting the sizes their headers declare."""

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


def _read_at_most(f, n_bytes, *, chunk_size=1 << 20):
    """Read up to ``n_bytes`` from the binary file ``f``, in bounded chunks.

    A size declared in a file's header is not trusted for an allocation: the
    memory used follows the bytes actually present, so a corrupt header that
    declares terabytes costs no more than the (short) file itself. Compare
    the length of the result with ``n_bytes`` to detect a truncated file.

    Returns
    -------
    data : bytearray
        The ``min(n_bytes, bytes left in f)`` next bytes of ``f``.
    """
    data = bytearray()
    while len(data) < n_bytes:
        chunk = f.read(min(chunk_size, n_bytes - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def _format_size(n_bytes):
    """``n_bytes`` for a message, e.g. ``"3,367,254,360,064 bytes (3.4 TB)"``."""
    if n_bytes >= 10**27:  # a corrupt header; exact digits would not help
        return "over 1,000 YB"
    text = f"{n_bytes:,} bytes"
    if n_bytes < 10**6:
        return text
    k = (len(str(n_bytes)) - 1) // 3
    unit = ("kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")[k - 1]
    return f"{text} ({n_bytes / 1000**k:.1f} {unit})"
