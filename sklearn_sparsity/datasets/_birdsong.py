"""NIPS4B bird-song MFCC frames, split per recording as in the paper."""

import math
import os
import textwrap
import zipfile
import zlib
from numbers import Integral

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ._base import DATA_ENV_VAR, _candidate_dirs, _format_size, _read_at_most

_FILENAME = "nips4b_birdsong_cepstra.npz"
_SUBDIR = "birdsong"
_N_CEPSTRA = 17  # column 0: energy c0, columns 1-16: MFCCs
_FRAME_ARRAYS = ("X", "y", "recording")
_CLASS_ARRAYS = ("class_id", "class_name", "english_name", "taxon")


def _find_npz(data_home):
    searched = _candidate_dirs(data_home, [_SUBDIR], data_home_itself="last")
    for folder in searched:
        path = folder / _FILENAME
        if path.is_file():
            return path
    where = ", ".join(str(folder) for folder in searched)
    raise FileNotFoundError(
        f"Bird-song file {_FILENAME} not found in {where} (searched in this "
        f"order).\nPut it in <data_home>/{_SUBDIR}/ and pass data_home, or in "
        f"${DATA_ENV_VAR}/{_SUBDIR}/."
    )


# The .npy header readers of numpy, by format version. Version 3.0 only
# differs for structured dtypes with non-latin-1 field names: never ours.
_NPY_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def _read_npy_member(zf, member):
    """The array in the .npy file ``member`` of the open zip archive ``zf``.

    The size its header declares is checked against the member's size before
    anything is allocated, and the data is read in bounded chunks, so that a
    corrupt header cannot cause a huge allocation.

    Raises
    ------
    ValueError
        If the header is invalid, declares Python objects (which would need
        pickle) or a size other than what the member holds.
    """
    info = zf.getinfo(member)
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version not in _NPY_HEADER_READERS:
            raise ValueError(f"{member} has unsupported .npy version {version}")
        shape, fortran_order, dtype = _NPY_HEADER_READERS[version](f)
        if dtype.hasobject:
            raise ValueError(
                f"{member} holds Python objects (dtype {dtype}), which are not "
                "loaded: that would need pickle"
            )
        n_bytes = math.prod(shape) * dtype.itemsize
        n_held = info.file_size - f.tell()
        if n_bytes != n_held:
            raise ValueError(
                f"{member} declares shape {shape} of {dtype}, "
                f"{_format_size(n_bytes)} of data, but holds "
                f"{_format_size(n_held)}"
            )
        data = _read_at_most(f, n_bytes)
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape[::-1]).T if fortran_order else array.reshape(shape)


def _read_npz(path):
    """All arrays of the file, checked for presence, shapes and dtypes."""
    names = (*_FRAME_ARRAYS, *_CLASS_ARRAYS)
    # OSError, EOFError, BadZipFile, zlib.error: not a complete, intact zip
    # archive (a damaged member shows only when read); ValueError: a bad .npy
    # header, one declaring more or less data than its member holds, or an
    # array of Python objects.
    errors = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error)

    def unreadable(exc):
        return ValueError(
            f"Could not read bird-song file {path}: {str(exc).rstrip('.')}. It "
            "is not a valid, complete .npz file of numeric and string arrays."
        )

    with open(path, "rb") as f:
        magic = f.read(6)
    if magic == b"\x93NUMPY":
        raise ValueError(
            f"Bird-song file {path} holds a single .npy array, not an .npz archive."
        )
    if not magic.startswith(b"PK"):
        raise ValueError(
            f"Bird-song file {path} is not a zip archive (.npz file): it is "
            "corrupt or of another format."
        )
    try:
        # Not np.load: it leaves the file open when the archive is corrupt,
        # and allocates whatever a member's header declares.
        with zipfile.ZipFile(path) as zf:
            # Array "X" is member "X.npy", as in np.load.
            members = {name.removesuffix(".npy"): name for name in zf.namelist()}
            missing = [name for name in names if name not in members]
            if not missing:
                arrays = {name: _read_npy_member(zf, members[name]) for name in names}
    except errors as exc:
        raise unreadable(exc) from exc
    if missing:
        raise ValueError(
            f"Bird-song file {path} lacks the array(s) {', '.join(missing)}; "
            f"it holds: {', '.join(members) or 'nothing'}."
        )

    def fail(what):
        raise ValueError(f"Bird-song file {path} is corrupt: {what}.")

    X, y, recording = (arrays[name] for name in _FRAME_ARRAYS)
    if X.ndim != 2 or X.shape[1] != _N_CEPSTRA:
        fail(f"X has shape {X.shape}, expected (n_frames, {_N_CEPSTRA})")
    if X.shape[0] == 0:
        fail("X has no rows")
    if not np.issubdtype(X.dtype, np.floating):
        fail(f"X has dtype {X.dtype}, expected floating point")
    for name in ("y", "recording"):
        a = arrays[name]
        if a.shape != (X.shape[0],) or not np.issubdtype(a.dtype, np.integer):
            fail(
                f"{name} has shape {a.shape} and dtype {a.dtype}, expected "
                f"({X.shape[0]},) integers, one per row of X"
            )
    n_classes = arrays["class_id"].shape
    for name in _CLASS_ARRAYS:
        if arrays[name].ndim != 1 or arrays[name].shape != n_classes:
            fail(
                f"{name} has shape {arrays[name].shape}, expected the shape "
                f"{n_classes} of class_id"
            )
    if not np.issubdtype(arrays["class_id"].dtype, np.integer):
        fail(f"class_id has dtype {arrays['class_id'].dtype}, expected integers")
    unknown = np.setdiff1d(y, arrays["class_id"])
    if unknown.size:
        fail(f"y contains class ids {unknown[:10].tolist()} absent from class_id")
    return arrays


def _split_per_recording(recording, n_train, rng):
    """Boolean mask of the training frames: ``n_train`` random frames per recording.

    Recordings are visited in increasing id order; in each, ``min(n_train,
    n_frames - 1)`` frames are drawn without replacement, so that at least one
    frame of every recording is left for testing.
    """
    train = np.zeros(recording.shape[0], dtype=bool)
    order = np.argsort(recording, kind="stable")
    _, starts = np.unique(recording[order], return_index=True)
    for idx in np.split(order, starts[1:]):
        k = min(n_train, idx.shape[0] - 1)
        train[rng.choice(idx, size=k, replace=False)] = True
    return train


def _describe(
    path,
    *,
    n_train,
    n_test,
    n_recordings,
    n_classes,
    n_dropped,
    n_short,
    train_frames_per_recording,
    feature_names,
):
    split = textwrap.fill(
        f"Split as in Li et al. (2013): in every recording, "
        f"{train_frames_per_recording} random frames are for training and the "
        f"rest for testing; {n_short} recording(s) with at most that many frames "
        "keep one frame for testing and give the others to training, so that "
        "every recording with two frames or more is in both parts. Frames are "
        "in file order (grouped by recording) in both parts: shuffle before "
        "minibatch training. The features are not scaled; the paper min-max "
        "scales them to [0, 1] with the training part (e.g. a MinMaxScaler in "
        "a Pipeline).",
        width=79,
    )
    return f"""\
.. _birdsong_dataset:

NIPS4B bird-song MFCC frames
----------------------------

**Data Set Characteristics:**

:Number of training frames: {n_train}
:Number of test frames: {n_test}
:Number of recordings: {n_recordings}
:Number of classes: {n_classes} (bird songs and calls, insects, amphibians)
:Features: {len(feature_names)} ({", ".join(feature_names)}), float32, unscaled
:Non-finite frames dropped: {n_dropped}
:Source: {path}

Cepstral features released by the SABIOD team for the NIPS4B 2013 bird-song
challenge: frames of 11.6 ms with a 3.9 ms hop, 44.1 kHz audio, computed with
``melfcc`` (32 mel bands, 16 cepstra). Only the training recordings that carry
exactly one label are kept, so every frame has the class of its recording.

{split}

.. rubric:: References

- H. Glotin et al. (2013). Neural Information Processing Scaled for
  Bioacoustics, from Neurons to Big Data (NIPS4B workshop proceedings).
- J. Li et al. (2013). Unsupervised Pretraining Encourages
  Moderate-Sparseness. arXiv:1312.5813.
"""


@validate_params(
    {
        "data_home": [str, os.PathLike, None],
        "n_mfcc": [Interval(Integral, 1, _N_CEPSTRA - 1, closed="both")],
        "train_frames_per_recording": [Interval(Integral, 1, None, closed="left")],
        "include_energy": ["boolean"],
        "drop_nonfinite": ["boolean"],
        "random_state": ["random_state"],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_birdsong(
    data_home=None,
    *,
    n_mfcc=16,
    train_frames_per_recording=300,
    include_energy=False,
    drop_nonfinite=True,
    random_state=0,
    return_X_y=False,
):
    """Load the NIPS4B bird-song MFCC frames, split per recording as in the paper.

    Reads ``nips4b_birdsong_cepstra.npz`` from the first of these folders
    that holds it:

    - if ``data_home`` is given: ``data_home/birdsong``, then ``data_home``
      itself (the same ``data_home`` serves :func:`load_mnist`);
    - otherwise: ``$SKLEARN_SPARSITY_DATA/birdsong`` (when the variable is
      set), then ``birdsong`` in scikit-learn's data home
      (:func:`sklearn.datasets.get_data_home`).

    Each row is one 11.6 ms frame; its class is that of its recording. As in
    Li et al. (2013), ``train_frames_per_recording`` random frames of every
    recording are for training and the rest for testing.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder with a ``birdsong/`` subfolder (or holding the file
        itself). When given, the environment and scikit-learn's data home are
        not searched.

    n_mfcc : int, default=16
        Number of MFCCs kept, 1 to 16: columns 1 to ``n_mfcc`` of the file.
        The paper uses 16.

    train_frames_per_recording : int, default=300
        Number of random frames of each recording in the training part, drawn
        without replacement. A recording with at most this many frames keeps
        one frame for testing and puts all its other frames in training, so
        that every recording is in both parts; a recording of a single frame
        is in the test part only.

    include_energy : bool, default=False
        If True, the energy cepstrum c0 (column 0 of the file) is the first
        feature, before the MFCCs.

    drop_nonfinite : bool, default=True
        If True, frames with a NaN or infinite value in any of the 17 columns
        of the file (whichever columns are selected, so that the frames and the
        split do not depend on ``n_mfcc`` or ``include_energy``) are dropped
        before the split, and counted in ``n_dropped_nonfinite``. If False, such
        frames raise a ValueError.

    random_state : int, RandomState instance or None, default=0
        Draws the training frames of each recording (recordings in increasing
        id order). Pass an int for a reproducible split.

    return_X_y : bool, default=False
        If True, return ``(X_train, y_train, X_test, y_test)`` instead of a
        Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (n_train, n_features), dtype float32
            Training frames, unscaled, in file order (grouped by recording).
            ``n_features`` is ``n_mfcc``, plus one with ``include_energy``.
        target : ndarray of shape (n_train,), dtype int64
            Class id of each training frame (challenge numbering, 1-87).
        data_test : ndarray of shape (n_test, n_features), dtype float32
            Test frames.
        target_test : ndarray of shape (n_test,), dtype int64
            Class id of each test frame.
        recording : ndarray of shape (n_train,), dtype int64
            Recording (file) number of each training frame.
        recording_test : ndarray of shape (n_test,), dtype int64
            Recording number of each test frame.
        class_id : ndarray of shape (n_classes,), dtype int64
            Class table: the id of each class (the values of ``target``).
        class_name : ndarray of shape (n_classes,), dtype str
            Class table: short name of each class, e.g. ``"Aegcau_call"``.
        english_name : ndarray of shape (n_classes,), dtype str
            Class table: English name of each class, e.g. ``"Long-tailed Tit"``.
        taxon : ndarray of shape (n_classes,), dtype str
            Class table: ``"bird"``, ``"insect"`` or ``"amphibian"``.
        feature_names : list of str
            ``"energy_c0"`` (with ``include_energy``), then ``"mfcc_1"`` to
            ``"mfcc_<n_mfcc>"``.
        n_dropped_nonfinite : int
            Number of non-finite frames dropped (103 in the released file, all
            in one silent recording).
        DESCR : str
            Description of the data set and of the split.

    (X_train, y_train, X_test, y_test) : tuple of ndarray
        If ``return_X_y`` is True: ``data``, ``target``, ``data_test``,
        ``target_test``.

    Raises
    ------
    FileNotFoundError
        If no folder searched holds the file; the message lists them.
    ValueError
        If the file is not a valid ``.npz`` file, lacks an array, or its arrays
        have wrong shapes, dtypes or lengths (the message names the file); or,
        with ``drop_nonfinite=False``, if some frames are not finite (the
        message says how many, in which recordings).

    See Also
    --------
    load_mnist : The paper's first data set.

    Notes
    -----
    Scaling is not the loader's job: the paper min-max scales the features to
    [0, 1], which must be fitted on the training part only, e.g.
    ``make_pipeline(MinMaxScaler(), estimator)``. With the released file and
    the defaults, the split has 68,934 training and 177,804 test frames (the
    paper reports about 70k and 200k on its own bird data).

    References
    ----------
    .. [1] J. Li et al. (2013). Unsupervised Pretraining Encourages
           Moderate-Sparseness. arXiv:1312.5813.

    Examples
    --------
    >>> from sklearn_sparsity.datasets import load_birdsong
    >>> bunch = load_birdsong()  # doctest: +SKIP
    >>> bunch.data.shape, bunch.data_test.shape  # doctest: +SKIP
    ((68934, 16), (177804, 16))
    >>> bunch.n_dropped_nonfinite  # doctest: +SKIP
    103
    """
    path = _find_npz(data_home)
    arrays = _read_npz(path)
    X_all, y, recording = (arrays[name] for name in _FRAME_ARRAYS)

    finite = np.isfinite(X_all).all(axis=1)
    n_dropped = int(X_all.shape[0] - np.count_nonzero(finite))
    if n_dropped:
        if not drop_nonfinite:
            recs, counts = np.unique(recording[~finite], return_counts=True)
            detail = ", ".join(
                f"{r} ({c} frames)" for r, c in zip(recs[:20], counts[:20], strict=True)
            )
            more = f" and {recs.size - 20} more" if recs.size > 20 else ""
            raise ValueError(
                f"Bird-song file {path} has {n_dropped} frame(s) with NaN or "
                f"infinite values, in {recs.size} recording(s): {detail}{more}. "
                "Pass drop_nonfinite=True to drop them."
            )
        X_all, y, recording = X_all[finite], y[finite], recording[finite]
        if X_all.shape[0] == 0:
            raise ValueError(f"Every frame of bird-song file {path} is non-finite.")

    columns = ([0] if include_energy else []) + list(range(1, n_mfcc + 1))
    feature_names = (["energy_c0"] if include_energy else []) + [
        f"mfcc_{i}" for i in range(1, n_mfcc + 1)
    ]
    X = np.ascontiguousarray(X_all[:, columns], dtype=np.float32)
    y = y.astype(np.int64)
    recording = recording.astype(np.int64)

    rng = check_random_state(random_state)
    train = _split_per_recording(recording, train_frames_per_recording, rng)
    test = ~train

    if return_X_y:
        return X[train], y[train], X[test], y[test]

    _, n_frames = np.unique(recording, return_counts=True)
    return Bunch(
        data=X[train],
        target=y[train],
        data_test=X[test],
        target_test=y[test],
        recording=recording[train],
        recording_test=recording[test],
        class_id=arrays["class_id"].astype(np.int64),
        class_name=arrays["class_name"],
        english_name=arrays["english_name"],
        taxon=arrays["taxon"],
        feature_names=feature_names,
        n_dropped_nonfinite=n_dropped,
        DESCR=_describe(
            path,
            n_train=int(np.count_nonzero(train)),
            n_test=int(np.count_nonzero(test)),
            n_recordings=n_frames.size,
            n_classes=arrays["class_id"].shape[0],
            n_dropped=n_dropped,
            n_short=int(np.count_nonzero(n_frames <= train_frames_per_recording)),
            train_frames_per_recording=train_frames_per_recording,
            feature_names=feature_names,
        ),
    )
