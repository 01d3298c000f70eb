"""What a cached result is keyed on, where caches live, and who may write them.

joblib's ``Memory`` keys a result on the cached function's arguments and its
own source code only: a change anywhere else in the package (say in the CD
update that a cached layer fit calls) would be served the old results. Every
cache of the package is therefore keyed on :func:`cache_namespace` too: a
fingerprint of every source file of the package, its version, the versions
of numpy, scipy and scikit-learn, and the number of BLAS threads (which
changes results bitwise). Results of other code or settings are never served;
they stay on disk, in their own namespace, until the cache is cleared.

A cache holds pickles, and loading a pickle can run code: a cache must be
trusted like any pickle. :func:`check_cache_dir` refuses a folder that other
users can write to, and :func:`default_cache_dir` is private to the user.
"""

import functools
import hashlib
import os
import stat
from pathlib import Path

from ._version import __version__


@functools.lru_cache(maxsize=1)
def code_fingerprint():
    """Hash of every source file of the package and of its dependencies' versions.

    Computed once per process (the package's files do not change under a
    running process that has imported them).
    """
    import numpy
    import scipy
    import sklearn

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for part in (__version__, numpy.__version__, scipy.__version__,
                 sklearn.__version__):
        digest.update(part.encode() + b"\0")
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def blas_threads():
    """Number of threads the BLAS libraries use here and now (1 if none)."""
    from threadpoolctl import threadpool_info

    counts = [info["num_threads"] for info in threadpool_info()
              if info.get("user_api") == "blas"]
    return max(counts, default=1)


def cache_namespace():
    """The key every cached result of the package carries besides its arguments.

    ``"<version>-<fingerprint>-blas<threads>"``: results computed by other
    code, other dependency versions or another BLAS thread count are kept
    apart. Evaluated where the cached function runs (in a worker, with that
    worker's thread limit).
    """
    return f"{__version__}-{code_fingerprint()}-blas{blas_threads()}"


def default_cache_dir():
    """The per-user cache folder: ``$XDG_CACHE_HOME/sklearn-sparsity``.

    ``~/.cache/sklearn-sparsity`` when ``XDG_CACHE_HOME`` is not set. It is
    created by :func:`check_cache_dir` with mode 0700 (only the user can
    read, write or enter it).
    """
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sklearn-sparsity"


class CacheFolderError(ValueError):
    """The cache folder cannot be used (not a folder, unsafe, unwritable)."""


def check_cache_dir(path):
    """Create ``path`` (mode 0700) if needed and check that it is safe to use.

    A cache must be trusted like any pickle: the folder must be a folder,
    owned by the current user, writable by them and by nobody else (not
    group- or world-writable), or pickles planted by someone else could run
    code when loaded.

    Parameters
    ----------
    path : str or path-like
        The cache folder.

    Returns
    -------
    path : Path
        The folder, which now exists.

    Raises
    ------
    CacheFolderError
        With a message naming the folder and the problem.
    """
    path = Path(path).expanduser()
    try:
        if not path.exists():
            path.mkdir(mode=0o700, parents=True)
        info = path.stat()
    except OSError as exc:
        raise CacheFolderError(
            f"cannot create or read the cache folder {path}: {exc.strerror or exc}"
        ) from exc
    if not stat.S_ISDIR(info.st_mode):
        raise CacheFolderError(f"the cache folder {path} is not a folder")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise CacheFolderError(
            f"the cache folder {path} belongs to another user; a cache holds "
            "pickles, which run code when loaded: use a folder of your own "
            f"(e.g. {default_cache_dir()})"
        )
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CacheFolderError(
            f"the cache folder {path} is writable by other users (mode "
            f"{stat.S_IMODE(info.st_mode):o}); a cache holds pickles, which run "
            f"code when loaded: use a private folder (chmod 700 {path}, or the "
            f"default {default_cache_dir()})"
        )
    if not os.access(path, os.W_OK | os.X_OK):
        raise CacheFolderError(f"the cache folder {path} is not writable")
    return path


def cached_result(cached_function, is_valid, /, *args, **kwargs):
    """``cached_function(*args, **kwargs)``, recomputed if the cached value is wrong.

    ``cached_function`` is a joblib ``MemorizedFunc`` (or the uncached
    stand-in of ``Memory(None)``); ``is_valid(output)`` checks what came back
    (shapes, keys), since a cache entry can be swapped or stale on disk. An
    invalid one is computed again and overwritten.
    """
    output = cached_function(*args, **kwargs)
    if not is_valid(output):
        output, _ = cached_function.call(*args, **kwargs)
    return output
