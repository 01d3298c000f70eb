"""Tables of the experiments' results, with the paper's values beside ours.

Every function takes summary records (dicts with ``mean``, ``std``, from
``summarize``) and returns ``(header, rows)`` of strings, which ``_records``
renders as Markdown or plain text. The command line prints them; the
reproduction page quotes them.
"""

import math

from ._paper import PAPER_TABLES
from ._records import fmt

#: Which data set each of the paper's tables uses, and the table's number.
TABLE_DATASETS = {"table1": "mnist", "table2": "birdsong"}
TABLE_NUMBERS = {"mnist": 1, "birdsong": 2}
#: Rows of the tables: the data, the paper's networks, the ReLU control.
NETWORKS = ("data", "DBN", "DpRBM", "Dsigm", "Drelu")
#: The three readings of eq. (9), the literal one first.
AGGREGATE_TITLES = {
    "mean_data": "eq. 9 as written: activation at the class-mean sample "
                 "(mean_data)",
    "mean_input": "activation at the class mean of the layer's input "
                  "(mean_input)",
    "mean_activation": "class mean of the activations (mean_activation)",
}

#: What the paper's Figure 2 says of each network's average AOD, per hidden
#: layer (Section 5.2; the figure gives no numbers). MNIST only.
PAPER_FIGURE2_WORDS = {
    "DpRBM": ("high", "", "close to 0, below the data"),
    "Dsigm": ("close to 1", "close to 1", "close to 1"),
}


def find(summary, **conditions):
    """The first record matching every ``key=value`` condition, or None.

    A condition on ``aggregate`` also matches records without the key
    (those that do not depend on it, such as the data's).
    """
    for r in summary:
        if all(r.get(key, value if key == "aggregate" else None) == value
               for key, value in conditions.items()):
            return r
    return None


def _cell(record, scale=1.0, digits=3, unit=""):
    if record is None:
        return ""
    return fmt(scale * record["mean"], scale * record["std"], digits) + unit


def _paper_cell(value, scale=1.0, digits=3, unit=""):
    if value is None or not math.isfinite(value):
        return "not given"
    return fmt(scale * value, digits=digits) + unit


def _networks(summary, paper=None):
    """The table's networks: those measured (all of the paper's without data)."""
    present = {r["model"] for r in summary}
    if not present and paper is not None:
        present = set(paper)
    return [m for m in NETWORKS if m in present]


def comparison_rows(summary, n_layers, paper=None):
    """HSPM of the data and of every hidden layer, and the test error.

    One row per measured network; with ``paper`` (a table of ``_paper``),
    the paper's row under each of ours (none under the Drelu, which the
    paper does not have).
    """
    header = (["network", "input"] + [f"layer {i}" for i in range(1, n_layers + 1)]
              + ["test error"])
    rows = []
    for model in _networks(summary, paper):
        if model == "data":
            ours = ([_cell(find(summary, model=model, metric="hspm", layer=0))]
                    + [""] * (n_layers + 1))
        else:
            ours = ([""]
                    + [_cell(find(summary, model=model, metric="hspm", layer=i))
                       for i in range(1, n_layers + 1)]
                    + [_cell(find(summary, model=model, metric="test_error"),
                             100, 2, " %")])
        rows.append([model, *ours])
        if paper is not None and model in paper:
            values = paper[model]
            if model == "data":
                theirs = [_paper_cell(values["hspm"][0])] + [""] * (n_layers + 1)
            else:
                theirs = ([""] + [_paper_cell(v)
                                  for v in values["hspm"][1:n_layers + 1]]
                          + [_paper_cell(values["test_error"], 100, 2, " %")])
            rows.append(["  paper", *theirs])
    return header, rows


def _aod_layers(summary):
    return sorted({r["layer"] for r in summary if r["metric"] == "aod"
                   and r["layer"] is not None})


def aod_rows(summary, aggregate, k=2, dataset=None):
    """Average AOD among ``k`` classes of the data and every hidden layer.

    For MNIST the paper's Figure 2 statements go under the DpRBM and Dsigm
    rows (in words: the figure has no numbers).
    """
    layers = _aod_layers(summary)
    header = ["network"] + [("input" if v == 0 else f"layer {v}") for v in layers]
    rows = []
    for model in _networks(summary):
        rows.append([model] + [
            _cell(find(summary, model=model, metric="aod", layer=layer, k=k,
                       aggregate=aggregate))
            for layer in layers])
        words = PAPER_FIGURE2_WORDS.get(model) if dataset == "mnist" else None
        if words is not None:
            rows.append(["  paper (Fig. 2)"] + [
                "" if layer == 0 else words[layer - 1] if layer <= len(words)
                else "" for layer in layers])
    return header, rows


def baseline_rows(summary):
    """Test error, HSPM per hidden layer and epochs of each baseline."""
    models = list(dict.fromkeys(r["model"] for r in summary))
    n_layers = max((r["layer"] for r in summary
                    if r["metric"] == "hspm" and r["layer"]), default=0)
    header = (["network", "test error"]
              + [f"HSPM layer {i}" for i in range(1, n_layers + 1)]
              + ["epochs", "fit time (s)"])
    rows = []
    for model in models:
        rows.append(
            [model, _cell(find(summary, model=model, metric="test_error"),
                          100, 2, " %")]
            + [_cell(find(summary, model=model, metric="hspm", layer=i))
               for i in range(1, n_layers + 1)]
            + [_cell(find(summary, model=model, metric="n_iter"), digits=0),
               _cell(find(summary, model=model, metric="fit_time_s"),
                     digits=0)])
    return header, rows


def saturation_rows(summary, n_layers):
    """Share of test activations below 0.01 / above 0.99, per network and layer."""
    header = ["network"] + [f"layer {i}: < 0.01 / > 0.99"
                            for i in range(1, n_layers + 1)]
    rows = []
    for model in _networks(summary):
        cells = []
        for layer in range(1, n_layers + 1):
            low = find(summary, model=model, metric="saturated_low", layer=layer)
            high = find(summary, model=model, metric="saturated_high",
                        layer=layer)
            cells.append("" if low is None or high is None else
                         f"{100 * low['mean']:.1f} % / {100 * high['mean']:.1f} %")
        if any(cells):
            rows.append([model, *cells])
    return header, rows


def overlap_curve_rows(summary, aggregate):
    """Figure 2 as a table: tau and the average AOD for every ``k``."""
    aod = [r for r in summary if r["metric"] == "aod"
           and r.get("aggregate", aggregate) == aggregate]
    ks = sorted({r["k"] for r in aod})
    header = ["network", "layer", "tau"] + [f"k={k}" for k in ks]
    keys = sorted({(r["model"], r["layer"]) for r in aod},
                  key=lambda t: (NETWORKS.index(t[0]), t[1]))
    rows = []
    for model, layer in keys:
        row = [model, "input" if layer == 0 else str(layer),
               _cell(find(summary, model=model, layer=layer, metric="tau"))]
        row += [fmt(r["mean"]) if (r := find(aod, model=model, layer=layer,
                                            k=k)) else "" for k in ks]
        rows.append(row)
    return header, rows


def profile_rows(summary, stack_label=None):
    """Rows of a Figure 1 table.

    ``stack_label`` names a stack of unequal widths (Figure 1(a)), otherwise
    each stack is "n_layers x width".
    """
    rows = []
    for r in sorted((r for r in summary if r["metric"] == "hspm_test"),
                    key=lambda r: (r["n_layers"], r["width"], r["layer"])):
        same = {"width": r["width"], "n_layers": r["n_layers"],
                "layer": r["layer"], "metric": "hspm_train"}
        first = find(summary, **same, epoch=1)
        last = find(summary, **same, epoch=r["epoch"])
        rows.append([
            stack_label or f"{r['n_layers']} x {r['width']}",
            str(r["layer"]), str(r["epoch"]),
            fmt(first["mean"]) if first else "",
            _cell(last), _cell(r),
        ])
    header = ["stack", "layer", "epochs", "HSPM train (epoch 1)",
              "HSPM train (last epoch)", "HSPM test (end)"]
    return header, rows


def selection_rows(summary, chosen, n_layers):
    """The learning-rate grid: one row per network and rate pair."""
    header = (["network", "pretrain lr", "lr", "validation error",
               "validation log loss"]
              + [f"HSPM layer {i}" for i in range(1, n_layers + 1)]
              + ["chosen"])
    rows = []
    for model in NETWORKS[1:]:
        points = sorted({(r["pretrain_lr"], r["lr"]) for r in summary
                         if r["model"] == model
                         and r["metric"] == "validation_error"},
                        key=lambda pf: (-(pf[0] or 0), -pf[1]))
        for p, f in points:
            point = {"model": model, "pretrain_lr": p, "lr": f}
            is_chosen = (chosen["learning_rate"].get(model) == f
                         and chosen["pretrain_learning_rate"].get(model) == p)
            rows.append(
                [model, "" if p is None else f"{p:g}", f"{f:g}",
                 _cell(find(summary, **point, metric="validation_error"), 100,
                       2, " %"),
                 _cell(find(summary, **point, metric="validation_log_loss"))]
                + [_cell(find(summary, **point, metric="hspm_validation",
                              layer=i)) for i in range(1, n_layers + 1)]
                + ["*" if is_chosen else ""])
    return header, rows


def paper_table(dataset):
    """The paper's table for ``dataset`` (``None`` for the digits)."""
    return PAPER_TABLES.get(dataset)


def finetuning_rows(summary, n_layers):
    """The fine-tuning study: HSPM per layer and test error per checkpoint."""
    header = (["lr", "loss", "epoch"]
              + [f"HSPM layer {i}" for i in range(1, n_layers + 1)]
              + ["test error"])
    keys = sorted({(r["lr"], r["loss"], r["epoch"]) for r in summary},
                  key=lambda t: (-t[0], t[1], t[2]))
    rows = []
    for lr, loss, epoch in keys:
        point = {"lr": lr, "loss": loss, "epoch": epoch}
        rows.append([f"{lr:g}", loss, str(epoch)]
                    + [_cell(find(summary, **point, metric="hspm", layer=i))
                       for i in range(1, n_layers + 1)]
                    + [_cell(find(summary, **point, metric="test_error"), 100,
                             2, " %")])
    return header, rows
