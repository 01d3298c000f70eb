"""Tidy records (one dict per measured value), their summaries and tables.

The experiments produce lists of flat dicts, one per measured value, with the
seed in ``"seed"`` and the number in ``"value"``. Summaries (mean, standard
deviation and number of seeds per configuration) and the Markdown/CSV files
of the command line are computed from these lists with numpy and the
standard library only, so the command line needs no pandas; the public
experiment functions turn them into :class:`pandas.DataFrame` objects.
"""

import csv
import math

import numpy as np


def summarize(records, *, over="seed"):
    """Mean, standard deviation and count of ``value`` over ``over``.

    Records that agree on every other key (except ``value``) form a group.
    The standard deviation is the sample one (``ddof=1``), NaN for a single
    run.
    """
    groups, first = {}, {}
    for rec in records:
        # The keys' order does not matter (records read back from files may
        # have them in another order); the row keeps the first record's.
        items = [(k, v) for k, v in rec.items() if k not in (over, "value")]
        key = tuple(sorted(items, key=lambda item: item[0]))
        first.setdefault(key, items)
        groups.setdefault(key, []).append(rec["value"])
    out = []
    for key, values in groups.items():
        values = np.asarray(values, dtype=float)
        finite = values[np.isfinite(values)]
        n = finite.size
        row = dict(first[key])
        row["mean"] = float(finite.mean()) if n else math.nan
        row["std"] = float(finite.std(ddof=1)) if n > 1 else math.nan
        row["n_seeds"] = int(n)
        out.append(row)
    return out


def to_frame(records):
    """A :class:`pandas.DataFrame` of ``records`` (pandas imported lazily)."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(
            "The experiment functions return pandas DataFrames: install pandas "
            "(pip install pandas). The command line 'python -m sklearn_sparsity' "
            "works without it."
        ) from exc
    frame = pd.DataFrame.from_records(records)
    # Integer keys with missing values (e.g. no layer for the test error)
    # stay integers.
    for column in ("seed", "layer", "k", "epoch", "width", "n_layers", "n_seeds"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


def write_csv(records, path):
    """Write ``records`` (dicts with the same keys, in order) as CSV."""
    if not records:
        path.write_text("")
        return
    fields = list(records[0])
    for rec in records[1:]:
        fields += [k for k in rec if k not in fields]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for rec in records:
            writer.writerow({k: "" if v is None else v for k, v in rec.items()})


def _parse(text):
    """A CSV cell back to None, int, float or str."""
    if text == "":
        return None
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


class ResultsFileError(ValueError):
    """A result file that cannot be read back: damaged, empty or foreign."""


#: Columns every per-run file of ``reproduce`` has (not the summaries).
RESULT_COLUMNS = ("metric", "value")


def read_csv(path, *, required=()):
    """Records written by :func:`write_csv` (empty cells are None).

    Numbers come back as int or float; ``model`` and the other text
    columns stay strings.

    Parameters
    ----------
    path : path-like
        The CSV file.
    required : tuple of str, default=()
        Columns the file must have (``RESULT_COLUMNS`` for the per-run
        files of ``reproduce``); when ``value`` is one of them, it must be a
        number in every row.

    Returns
    -------
    records : list of dict

    Raises
    ------
    ResultsFileError
        With a one-line message naming the file (and the row, counted from 1
        with the header as row 1) when the file is not UTF-8 text, empty,
        lacks a required column, has no rows, or has a row with missing or
        extra cells (a file cut short) or a non-numeric ``value``.
    """

    def error(message, row=None):
        where = f"{path}, row {row}" if row is not None else f"{path}"
        return ResultsFileError(f"{where}: {message}")

    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames
            if not header:
                raise error("empty (no header row)")
            missing = [c for c in required if c not in header]
            if missing:
                raise error("not a result file of 'reproduce' (no column "
                            f"{', '.join(missing)}; found {', '.join(header)})")
            records = []
            for row in reader:
                number = reader.line_num
                if None in row:
                    raise error("more cells than columns", number)
                if None in row.values():
                    cells = sum(v is not None for v in row.values())
                    raise error(f"cut short ({cells} of {len(header)} cells)",
                                number)
                record = {k: (v if k in _TEXT_COLUMNS else _parse(v))
                          for k, v in row.items()}
                value = record.get("value")
                if "value" in required and (
                        isinstance(value, (str, type(None)))):
                    raise error(f"value {row['value']!r} is not a number",
                                number)
                records.append(record)
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise error(f"not a CSV file ({exc})") from None
    if not records:
        raise error("no rows (the header only)")
    return records


# Columns that stay text even when they look like numbers.
_TEXT_COLUMNS = ("dataset", "model", "metric", "aggregate", "experiment")


def fmt(mean, std=math.nan, digits=3):
    """``"0.123 ± 0.004"``, ``"0.123"`` without a spread, ``"n/a"`` for NaN."""
    if mean is None or not np.isfinite(mean):
        return "n/a"
    text = f"{mean:.{digits}f}"
    if std is not None and np.isfinite(std):
        text += f" ± {std:.{digits}f}"
    return text


def markdown_table(header, rows):
    """A GitHub-flavoured Markdown table of strings."""
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(header, rows):
    """A plain fixed-width table for the terminal."""
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
