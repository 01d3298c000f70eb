"""MNIST from the four standard IDX files, with an OpenML fallback."""

import gzip
import math
import os
import struct
import textwrap
import zlib
from pathlib import Path

import numpy as np
from sklearn.datasets import fetch_openml
from sklearn.utils import Bunch
from sklearn.utils._param_validation import validate_params

from ._base import DATA_ENV_VAR, _candidate_dirs, _format_size, _read_at_most

_IMAGE_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
_LABEL_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
_N_ROWS = _N_COLS = 28
_N_CLASSES = 10

# (key, stem) of the four official files; each may also end in ".gz".
_FILES = (
    ("train_images", "train-images-idx3-ubyte"),
    ("train_labels", "train-labels-idx1-ubyte"),
    ("test_images", "t10k-images-idx3-ubyte"),
    ("test_labels", "t10k-labels-idx1-ubyte"),
)
_SUBDIRS = ["mnist", "mnist-subset"]
_N_OFFICIAL_TRAIN = 60_000
_N_OFFICIAL_TEST = 10_000


def _find_file(folder, stem):
    """The uncompressed file ``stem`` in ``folder``, else ``stem.gz``, else None."""
    for name in (stem, stem + ".gz"):
        path = folder / name
        if path.is_file():
            return path
    return None


def _read_idx(path, *, magic, ndim):
    """Read one IDX file of unsigned bytes, checking it byte for byte.

    The header is a big-endian magic number (``0x0000_08_<ndim>``: unsigned
    bytes, ``ndim`` dimensions) followed by ``ndim`` big-endian uint32 sizes;
    the data that follows must be exactly ``prod(sizes)`` bytes long. The
    declared sizes are checked against the bytes actually present before
    anything of that size is allocated: the data is read in bounded chunks
    (a gzip stream's decompressed length is not known in advance).

    Returns
    -------
    array : ndarray of dtype uint8 and shape ``sizes``
        View on the bytes read.

    Raises
    ------
    ValueError
        Naming ``path``, if the file is not a valid IDX file of this kind: bad
        magic number, truncated or over-long data (for instance a corrupt
        header declaring far more data than the file holds), or a corrupt
        gzip stream.
    """
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            header = f.read(4)
            if len(header) < 4:
                raise ValueError(
                    f"MNIST file {path} is truncated: it has {len(header)} "
                    "bytes, fewer than the 4-byte IDX magic number."
                )
            (found,) = struct.unpack(">I", header)
            if found != magic:
                raise ValueError(
                    f"MNIST file {path} has IDX magic number {found}, expected "
                    f"{magic} (unsigned bytes, {ndim} dimension(s)); it is not "
                    "the file its name says or it is corrupt."
                )
            raw_sizes = f.read(4 * ndim)
            if len(raw_sizes) < 4 * ndim:
                raise ValueError(f"MNIST file {path} is truncated inside its header.")
            sizes = struct.unpack(f">{ndim}I", raw_sizes)
            n_bytes = math.prod(sizes)
            # One byte more than declared, to detect over-long data.
            data = _read_at_most(f, n_bytes + 1)
            if len(data) < n_bytes:
                raise ValueError(
                    f"MNIST file {path} is truncated or its header is corrupt: "
                    f"the header declares shape {sizes}, "
                    f"{_format_size(n_bytes)} of data, but only "
                    f"{_format_size(len(data))} follow."
                )
            if len(data) > n_bytes:
                raise ValueError(
                    f"MNIST file {path} is longer than its header declares "
                    f"(shape {sizes}, {_format_size(n_bytes)} of data): it is "
                    "corrupt."
                )
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(
            f"Could not read MNIST file {path}: {str(exc).rstrip('.')}. The "
            "file is truncated or corrupt (for a .gz file: not a complete, "
            "valid gzip stream)."
        ) from exc
    return np.frombuffer(data, dtype=np.uint8).reshape(sizes)


def _read_pair(images_path, labels_path):
    """Images and labels of one split, validated against each other."""
    images = _read_idx(images_path, magic=_IMAGE_MAGIC, ndim=3)
    labels = _read_idx(labels_path, magic=_LABEL_MAGIC, ndim=1)
    if images.shape[1:] != (_N_ROWS, _N_COLS):
        raise ValueError(
            f"MNIST file {images_path} holds images of {images.shape[1]} x "
            f"{images.shape[2]} pixels, expected {_N_ROWS} x {_N_COLS}."
        )
    if images.shape[0] == 0:
        raise ValueError(f"MNIST file {images_path} contains no images.")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"MNIST file {images_path} has {images.shape[0]} images but "
            f"{labels_path} has {labels.shape[0]} labels."
        )
    if labels.max() >= _N_CLASSES:
        raise ValueError(
            f"MNIST file {labels_path} contains label {labels.max()}, outside "
            f"0-{_N_CLASSES - 1}: it is corrupt."
        )
    X = images.reshape(images.shape[0], -1).astype(np.float32)
    X /= np.float32(255)
    return X, labels.astype(np.int64)


def _not_found_message(searched, partial):
    # The first line is complete on its own: the command line shows only it.
    where = ", ".join(str(folder) for folder in searched)
    names = ", ".join(f"{stem}[.gz]" for _, stem in _FILES)
    lines = [
        f"MNIST files not found in {where} (searched in this order for a "
        f"folder holding all four of {names}).",
    ]
    for folder, missing in partial:
        lines.append(f"{folder} lacks: {', '.join(missing)}.")
    lines += [
        "Put the four IDX files in one folder and pass it as data_home, or put "
        f"them in ${DATA_ENV_VAR}/mnist (or mnist-subset), or call "
        "load_mnist(download_if_missing=True) to fetch 'mnist_784' from OpenML.",
    ]
    return "\n".join(lines)


def _describe(source, n_train, n_test, sorted_by_class):
    if (n_train, n_test) == (_N_OFFICIAL_TRAIN, _N_OFFICIAL_TEST):
        kind = "the full official MNIST training and test sets"
    else:
        kind = (
            f"a subset of MNIST ({n_train} training and {n_test} test "
            "images; the official sets have 60,000 and 10,000)"
        )
    order = (
        "The training images are sorted by class: shuffle them before "
        "minibatch training (the package's estimators shuffle every epoch)."
        if sorted_by_class
        else "The training images are in the order of the file."
    )
    return f"""\
.. _mnist_dataset:

MNIST handwritten digits
------------------------

**Data Set Characteristics:**

:Number of training images: {n_train}
:Number of test images: {n_test}
:Number of classes: 10 (digits 0-9)
:Image size: 28 x 28 grey-level pixels
:Pixel values: float32 in [0, 1] (the original bytes divided by 255)
:Source: {source}

{textwrap.fill(f"This copy holds {kind}. {order}", width=79)}

The MNIST database was built by Y. LeCun, C. Cortes and C. J. C. Burges from
NIST Special Databases 1 and 3; the official training set has 60,000 images
and the test set 10,000, written by disjoint sets of people. License:
CC BY-SA 3.0.

.. rubric:: References

- Y. LeCun, L. Bottou, Y. Bengio and P. Haffner (1998). Gradient-based
  learning applied to document recognition. Proceedings of the IEEE,
  86(11):2278-2324.
"""


def _bunch(X, y, X_test, y_test, source):
    shape = (_N_ROWS, _N_COLS)
    return Bunch(
        data=X,
        target=y,
        data_test=X_test,
        target_test=y_test,
        images=X.reshape(-1, *shape),
        images_test=X_test.reshape(-1, *shape),
        feature_names=[
            f"pixel_{r}_{c}" for r in range(_N_ROWS) for c in range(_N_COLS)
        ],
        target_names=np.arange(_N_CLASSES),
        source=source,
        DESCR=_describe(
            source, X.shape[0], X_test.shape[0], bool(np.all(np.diff(y) >= 0))
        ),
    )


def _fetch_from_openml(data_home):
    """The standard split of OpenML's ``mnist_784``: first 60k train, last 10k."""
    X, y = fetch_openml(
        "mnist_784",
        version=1,
        data_home=data_home,
        as_frame=False,
        return_X_y=True,
    )
    n = _N_OFFICIAL_TRAIN
    expected = (n + _N_OFFICIAL_TEST, _N_ROWS * _N_COLS)
    if X.shape != expected or y.shape != expected[:1]:
        raise ValueError(
            f"OpenML's mnist_784 has data of shape {X.shape} and target of "
            f"shape {y.shape}, expected {expected} and {expected[:1]}."
        )
    X = np.asarray(X, dtype=np.float32) / np.float32(255)
    y = np.asarray(y).astype(np.int64)
    return X[:n], y[:n], X[n:], y[n:]


@validate_params(
    {
        "data_home": [str, os.PathLike, None],
        "return_X_y": ["boolean"],
        "download_if_missing": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_mnist(data_home=None, *, return_X_y=False, download_if_missing=False):
    """Load MNIST from the four standard IDX files (gzipped or not).

    The files ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each either
    uncompressed or with a ``.gz`` suffix; the uncompressed one is used when
    both exist) are read from the first folder that holds all four, among:

    - if ``data_home`` is given: ``data_home`` itself, then
      ``data_home/mnist`` and ``data_home/mnist-subset`` (so the same
      ``data_home`` serves :func:`load_birdsong`);
    - otherwise: ``$SKLEARN_SPARSITY_DATA/mnist``,
      ``$SKLEARN_SPARSITY_DATA/mnist-subset`` (when the variable is set), then
      ``mnist`` and ``mnist-subset`` in scikit-learn's data home
      (:func:`sklearn.datasets.get_data_home`).

    The full set is preferred over the subset when both are present. Every
    file is checked byte for byte: IDX magic number, 28 x 28 images, data
    length exactly as declared in the header, labels in 0-9, as many labels as
    images.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the four files, or a data folder with an ``mnist/`` or
        ``mnist-subset/`` subfolder. When given, the environment and
        scikit-learn's data home are not searched; it is also the cache folder
        of the OpenML download.

    return_X_y : bool, default=False
        If True, return ``(X_train, y_train, X_test, y_test)`` instead of a
        Bunch.

    download_if_missing : bool, default=False
        If True and no folder holds the four files, fetch ``mnist_784`` with
        :func:`sklearn.datasets.fetch_openml` (network access needed; cached
        in scikit-learn's data home or ``data_home``) and split it the
        standard way: the first 60,000 images train, the last 10,000 test.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (n_train, 784), dtype float32
            Training images, one flattened 28 x 28 image per row, pixels in
            [0, 1] (bytes divided by 255).
        target : ndarray of shape (n_train,), dtype int64
            Training labels, 0-9.
        data_test : ndarray of shape (n_test, 784), dtype float32
            Test images.
        target_test : ndarray of shape (n_test,), dtype int64
            Test labels.
        images : ndarray of shape (n_train, 28, 28), dtype float32
            The training images as 2-D arrays (a view of ``data``).
        images_test : ndarray of shape (n_test, 28, 28), dtype float32
            The test images as 2-D arrays (a view of ``data_test``).
        feature_names : list of str
            ``"pixel_<row>_<col>"`` for the 784 columns.
        target_names : ndarray of shape (10,)
            The digits 0-9.
        source : str
            The folder the files were read from, or ``"openml:mnist_784"``.
        DESCR : str
            Description of the data found: numbers of images, folder, and
            whether the training images are sorted by class.

    (X_train, y_train, X_test, y_test) : tuple of ndarray
        If ``return_X_y`` is True: ``data``, ``target``, ``data_test``,
        ``target_test``.

    Raises
    ------
    FileNotFoundError
        If no folder searched holds the four files and ``download_if_missing``
        is False. The message lists the folders searched and the files to put
        there.
    ValueError
        If a file is truncated, over-long, not a valid gzip stream, has the
        wrong magic number or image size, or if images and labels disagree in
        number. The message names the file.

    See Also
    --------
    load_birdsong : The paper's second data set, bird-song MFCC frames.
    load_digits_unit : The small digits embedded in scikit-learn, in [0, 1].

    Notes
    -----
    The training images are returned in file order. The subset shipped with
    this project's shared data (5,000 training images, 500 per digit, and the
    official 10,000 test images) is **sorted by class**: shuffle it before
    minibatch training. The package's estimators shuffle the training set
    every epoch.

    Examples
    --------
    >>> from sklearn_sparsity.datasets import load_mnist
    >>> X, y, X_test, y_test = load_mnist(return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype, X_test.shape  # doctest: +SKIP
    ((5000, 784), dtype('float32'), (10000, 784))
    """
    searched = _candidate_dirs(data_home, _SUBDIRS, data_home_itself="first")
    partial = []
    for folder in searched:
        paths = {key: _find_file(folder, stem) for key, stem in _FILES}
        missing = [stem for key, stem in _FILES if paths[key] is None]
        if not missing:
            X, y = _read_pair(paths["train_images"], paths["train_labels"])
            X_test, y_test = _read_pair(paths["test_images"], paths["test_labels"])
            source = str(folder)
            break
        if len(missing) < len(_FILES):
            partial.append((folder, missing))
    else:
        if not download_if_missing:
            raise FileNotFoundError(_not_found_message(searched, partial))
        X, y, X_test, y_test = _fetch_from_openml(
            None if data_home is None else str(Path(data_home).expanduser())
        )
        source = "openml:mnist_784"

    if return_X_y:
        return X, y, X_test, y_test
    return _bunch(X, y, X_test, y_test, source)
