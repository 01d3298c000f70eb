"""Caching of the experiments' runs on disk (joblib ``Memory``).

A finished run is stored under ``<cache_dir>/runs/<namespace>/``, where the
namespace (``sklearn_sparsity._cache.cache_namespace``) fingerprints the
package's code, its dependencies' versions and the BLAS thread count of the
worker: a run is never served to other code or settings, and processes that
share a cache never clear each other's entries (joblib clears a function's
results when its code changes; a code change here is a new namespace). The
RBM layers are cached by the stacks themselves, at the cache's top level,
with the same namespace in their key. Every entry carries a checksum of its
result; a result read back is checked against it and against what its task
asked for, and recomputed (with one line on stderr) if either does not match.
"""

from pathlib import Path

from joblib import Memory

from .._cache import cache_namespace, cached_result, check_cache_dir, checksummed


def checked_cache_dir(cache_dir):
    """``cache_dir`` made safe to use (see ``check_cache_dir``), or None."""
    return None if cache_dir is None else str(check_cache_dir(cache_dir))


def run_cached(func, cache_dir, is_valid, /, *args, **kwargs):
    """``func(*args, **kwargs)``, cached in ``cache_dir`` (none when None).

    ``cache_dir`` and ``verbose`` arguments of ``func`` are not part of the
    key: where the cache is and how much is printed do not change results.
    ``is_valid(output)`` checks a result read back from the cache (after its
    checksum); a result that fails either is computed again.
    """
    location = (None if cache_dir is None
                else Path(cache_dir) / "runs" / cache_namespace())
    memorized = Memory(location, verbose=0).cache(
        checksummed(func), ignore=["cache_dir", "verbose"])
    return cached_result(memorized, is_valid, *args, **kwargs)


def records_matching(**expected):
    """A check that every record has the expected values.

    Each keyword gives a key and its value, or a tuple of allowed values;
    the output must be a non-empty list of dicts.
    """
    allowed = {key: value if isinstance(value, tuple) else (value,)
               for key, value in expected.items()}

    def is_valid(output):
        return (isinstance(output, list) and len(output) > 0
                and all(isinstance(r, dict)
                        and all(r.get(key) in values
                                for key, values in allowed.items())
                        for r in output))

    return is_valid
