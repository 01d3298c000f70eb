"""The map's conclusions (Markdown, from the numbers) and its figure.

Both read the summary rows of ``_map.summarize_differences`` (mean, std and
number of seeds of each difference at each axis value).
"""

import math

import numpy as np

from ._map import AXES

#: What each difference tests, in the paper's terms, and when a point
#: counts for the claim: ``sparser`` and ``less_overlap`` must be positive;
#: ``finetune_keeps`` (DBN - DpRBM) may lose at most ``KEEP_TOLERANCE``.
KEEP_TOLERANCE = 0.05
#: A network "learned" when its test error is below this (chance is 0.9 on
#: ten balanced classes): a network that learned nothing is dense or
#: saturated for that reason alone, so each rule is also counted over the
#: settings where both networks compared learned.
LEARNED_ERROR = 0.5
CLAIMS = {
    "sparser": ("HSPM(DpRBM) > HSPM(Dsigm)",
                "pretraining makes the hidden layer sparser than a random "
                "start"),
    "less_overlap": ("AOD(Dsigm) > AOD(DpRBM)",
                     "pretraining lowers the class overlap of the top layer"),
    "finetune_keeps": (f"HSPM(DBN) >= HSPM(DpRBM) - {KEEP_TOLERANCE}",
                       "fine-tuning keeps the pretrained sparseness"),
}
_LOG_AXES = ("pretrain_epochs", "pretrain_lr", "finetune_lr",
             "finetune_epochs", "width")


def holds(quantity, mean):
    """Whether a point's mean difference counts for the paper's claim."""
    if quantity == "finetune_keeps":
        return mean >= -KEEP_TOLERANCE
    return mean > 0


def _fmt(row):
    text = f"{row['mean']:+.3f}"
    if math.isfinite(row["std"]):
        text += f" ± {row['std']:.3f}"
    return text


def _groups(summary):
    """``(quantity, layer, k) -> rows``, in a fixed order.

    The AOD difference is of the top layer, whatever its index: its rows
    form one group per ``k`` (layer None).
    """
    groups = {}
    for r in summary:
        layer = None if r["quantity"] == "less_overlap" else r["layer"]
        groups.setdefault((r["quantity"], layer, r["k"]), []).append(r)
    order = list(CLAIMS)
    return dict(sorted(groups.items(), key=lambda item: (
        order.index(item[0][0]), item[0][1] or 0, str(item[0][2]))))


#: The networks whose test errors are quoted beside each difference.
_ERROR_MODELS = {"sparser": ("DpRBM", "Dsigm"), "less_overlap": ("DpRBM", "Dsigm"),
                 "finetune_keeps": ("DBN", "DpRBM")}


def _evidence(row, quantity, errors):
    text = f"{row['axis_value']:g}: {_fmt(row)}"
    found = [(m, errors.get((row["axis"], row["axis_value"], m)))
             for m in _ERROR_MODELS[quantity]]
    if errors and all(e is not None for _, e in found):
        text += " [test error " + ", ".join(f"{m} {e:.3f}" for m, e in found) + "]"
    return text


def _axis_rule(axis, rows, quantity, errors):
    """``(fails, text)``: where along ``axis`` the claim fails, with numbers."""
    rows = sorted(rows, key=lambda r: r["axis_value"])
    values = [r["axis_value"] for r in rows]
    axis = axis.split("|")[0]  # a row of the 2-D grid: its varying rate
    failing = [r for r in rows if not holds(quantity, r["mean"])]
    evidence = "; ".join(_evidence(r, quantity, errors) for r in rows)
    if not failing:
        return False, f"holds at every {axis} tried ({evidence})"
    bad = [r["axis_value"] for r in failing]
    if len(bad) == len(values):
        where = f"at every {axis} tried"
    elif bad == values[:len(bad)]:
        where = f"when {axis} <= {bad[-1]:g}"
    elif bad == values[-len(bad):]:
        where = f"when {axis} >= {bad[0]:g}"
    else:
        where = f"when {axis} is " + ", ".join(f"{v:g}" for v in bad)
    return True, f"fails {where} ({evidence})"


def conclusions(summary, *, dataset, note="", errors=()):
    """The map's conclusions as Markdown, every rule with its numbers.

    Parameters
    ----------
    summary : list of dict
        Rows of ``summarize_differences``.
    dataset : str
        Named in the title.
    note : str, default=""
        A paragraph on the settings and scale, placed under the title.
    errors : list of dict, default=()
        Rows of ``point_errors``: the mean test errors quoted beside every
        difference (a network that learned nothing is dense or saturated
        for that reason alone).

    Returns
    -------
    text : str
    """
    lines = [f"# Where the paper's claims hold: map on {dataset}", ""]
    if note:
        lines += [note, ""]
    errors = {(e["axis"], e["axis_value"], e["model"]): e["mean"]
              for e in errors}
    lines += ["Each rule counts the distinct settings (the base once) whose "
              "mean difference over the seeds supports the claim, then says "
              "along which axes it fails; the numbers are `value: mean ± "
              "sample std over seeds` of the difference, [with the mean test "
              "errors of the two networks compared]. "
              "A point holds when the difference is > 0 (sparseness, "
              "overlap) or >= "
              f"-{KEEP_TOLERANCE} (fine-tuning keeps the sparseness).", ""]
    for (quantity, layer, k), rows in _groups(summary).items():
        relation, words = CLAIMS[quantity]
        where = (f"top layer, k = {k}" if quantity == "less_overlap"
                 else f"layer {layer}")
        distinct = {r.get("point") or (r["axis"], r["axis_value"]): r
                    for r in rows}
        n_hold = sum(holds(quantity, r["mean"]) for r in distinct.values())
        line = (f"- **{relation}** ({where}; {words}): holds at "
                f"{n_hold} of {len(distinct)} settings")
        if errors:
            models = _ERROR_MODELS[quantity]
            learned = [r for r in distinct.values()
                       if all(errors.get((r["axis"], r["axis_value"], m), 1.0)
                              < LEARNED_ERROR for m in models)]
            kept = [r for r in learned if holds(quantity, r["mean"])]
            line += (f"; where both {' and '.join(models)} learned (test "
                     f"error < {LEARNED_ERROR}), at {len(kept)} of "
                     f"{len(learned)}")
            if kept:
                line += " (" + "; ".join(
                    f"{r['axis']} {_evidence(r, quantity, errors)}"
                    for r in kept) + ")"
        lines.append(line + ".")
        by_axis = {}
        for r in rows:
            by_axis.setdefault(r["axis"], []).append(r)
        for axis in sorted(by_axis, key=lambda a: AXES.index(a)
                           if a in AXES else 99):
            fails, text = _axis_rule(axis, by_axis[axis], quantity, errors)
            lines.append(f"  - {'**' if fails else ''}{axis}{'**' if fails else ''}"
                         f": {text}.")
    return "\n".join(lines) + "\n"


def _error_row(grid_row, axes, errors):
    """Test error of each network along every axis (the figure's last row)."""
    from ._plots import _COLORS

    for ax, axis in zip(grid_row, axes):
        for model in ("DBN", "DpRBM", "Dsigm"):
            line = sorted((e for e in errors
                           if e["axis"] == axis and e["model"] == model),
                          key=lambda e: e["axis_value"])
            ax.plot([e["axis_value"] for e in line],
                    [e["mean"] for e in line], marker="o", ms=3,
                    color=_COLORS[model], label=model)
        ax.axhline(LEARNED_ERROR, color="0.5", lw=0.8, ls="--")


def plot_map(summary, path, *, title="", errors=()):
    """Line plots of the three differences along every axis (mean ± std).

    One row per quantity, one column per axis; one line per layer (HSPM
    differences) or per ``k`` (the AOD difference), a band of one sample std
    over the seeds, and the claim's boundary as a grey line. With
    ``errors`` (rows of ``point_errors``), a last row shows the networks'
    mean test errors.
    """
    from ._plots import _pyplot

    plt = _pyplot()
    axes = [a for a in AXES if any(r["axis"] == a for r in summary)]
    quantities = [q for q in CLAIMS if any(r["quantity"] == q for r in summary)]
    n_rows = len(quantities) + bool(errors)
    fig, grid = plt.subplots(n_rows, len(axes), squeeze=False,
                             figsize=(2.6 * len(axes), 2.4 * n_rows),
                             sharey="row")
    if errors:
        _error_row(grid[-1], axes, errors)
        grid[-1][0].set_ylabel("test error", fontsize=7)
        grid[-1][0].legend(fontsize=6)
    labels = {"sparser": "HSPM(DpRBM) - HSPM(Dsigm)",
              "less_overlap": "AOD(Dsigm) - AOD(DpRBM), top",
              "finetune_keeps": "HSPM(DBN) - HSPM(DpRBM)"}
    for i, quantity in enumerate(quantities):
        for j, axis in enumerate(axes):
            ax = grid[i][j]
            rows = [r for r in summary
                    if r["quantity"] == quantity and r["axis"] == axis]
            top = quantity == "less_overlap"  # one line per k, top layer
            keys = sorted({(None if top else r["layer"], str(r["k"]))
                           for r in rows}, key=str)
            for layer, k in keys:
                line = sorted((r for r in rows if str(r["k"]) == k
                               and (top or r["layer"] == layer)),
                              key=lambda r: r["axis_value"])
                x = [r["axis_value"] for r in line]
                mean = [r["mean"] for r in line]
                std = [r["std"] if math.isfinite(r["std"]) else 0.0
                       for r in line]
                label = (f"k={k}" if quantity == "less_overlap"
                         else f"layer {layer}")
                drawn = ax.plot(x, mean, marker="o", ms=3, label=label)[0]
                ax.fill_between(x, [m - s for m, s in zip(mean, std)],
                                [m + s for m, s in zip(mean, std)],
                                color=drawn.get_color(), alpha=0.2, lw=0)
            ax.axhline(-KEEP_TOLERANCE if quantity == "finetune_keeps" else 0,
                       color="0.5", lw=0.8, ls="--")
            if j == 0:
                ax.set_ylabel(labels[quantity], fontsize=7)
            if j == len(axes) - 1:  # the depth axis has every layer
                ax.legend(fontsize=6)
    for j, axis in enumerate(axes):
        values = sorted({r["axis_value"] for r in summary if r["axis"] == axis})
        for i in range(n_rows):
            ax = grid[i][j]
            if axis in _LOG_AXES:
                ax.set_xscale("log")
                ax.minorticks_off()
            ax.set_xticks(values)
            ax.set_xticklabels([f"{v:g}" for v in values])
            ax.tick_params(labelsize=7)
            if i == n_rows - 1:
                ax.set_xlabel(axis)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_lr_grid(summary, path, *, title=""):
    """Heat maps of the differences over pretraining x fine-tuning rates.

    Reads the rows of the axes ``"finetune_lr|pretrain_lr=P"``; one panel
    per quantity (every layer of the HSPM differences, the top layer's AOD
    difference at ``k = 2``), each cell the mean over seeds, annotated.
    """
    from ._plots import _pyplot

    rows = [r for r in summary if r["axis"].startswith("finetune_lr|")]
    if not rows:
        return
    plt = _pyplot()
    panels = []
    for quantity in CLAIMS:
        layers = sorted({r["layer"] for r in rows if r["quantity"] == quantity})
        if quantity == "less_overlap":
            panels.append((quantity, None, 2))
        else:
            panels += [(quantity, layer, None) for layer in layers]
    pre = sorted({float(r["axis"].partition("=")[2]) for r in rows})
    fine = sorted({r["axis_value"] for r in rows})
    fig, axes = plt.subplots(1, len(panels), squeeze=False,
                             figsize=(2.9 * len(panels), 3.4))
    for ax, (quantity, layer, k) in zip(axes[0], panels):
        grid = np.full((len(pre), len(fine)), np.nan)
        for r in rows:
            if r["quantity"] != quantity or (k is not None and r["k"] != k) or (
                    layer is not None and r["layer"] != layer):
                continue
            i = pre.index(float(r["axis"].partition("=")[2]))
            grid[i, fine.index(r["axis_value"])] = r["mean"]
        bound = np.nanmax(np.abs(grid)) or 1.0
        ax.imshow(grid, cmap="RdBu", vmin=-bound, vmax=bound, origin="lower")
        for i in range(len(pre)):
            for j in range(len(fine)):
                if np.isfinite(grid[i, j]):
                    ax.text(j, i, f"{grid[i, j]:+.2f}", ha="center",
                            va="center", fontsize=7)
        ax.set_xticks(range(len(fine)), [f"{v:g}" for v in fine], fontsize=7)
        ax.set_yticks(range(len(pre)), [f"{v:g}" for v in pre], fontsize=7)
        ax.set_xlabel("fine-tuning rate", fontsize=8)
        what = {"sparser": "HSPM(DpRBM) - HSPM(Dsigm)",
                "less_overlap": "AOD(Dsigm) - AOD(DpRBM)",
                "finetune_keeps": "HSPM(DBN) - HSPM(DpRBM)"}[quantity]
        where = "top, k=2" if quantity == "less_overlap" else f"layer {layer}"
        ax.set_title(f"{what}\n{where}", fontsize=7)
    axes[0][0].set_ylabel("pretraining rate", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
