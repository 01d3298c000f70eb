"""Finished units of a long run, kept in its output folder so that a rerun continues.

A *unit* is one task of :func:`~sklearn_sparsity.experiments.run_tasks` (one
network and seed, say). With a journal, each unit's result is written, as
soon as it finishes, to ``<folder>/<unit>.json`` (complete or absent: it is
written to a temporary name and renamed), with:

- a key: SHA-256 of the task's function and arguments (without the ones
  that do not change results: where the data and cache live, how much is
  printed), of the data it ran on (a fingerprint of the arrays, given by the
  caller) and of the package's source files;
- a SHA-256 of the records, checked when the file is read back.

A rerun with the same settings, data and code reads the units already there
and runs only the others, on this machine or another one where the cache is
gone: the output folder is all it needs. A unit file whose key differs
(other settings, data or code) or whose checksum fails is reported in one
line and computed again. Units are plain JSON: a long run can be committed
unit by unit and continued elsewhere.
"""

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from .._cache import source_fingerprint

#: Task arguments that do not change a unit's result.
_NOT_IN_KEY = ("data_home", "cache_dir", "verbose")


def data_fingerprint(*arrays):
    """SHA-256 (16 hex digits) of arrays' shapes, dtypes and bytes."""
    import numpy as np

    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return repr(value)


def _dumps(value):
    return json.dumps(value, sort_keys=True, default=_json_default)


def _records_text(records):
    # Key order kept: the records' keys are in the order the experiments
    # wrote them, which the summaries group by.
    return json.dumps(records, default=_json_default)


def _slug(name):
    return re.sub(r"[^A-Za-z0-9_.=+-]+", "_", name).strip("_") or "unit"


class UnitJournal:
    """The finished units of a run, in one folder.

    Parameters
    ----------
    folder : str or path-like
        Where the unit files go (created if missing).
    context : dict, default=None
        What else identifies the run's results (e.g. the data's fingerprint,
        ``data_fingerprint``); part of every unit's key.
    file : file-like, default=None
        Where the one-line notices about stale or damaged units go.

    Examples
    --------
    >>> import io, tempfile
    >>> from sklearn_sparsity.experiments import Task
    >>> from sklearn_sparsity.experiments._journal import UnitJournal
    >>> journal = UnitJournal(tempfile.mkdtemp(), {"data": "abc"})
    >>> task = Task("2 ** 3", pow, {"base": 2, "exp": 3})
    >>> journal.load(task)
    (False, None)
    >>> journal.save(task, [8], seconds=0.1)
    >>> journal.load(task)
    (True, [8])
    """

    def __init__(self, folder, context=None, file=None, other_code=False):
        self.folder = Path(folder)
        self.context = dict(context or {})
        self.file = file
        self.other_code = other_code
        #: Source fingerprints of the units read back, by task name.
        self.codes = {}
        self._provenance_record = None

    def key(self, task, code=None):
        """SHA-256 of what determines ``task``'s result.

        ``code`` is the package source's fingerprint (this package's when
        None).
        """
        func = task.func
        name = (f"{getattr(func, '__module__', '')}."
                f"{getattr(func, '__qualname__', func)}")
        kwargs = {k: v for k, v in task.kwargs.items() if k not in _NOT_IN_KEY}
        text = _dumps({"func": name, "kwargs": kwargs, "context": self.context,
                       "code": source_fingerprint() if code is None else code})
        return hashlib.sha256(text.encode()).hexdigest()

    def path(self, task):
        """The unit file of ``task``."""
        return self.folder / f"{_slug(task.name)}.json"

    def _notice(self, message):
        if self.file is not None:
            print(message, file=self.file, flush=True)

    def load(self, task):
        """``(True, result)`` of a finished unit, else ``(False, None)``."""
        path = self.path(task)
        if not path.exists():
            return False, None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            records = entry["records"]
            checksum = entry["sha256"]
            key = entry["key"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self._notice(f"  unit {path.name} is unreadable ({exc}): "
                         "computed again")
            return False, None
        if hashlib.sha256(_records_text(records).encode()).hexdigest() != checksum:
            self._notice(f"  unit {path.name} fails its checksum (edited or "
                         "damaged): not used")
            return False, None
        code = entry.get("code")
        if key != self.key(task, code=code):
            self._notice(f"  unit {path.name} was computed with other settings "
                         "or data: not used")
            return False, None
        if code != source_fingerprint() and not self.other_code:
            self._notice(f"  unit {path.name} was computed by other code "
                         f"(source {code}, this package {source_fingerprint()})"
                         ": not used")
            return False, None
        self.codes[task.name] = code
        return True, records

    def _provenance(self):
        # What produced the units (versions, source commit): the same for
        # every unit of this run, so git is asked once, not once per unit.
        if self._provenance_record is None:
            from ._output import provenance

            self._provenance_record = provenance()
        return self._provenance_record

    def save(self, task, result, seconds):
        """Write ``task``'s result (JSON records) atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # Round trip (key order kept), so the checksum is of what a reader
        # will see.
        records = json.loads(_records_text(result))
        entry = {"task": task.name, "key": self.key(task),
                 "code": source_fingerprint(), "context": self.context,
                 "seconds": seconds, "provenance": self._provenance(),
                 "sha256": hashlib.sha256(
                     _records_text(records).encode()).hexdigest(),
                 "records": records}
        text = json.dumps(entry, default=_json_default)
        path = self.path(task)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{path.name}.",
                                   suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
