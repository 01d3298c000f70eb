"""Writing results: provenance, notes on the settings, and the output folder.

Every result file the command line writes says what produced it: the
command, the package, numpy and scikit-learn versions, the source commit
(``run_info_<experiment>.json``) and, in each table's note, the settings
that differ from the scale's (``overrides_note``).

Every result file is complete or absent: it is written to a temporary name
in its folder and renamed (:func:`write_atomically`), so a full disk or an
interrupted run leaves no truncated table, CSV file or figure behind.
"""

import json
import os
import platform
from pathlib import Path

from ._settings import get_settings


def git_commit(package_dir=None):
    """Commit of the source tree this package runs from, or None.

    ``"<sha>+dirty"`` when tracked files of the package differ from it (other
    files, such as result folders being written, do not count); None for an
    installed (non-editable) package or without git. ``package_dir``
    defaults to this package's folder; its parent must be the checkout.
    """
    import subprocess

    package_dir = (Path(__file__).resolve().parent.parent if package_dir is None
                   else Path(package_dir))
    if not (package_dir.parent / ".git").exists():
        return None
    git = ["git", "-C", str(package_dir)]
    try:
        sha = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no", "--", "."],
            capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return sha + ("+dirty" if dirty.strip() else "")


def provenance():
    """What produced a result: versions, source commit, kernels, time."""
    import datetime

    import numpy as np
    import sklearn

    from .. import __version__, _kernels

    return {
        "python": platform.python_version(),
        "sklearn_sparsity": __version__,
        "git_commit": git_commit(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "numba_kernels": bool(_kernels.NUMBA_ENABLED),
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
    }


#: Options whose values are paths of this machine, and how results show them.
_PATH_PLACEHOLDERS = {"--data-home": "DATA", "--cache-dir": "CACHE",
                      "--out": "OUT"}


def _placeholder(flag, path):
    return _PATH_PLACEHOLDERS.get(flag) or Path(path).name


def display_command(argv):
    """The command as results show it: machine paths replaced by placeholders.

    ``--data-home``, ``--cache-dir`` and ``--out`` values become ``DATA``,
    ``CACHE`` and ``OUT``; a ``--rates`` file keeps its name only. The exact
    arguments are in the run info (``argv``).
    """
    shown, argv = [], list(argv)
    i = 0
    while i < len(argv):
        arg = argv[i]
        flag, eq, value = arg.partition("=")
        if flag in _PATH_PLACEHOLDERS or flag == "--rates":
            if eq:
                shown.append(f"{flag}={_placeholder(flag, value)}")
            else:
                shown.append(arg)
                if i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                    shown.append(_placeholder(flag, argv[i + 1]))
                    i += 1
        else:
            shown.append(arg)
        i += 1
    return "python -m sklearn_sparsity " + " ".join(shown)


def write_atomically(path, write):
    """Write ``path`` through ``write(tmp)``, complete or not at all.

    ``write`` writes the whole file to ``tmp``, a temporary name in the
    folder of ``path`` (same suffix, so that a figure's format is still
    inferred from it); the file is then renamed to ``path``
    (:func:`os.replace`, atomic on POSIX). If anything fails or is
    interrupted, the temporary file is removed and ``path`` is left as it
    was; an ``OSError`` is raised again with ``path`` as its file name.

    Parameters
    ----------
    path : path-like
        The file to write.
    write : callable
        ``write(tmp)`` writes the file's content to the path ``tmp``.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        if isinstance(exc, OSError) and exc.errno is not None:
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise


def check_writable(directory):
    """Create ``directory`` if needed, then write and remove a probe file in it.

    Raises the ``OSError`` of the first step that fails, with the folder as
    its file name; run before any training, so that an unwritable output
    folder is found in seconds, not after hours of work.
    """
    directory = Path(directory)
    probe = directory / f".sklearn-sparsity-probe-{os.getpid()}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(directory)) from exc


class Output:
    """The output folder of one command: tables, CSV files, figures, run info.

    Parameters
    ----------
    directory : str or path-like
        Created if missing; checked to be writable (:func:`check_writable`,
        an ``OSError`` if not).
    argv : list of str
        The command's arguments, recorded in every table and in the run
        info.
    name : str
        The run info goes to ``run_info_<name>.json``.
    """

    def __init__(self, directory, argv, name):
        self.dir = Path(directory)
        check_writable(self.dir)
        self.name = name
        self.command = display_command(argv)
        self.info = {"command": self.command, "argv": list(argv), **provenance(),
                     "experiments": {}}

    def table(self, name, title, header, rows, note="", echo=True):
        """Print a table (unless ``echo`` is False) and write ``name.md``."""
        from ._records import markdown_table, text_table

        if echo:
            print(f"\n{title}\n{text_table(header, rows)}")
            if note:
                print(note)
        md = f"## {title}\n\n{markdown_table(header, rows)}\n"
        if note:
            md += f"\n{note}\n"
        md += f"\nCommand: `{self.command}`\n"
        self._written(self.dir / f"{name}.md", md)

    def csv(self, name, records):
        """Write ``records`` to ``name.csv``."""
        from ._records import write_csv

        path = self.dir / f"{name}.csv"
        write_atomically(path, lambda tmp: write_csv(records, tmp))
        print(f"  -> {path}")

    def json(self, name, data):
        """Write ``data`` to ``name.json``."""
        self._written(self.dir / f"{name}.json",
                      json.dumps(data, indent=2, default=str) + "\n")

    def figure(self, name, func, summary, title, **kwargs):
        """Draw ``func(summary, path, title=title, **kwargs)`` to ``name.png``."""
        path = self.dir / f"{name}.png"
        try:
            write_atomically(path, lambda tmp: func(summary, tmp, title=title,
                                                    **kwargs))
        except ImportError as exc:
            print(f"  (figure {name}.png skipped: {exc})")
            return
        print(f"  -> {path}")

    def save_info(self):
        """Write the run info (command, provenance, per-experiment details)."""
        text = json.dumps(self.info, indent=2, default=str)
        write_atomically(self.dir / f"run_info_{self.name}.json",
                         lambda tmp: tmp.write_text(text))

    @staticmethod
    def _written(path, text):
        write_atomically(path, lambda tmp: tmp.write_text(text))
        print(f"  -> {path}")


def reduces(key, value, default):
    """Whether overriding ``key`` from ``default`` to ``value`` shrinks the run.

    Fewer epochs, fewer or narrower layers, a grid missing some of the
    scale's widths, or subsampled data; other changes (more epochs, another
    scaler or learning rate) alter the protocol without reducing it.
    """
    if key in ("pretrain_epochs", "finetune_epochs", "profile_epochs"):
        return value < default
    if key in ("max_train", "max_test"):
        return value is not None and (default is None or value < default)
    if key in ("width_sizes", "depth_sizes"):
        return not set(default) <= set(value)
    if key == "hidden_layer_sizes":
        return len(value) < len(default) or sum(value) < sum(default)
    return False


def overrides_note(overrides, dataset, scale, ignore=()):
    """``**Reduced run**: ...``, ``**Settings overridden**: ...`` or ``""``.

    Only overrides that change the scale's settings are listed: passing the
    paper's own values (say ``--profile-epochs 1000`` at paper scale) leaves
    a paper-scale run. Settings in ``ignore`` (those the result does not
    depend on) are left out.
    """
    defaults = get_settings(dataset, scale)
    settings = get_settings(dataset, scale, overrides)
    changed = {}
    for key in overrides:
        if key in ignore:
            continue
        value, default = settings[key], defaults[key]
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if default.get(k) != v}
        if value != default and value != {}:
            changed[key] = value
    if not changed:
        return ""
    label = ("Reduced run" if any(reduces(k, settings[k], defaults[k])
                                  for k in changed)
             else "Settings overridden")
    return (f" **{label}**: "
            + ", ".join(f"{k}={v}" for k, v in changed.items()) + ".")


def settings_note(settings, overrides, dataset, scale, rates=True):
    sizes = "-".join(map(str, settings["hidden_layer_sizes"]))

    def listed(key):
        return ", ".join(f"{m} {v:g}" for m, v in settings[key].items())

    if rates:
        pretrain = f" (lr {listed('pretrain_learning_rate')})"
        finetune = f" (lr {listed('learning_rate')})"
    else:
        pretrain = finetune = ""
    note = (f"Network {sizes}; pretraining {settings['pretrain_epochs']} epochs "
            f"per layer{pretrain}, fine-tuning {settings['finetune_epochs']} "
            f"epochs{finetune}, minibatch {settings['batch_size']}, momentum "
            f"{settings['momentum']} ({settings['momentum_schedule']}), "
            f"{settings['loss']}.")
    return note + overrides_note(overrides, dataset, scale)
