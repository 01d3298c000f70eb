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

Every entry carries a SHA-256 checksum of its payload (:func:`payload_digest`
over the arrays, numbers and text of the result), checked when it is read
back: an entry edited by hand or damaged on disk, one that cannot be loaded,
or one that does not match its arguments is reported in one line on stderr
and computed again (:func:`cached_result`).
"""

import functools
import hashlib
import os
import stat
import sys
import types
from pathlib import Path

import numpy as np

from ._version import __version__


@functools.lru_cache(maxsize=1)
def source_fingerprint():
    """SHA-256 (16 hex digits) of every source file of the package.

    Computed once per process (the package's files do not change under a
    running process that has imported them). The experiments' unit journal
    keys finished runs by it alone, so that a run computed by this code on
    another machine (other dependency versions) is reused.
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def code_fingerprint():
    """Hash of the package's source files and of its dependencies' versions."""
    import numpy
    import scipy
    import sklearn

    digest = hashlib.sha256()
    for part in (__version__, numpy.__version__, scipy.__version__,
                 sklearn.__version__, source_fingerprint()):
        digest.update(part.encode() + b"\0")
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


def _feed(digest, obj, active):
    """Feed a canonical encoding of ``obj`` to the hash ``digest``."""
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
        digest.update(f"{type(obj).__name__}:{obj!r};".encode())
    elif isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            digest.update(f"objects{obj.shape};".encode())
            _feed(digest, obj.tolist(), active)
        else:
            digest.update(f"array:{obj.dtype.str}{obj.shape};".encode())
            digest.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, np.generic):
        _feed(digest, np.asarray(obj), active)
    elif isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType,
                          types.MethodType, types.ModuleType, np.ufunc)):
        # Classes, functions and modules: by name (pickled by reference).
        name = getattr(obj, "__qualname__", getattr(obj, "__name__", ""))
        digest.update(f"ref:{getattr(obj, '__module__', '')}.{name};".encode())
    elif id(obj) in active:
        digest.update(b"cycle;")
    else:
        active.add(id(obj))
        if isinstance(obj, dict):
            digest.update(f"dict{len(obj)};".encode())
            for key, value in obj.items():
                _feed(digest, key, active)
                _feed(digest, value, active)
        elif isinstance(obj, (list, tuple)):
            digest.update(f"{type(obj).__name__}{len(obj)};".encode())
            for item in obj:
                _feed(digest, item, active)
        elif isinstance(obj, (set, frozenset)):
            digest.update(f"set{len(obj)};".encode())
            for item in sorted(obj, key=repr):
                _feed(digest, item, active)
        elif isinstance(obj, np.random.Generator):
            _feed(digest, obj.bit_generator.state, active)
        elif isinstance(obj, np.random.RandomState):
            _feed(digest, obj.get_state(legacy=False), active)
        elif hasattr(obj, "__dict__"):
            digest.update(f"object:{type(obj).__qualname__};".encode())
            _feed(digest, vars(obj), active)
        else:
            import pickle

            digest.update(pickle.dumps(obj, protocol=4))
        active.discard(id(obj))


def payload_digest(payload):
    """SHA-256 of a cached result: its arrays' bytes, numbers, text and layout.

    Dicts, lists and tuples are walked in order, arrays hashed with their
    dtype and shape, other objects through their attributes (random
    generators through their state); classes, functions and modules by
    name. The digest is the same for a result and for that result written by
    joblib and loaded back, and changes with any number in it.

    Parameters
    ----------
    payload : object
        What a cached function returned.

    Returns
    -------
    digest : str
        64 hexadecimal digits.
    """
    digest = hashlib.sha256()
    _feed(digest, payload, set())
    return digest.hexdigest()


def checksummed(func):
    """``func`` returning ``{"payload": output, "sha256": digest}`` instead.

    The wrapper keeps ``func``'s name, module, signature and source
    (``functools.wraps``), so that joblib ``Memory`` keys and stores its
    results as it would ``func``'s; :func:`cached_result` checks the digest
    when an entry is read back.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        output = func(*args, **kwargs)
        return {"payload": output, "sha256": payload_digest(output)}

    return wrapper


def _entry_problem(entry, is_valid):
    """Why a checksummed cache entry cannot be served, or None."""
    if not (isinstance(entry, dict) and set(entry) == {"payload", "sha256"}):
        return "not an entry of this package's format"
    if payload_digest(entry["payload"]) != entry["sha256"]:
        return "checksum mismatch: edited or damaged on disk"
    if not is_valid(entry["payload"]):
        return "its result does not match its arguments"
    return None


def cached_result(memorized, is_valid, /, *args, **kwargs):
    """``func(*args, **kwargs)`` from the cache if intact, else computed again.

    ``memorized`` is a joblib ``MemorizedFunc`` of ``checksummed(func)`` (or
    the uncached stand-in of ``Memory(None)``). An entry in the cache is
    served only when it loads, its checksum matches its payload and
    ``is_valid(payload)`` holds (shapes, keys: an entry can be swapped on
    disk); otherwise one line on stderr says which entry and why, and the
    result is computed again and overwrites it.
    """
    if memorized.check_call_in_cache(*args, **kwargs):
        where = getattr(memorized, "func", memorized).__name__
        try:
            shelved = memorized.call_and_shelve(*args, **kwargs)
            where = os.path.join(shelved.store_backend.location,
                                 shelved.func_id, shelved.args_id)
            entry = shelved.get()
        except Exception as exc:  # noqa: BLE001 - any damage: compute again
            problem = f"unreadable ({type(exc).__name__})"
        else:
            problem = _entry_problem(entry, is_valid)
            if problem is None:
                return entry["payload"]
        print(f"sklearn-sparsity: cache entry {where} ignored ({problem}); "
              "computing it again", file=sys.stderr, flush=True)
    entry, _ = memorized.call(*args, **kwargs)
    return entry["payload"]
