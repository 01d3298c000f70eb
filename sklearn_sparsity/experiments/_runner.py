"""Run independent experiment tasks with joblib: progress, ETA, failures kept.

A *task* is one independent run (a model, a width, a seed): a name, a
function and its keyword arguments. :func:`run_tasks` runs a list of them with
:class:`joblib.Parallel` (any joblib backend, e.g. ``"loky"`` or ``"dask"``),
limits the BLAS threads of each worker so that ``n_jobs`` workers do not
oversubscribe the cores, prints one line per finished task with the elapsed
time and an estimate of the remaining time, and never loses finished results
because another task failed: failures are returned with their error message.
"""

import io
import shutil
import sys
import time
import traceback
from contextlib import contextmanager, nullcontext, redirect_stdout
from dataclasses import dataclass, field

from joblib import Parallel, delayed, parallel_config
from threadpoolctl import threadpool_limits


@dataclass(frozen=True)
class Task:
    """One independent run: ``func(**kwargs)``, known by ``name``.

    Parameters
    ----------
    name : str
        Unique, human-readable name (used in progress lines and reports).
    func : callable
        A module-level function (picklable for process and Dask workers).
    kwargs : dict
        Keyword arguments of ``func``.
    cost : float, default=1.0
        Expected duration relative to the other tasks, for the estimate of
        the remaining time (e.g. a few for a task that trains two networks,
        about 0 for one that only measures data).

    Examples
    --------
    >>> from sklearn_sparsity.experiments import Task
    >>> task = Task("2 ** 10", pow, {"base": 2, "exp": 10})
    >>> task.func(**task.kwargs)
    1024
    """

    name: str
    func: object
    kwargs: dict = field(default_factory=dict)
    cost: float = 1.0


@dataclass
class RunReport:
    """Outcome of :func:`run_tasks`.

    Parameters
    ----------
    results : dict
        ``name -> return value`` of every task that finished, in task order.
    errors : dict
        ``name -> "ExceptionType: message"`` of every task that failed.
    durations : dict
        ``name -> seconds`` of every task.
    elapsed : float
        Wall-clock seconds of the whole run.
    cpu_seconds : float, default=0.0
        CPU seconds of the tasks run now (summed over the processes that ran
        them; tasks read from a journal count none).
    resumed : tuple of str, default=()
        Names of the tasks whose results were read from the journal.

    Examples
    --------
    >>> import io
    >>> from sklearn_sparsity.experiments import Task, run_tasks
    >>> report = run_tasks([Task("2 ** 3", pow, {"base": 2, "exp": 3})],
    ...                    file=io.StringIO())
    >>> report.ok, report.results
    (True, {'2 ** 3': 8})
    """

    results: dict
    errors: dict
    durations: dict
    elapsed: float
    cpu_seconds: float = 0.0
    resumed: tuple = ()

    @property
    def ok(self):
        """True when no task failed."""
        return not self.errors


def _format_seconds(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class _LinePrefixer(io.TextIOBase):
    """Text stream writing ``prefix`` before every line it passes on."""

    def __init__(self, stream, prefix):
        self.stream = stream
        self.prefix = prefix
        self._at_line_start = True

    def writable(self):
        return True

    def write(self, text):
        for piece in text.splitlines(keepends=True):
            if self._at_line_start:
                self.stream.write(self.prefix)
            self.stream.write(piece)
            self._at_line_start = piece.endswith(("\n", "\r"))
        return len(text)

    def flush(self):
        self.stream.flush()


class _StatusLine(io.TextIOBase):
    """Text stream showing only the last line written, in place, on a terminal.

    Each complete line replaces the previous one (carriage return, clear to
    the end of the line), cut to the terminal's width; ``clear`` removes it.
    The per-epoch lines of a run become one status line that moves.
    """

    def __init__(self, stream, prefix):
        self.stream = stream
        self.prefix = prefix
        self.width = shutil.get_terminal_size((100, 20)).columns - 1
        self._pending = ""

    def writable(self):
        return True

    def write(self, text):
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                shown = (self.prefix + line.strip())[: self.width]
                self.stream.write(f"\r\x1b[2K{shown}")
        self.stream.flush()
        return len(text)

    def clear(self):
        self.stream.write("\r\x1b[2K")
        self.stream.flush()


@contextmanager
def _quiet_interrupted_callbacks():
    """No traceback for a Ctrl-C that lands in a C callback.

    A ``KeyboardInterrupt`` raised while a C library calls back into Python
    (numba's compiler loading its cached kernels, say) cannot propagate:
    Python prints "Exception ignored ..." with a traceback and carries on.
    The run is being interrupted anyway (every process of the group got the
    signal), so that print would only break the command line's one-line
    message; other exceptions are still reported as usual.
    """
    previous = sys.unraisablehook

    def hook(unraisable):
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _call(task, n_threads, prefix=None, status=None):
    """Run one task in a worker; never raise (the error is returned).

    With a ``prefix``, every line the task prints (e.g. the per-epoch lines
    of a verbose estimator) starts with it, so that the lines of parallel
    runs can be told apart. With a ``status`` stream, what the task prints
    is shown as one status line on it instead.
    """
    tic = time.perf_counter()
    cpu_tic = time.process_time()
    if status is not None:
        line = _StatusLine(status, f"  {task.name} | ")
        output = redirect_stdout(line)
    elif prefix is not None:
        output = redirect_stdout(_LinePrefixer(sys.stdout, prefix))
    else:
        output = nullcontext()
    try:
        with threadpool_limits(limits=n_threads), output, \
                _quiet_interrupted_callbacks():
            value = task.func(**task.kwargs)
    except Exception as exc:  # noqa: BLE001 - reported, not swallowed
        message = f"{type(exc).__name__}: {exc}"
        detail = traceback.format_exc()
        return (task.name, False, (message, detail), time.perf_counter() - tic,
                time.process_time() - cpu_tic)
    finally:
        if status is not None:
            line.clear()
    return (task.name, True, value, time.perf_counter() - tic,
            time.process_time() - cpu_tic)


def run_tasks(tasks, *, n_jobs=1, backend=None, threads_per_job=None, verbose=1,
              file=None, label="", status=False, journal=None,
              run_missing=True):
    """Run independent tasks, in parallel with joblib, keeping every result.

    Parameters
    ----------
    tasks : list of Task
        The runs. Names must be unique.
    n_jobs : int, default=1
        Number of parallel workers (joblib semantics: -1 uses all cores).
        ``1`` runs the tasks one after the other in this process.
    backend : str or None, default=None
        Name of a joblib backend, e.g. ``"loky"`` (the default when None),
        ``"threading"`` or ``"dask"`` (needs a running
        ``dask.distributed.Client``; see :func:`dask_client`).
    threads_per_job : int or None, default=None
        BLAS/OpenMP threads of each task. None: unlimited with ``n_jobs=1``,
        else 1, so that parallel workers do not oversubscribe the cores.
    verbose : int, default=1
        ``1``: print one line per finished task (to ``file``), with the elapsed
        time and an estimate of the remaining time. ``2`` or more: also the
        traceback of a failed task, and every line a task prints goes to
        ``sys.stdout`` prefixed with the task's name (except with the
        ``"threading"`` backend, whose threads share one ``sys.stdout``).
    file : file-like, default=None
        Where progress goes; ``sys.stderr`` when None.
    label : str, default=""
        Prefix of the progress lines.
    status : bool, default=False
        Show what a running task prints (its estimators' epoch lines) as one
        status line on ``file`` that moves in place, for a terminal. Only
        when the tasks run one after the other in this process
        (``n_jobs=1``); parallel workers print nothing but the finished-run
        lines.
    journal : UnitJournal or None, default=None
        Where each finished task's result is written as it finishes, and
        read back instead of running the task again (a rerun continues a
        stopped run; see ``experiments._journal``). Results must be
        JSON-serialisable.
    run_missing : bool, default=True
        False: run nothing; the tasks without a finished unit in the
        journal are reported as errors ("not finished"). To write the tables
        of a run that was stopped, from what it finished.

    Returns
    -------
    report : RunReport
        Results of the finished tasks and errors of the failed ones.

    Examples
    --------
    >>> import io
    >>> from sklearn_sparsity.experiments import Task, run_tasks
    >>> tasks = [Task("square-3", pow, {"base": 3, "exp": 2}),
    ...          Task("bad", pow, {"base": 0, "exp": -1})]
    >>> report = run_tasks(tasks, file=io.StringIO())
    >>> report.results
    {'square-3': 9}
    >>> report.errors
    {'bad': 'ZeroDivisionError: 0.0 cannot be raised to a negative power'}
    """
    names = [task.name for task in tasks]
    if len(set(names)) != len(names):
        raise ValueError("Task names must be unique.")
    file = sys.stderr if file is None else file
    if threads_per_job is None:
        threads_per_job = None if n_jobs == 1 else 1
    start = time.perf_counter()
    results, errors, durations = {}, {}, {}
    cpu = [0.0]
    resumed = []
    if journal is not None:
        todo = []
        for task in tasks:
            found, value = journal.load(task)
            if found:
                results[task.name] = value
                resumed.append(task.name)
            else:
                todo.append(task)
        if resumed and verbose:
            print(f"{label}{len(resumed)} of {len(tasks)} run(s) already "
                  f"finished in {journal.folder}: continuing with the other "
                  f"{len(todo)}", file=file, flush=True)
        tasks_to_run = todo
    else:
        tasks_to_run = list(tasks)
    if not run_missing:
        for task in tasks_to_run:
            errors[task.name] = "not finished (not run: only finished units read)"
            durations[task.name] = 0.0
        tasks_to_run = []
    n_total = len(tasks_to_run)
    costs = {task.name: task.cost for task in tasks_to_run}
    total_cost = sum(costs.values())
    label_lines = verbose > 1 and backend != "threading"
    sequential = n_jobs == 1 and backend in (None, "sequential")
    status_stream = file if status and sequential and verbose else None

    def prefix(task):
        return f"{label}  {task.name} | " if label_lines else None

    by_name = {task.name: task for task in tasks_to_run}

    def record(outcome):
        name, ok, value, seconds, cpu_seconds = outcome
        durations[name] = seconds
        cpu[0] += cpu_seconds
        if ok:
            results[name] = value
            if journal is not None:
                journal.save(by_name[name], value, seconds)
        else:
            errors[name] = value[0]
        if verbose:
            done = len(durations)
            elapsed = time.perf_counter() - start
            done_cost = sum(costs[n] for n in durations)
            left_cost = total_cost - done_cost
            # The rate of work so far, once a real share of it is done: the
            # first, cheap tasks say nothing about the rest.
            if left_cost <= 0:
                eta = "0s"
            elif done_cost >= 0.05 * total_cost or done_cost >= 1.0:
                eta = _format_seconds(elapsed / done_cost * left_cost)
            else:
                eta = "?"
            outcome_text = "done" if ok else f"FAILED ({value[0]})"
            print(
                f"{label}[{done}/{n_total}] {name} {outcome_text} in "
                f"{_format_seconds(seconds)} | elapsed {_format_seconds(elapsed)}"
                f" | ETA {eta}",
                file=file, flush=True,
            )
            if not ok and verbose > 1:
                print(value[1], file=file, flush=True)

    if sequential:
        for task in tasks_to_run:
            record(_call(task, threads_per_job, prefix(task), status_stream))
    elif tasks_to_run:
        jobs = (delayed(_call)(task, threads_per_job, prefix(task))
                for task in tasks_to_run)
        # backend=None: joblib's default (or the caller's parallel_config).
        config = {"n_jobs": n_jobs}
        if backend is not None:
            config["backend"] = backend
        with parallel_config(**config):
            try:
                outcomes = Parallel(return_as="generator_unordered")(jobs)
                for outcome in outcomes:
                    record(outcome)
            except ValueError as exc:
                if "generator" not in str(exc):
                    raise
                # Backends that cannot yield results as they come (e.g.
                # "multiprocessing"): progress is printed at the end.
                jobs = (delayed(_call)(task, threads_per_job, prefix(task))
                        for task in tasks_to_run)
                for outcome in Parallel(return_as="list")(jobs):
                    record(outcome)
    ordered = {name: results[name] for name in names if name in results}
    return RunReport(ordered, errors, durations, time.perf_counter() - start,
                     cpu[0], tuple(resumed))


def dask_client(address):
    """Connect to a Dask scheduler so that ``backend="dask"`` can run tasks.

    Parameters
    ----------
    address : str or None
        Scheduler address, e.g. ``"tcp://10.0.0.1:8786"``. None starts a
        local cluster (one worker process per core).

    Returns
    -------
    client : dask.distributed.Client
        Keep it alive while the tasks run; close it afterwards.

    Examples
    --------
    >>> from joblib import parallel_config
    >>> from sklearn_sparsity.experiments import Task, dask_client, run_tasks
    >>> client = dask_client("tcp://scheduler:8786")  # doctest: +SKIP
    >>> report = run_tasks([Task("t", pow, {"base": 2, "exp": 3})], n_jobs=-1,
    ...                    backend="dask")  # doctest: +SKIP
    >>> client.close()  # doctest: +SKIP
    """
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "The Dask backend needs dask.distributed: pip install "
            "'sklearn-sparsity[distributed]'."
        ) from exc
    if address is None:
        return Client(processes=True, threads_per_worker=1)
    return Client(address)
