"""Figures of the experiments (matplotlib, the optional ``plot`` extra).

Each function takes summary records (dicts with ``mean`` and ``std``, from
``summarize``) and writes one PNG file.
"""

import math

_COLORS = {"data": "0.4", "DBN": "tab:blue", "DpRBM": "tab:green",
           "Dsigm": "tab:red", "Drelu": "tab:purple"}
_NETWORKS = ("DBN", "DpRBM", "Dsigm", "Drelu")


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "Figures need matplotlib: pip install 'sklearn-sparsity[plot]'."
        ) from exc
    return plt


def _select(summary, **conditions):
    """Records matching every condition (``aggregate`` also matches records
    without the key, which do not depend on it)."""
    return [r for r in summary
            if all(r.get(k, v if k == "aggregate" else None) == v
                   for k, v in conditions.items())]


def _band(ax, x, rows, **kwargs):
    mean = [r["mean"] for r in rows]
    line = ax.plot(x, mean, **kwargs)[0]
    std = [r["std"] if math.isfinite(r["std"]) else 0.0 for r in rows]
    if any(std):
        ax.fill_between(x, [m - s for m, s in zip(mean, std)],
                        [m + s for m, s in zip(mean, std)],
                        color=line.get_color(), alpha=0.2, linewidth=0)
    return line


def _layers(rows):
    return sorted({r["layer"] for r in rows if r["layer"] is not None})


def plot_comparison(summary, path, title="", aggregate="mean_data"):
    """HSPM of every layer per network, and AOD among k classes (top layer).

    ``aggregate`` is the reading of eq. (9) of the AOD panel. ``title`` (e.g.
    the data set) is followed by the networks actually plotted. The legends
    sit beside the panels, where they cover no curve.
    """
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    data = _select(summary, model="data", metric="hspm")
    plotted = []
    for model in _NETWORKS:
        rows = sorted(_select(summary, model=model, metric="hspm"),
                      key=lambda r: r["layer"])
        if not rows:
            continue
        plotted.append(model)
        rows = data + rows
        _band(ax1, list(range(len(rows))), rows, marker="o", label=model,
              color=_COLORS[model])
    n_layers = len(_layers(_select(summary, metric="hspm")))
    ax1.set_xticks(range(n_layers))
    ax1.set_xlabel("layer (0 = input)")
    ax1.set_ylabel("mean HSPM on the test set")
    ax1.legend(fontsize="small")
    ax1.set_title("Sparseness per layer")
    top = max((r["layer"] for r in summary if r["metric"] == "aod"
               and r["model"] != "data"), default=None)
    for model in ("data", *_NETWORKS):
        layer = 0 if model == "data" else top
        rows = sorted(_select(summary, model=model, metric="aod", layer=layer,
                              aggregate=aggregate), key=lambda r: r["k"])
        if rows:
            _band(ax2, [r["k"] for r in rows], rows, marker=".",
                  label=f"{model}" + ("" if model == "data" else f" layer {top}"),
                  color=_COLORS[model])
    ax2.set_xlabel("k (number of classes)")
    ax2.set_ylabel("average AOD among k classes")
    ax2.set_title(f"Activation overlap, top layer ({aggregate})")
    ax2.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small",
               borderaxespad=0)
    fig.suptitle(f"{title}: {', '.join(plotted)}" if title
                 else ", ".join(plotted))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_overlap(summary, path, title="", aggregates=("mean_data",)):
    """Figure 2: AOD among k classes, one panel per hidden layer.

    One row of panels per reading of eq. (9) in ``aggregates``.
    """
    plt = _pyplot()
    layers = [v for v in _layers(_select(summary, metric="aod")) if v > 0]
    fig, axes = plt.subplots(len(aggregates), len(layers),
                             figsize=(4 * len(layers), 3.4 * len(aggregates)),
                             squeeze=False, sharey=True)
    data = sorted(_select(summary, model="data", metric="aod",
                          aggregate=aggregates[0]), key=lambda r: r["k"])
    for row, aggregate in zip(axes, aggregates):
        for ax, layer in zip(row, layers):
            if data:
                _band(ax, [r["k"] for r in data], data, marker=".",
                      label="data", color=_COLORS["data"], linestyle="--")
            for model in _NETWORKS:
                rows = sorted(_select(summary, model=model, metric="aod",
                                      layer=layer, aggregate=aggregate),
                              key=lambda r: r["k"])
                if rows:
                    _band(ax, [r["k"] for r in rows], rows, marker=".",
                          label=model, color=_COLORS[model])
            ax.set_title(f"hidden layer {layer}, {aggregate}"
                         if len(aggregates) > 1 else f"hidden layer {layer}")
            ax.set_xlabel("k (number of classes)")
        row[0].set_ylabel("average AOD among k classes")
    axes[0][0].legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_profile(summary, path, title="", stack_label=None):
    """Figure 1: training-set HSPM per epoch, one line per (width, layer).

    ``stack_label`` names a stack of unequal widths (Figure 1(a)); otherwise
    each panel is titled "n_layers x width units".
    """
    plt = _pyplot()
    rows = _select(summary, metric="hspm_train")
    configs = sorted({(r["width"], r["n_layers"]) for r in rows})
    fig, axes = plt.subplots(1, len(configs), figsize=(5 * len(configs), 3.6),
                             squeeze=False, sharey=True)
    for ax, (width, n_layers) in zip(axes[0], configs):
        these = [r for r in rows if r["width"] == width
                 and r["n_layers"] == n_layers]
        for layer in _layers(these):
            line = sorted((r for r in these if r["layer"] == layer),
                          key=lambda r: r["epoch"])
            _band(ax, [r["epoch"] for r in line], line, label=f"layer {layer}")
        if stack_label:
            ax.set_title(f"{stack_label} units")
        else:
            ax.set_title(f"{n_layers} x {width} units" if n_layers > 1
                         else f"{width} units")
        ax.set_xlabel("pretraining epoch")
        ax.legend(fontsize="small")
    axes[0][0].set_ylabel("mean HSPM (training minibatches)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_width(summary, path, title=""):
    """Figure 1(b): HSPM per epoch for every width, in one panel."""
    plt = _pyplot()
    rows = _select(summary, metric="hspm_train", layer=1)
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for width in sorted({r["width"] for r in rows}):
        line = sorted((r for r in rows if r["width"] == width),
                      key=lambda r: r["epoch"])
        _band(ax, [r["epoch"] for r in line], line, label=f"{width} units")
    ax.set_xlabel("pretraining epoch")
    ax.set_ylabel("mean HSPM (training minibatches)")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
