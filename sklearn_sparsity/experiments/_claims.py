"""The paper's claims, checked against our results: holds or fails, with a margin.

Each claim compares quantities measured over seeds (per-seed records of
Tables 1-2, Figure 1 and Figure 2). Its **margin** is the amount by which the
claim holds (negative: by which it fails) in units of the seed standard
deviation: ``(mean_a - mean_b) / max(std_a, std_b)`` for "a is larger than
b", ``(bound - mean) / std`` for "below a bound". With one seed (Figure 1
at 1000 epochs) there is no spread and the margin is not given.

Where the paper's words are qualitative ("high", "close to 0", "similar"),
the claim states the number it is checked against; those thresholds are our
reading, given in the claim's text.

Every comparison row puts the claim's subject first: "A sparser than B"
prints "A vs B", "A overlaps less than B" prints "A vs B", in the paper's
column and in ours.

A network that **did not learn** says nothing about pretraining: every claim
that involves it is "n/a: <network> did not learn", counted apart from the
claims that hold or fail. A network did not learn when, for any seed, its
test error is **near chance**: at least the lower of two chance levels of
the test set,

* ``1 - 1.5 / n_classes``: an accuracy at most 1.5 times that of guessing a
  class uniformly at random (0.85 on MNIST's 10 classes);
* the error of always predicting the test set's most frequent class, less
  0.01 (the estimators' "did not learn" warning uses the same margin on the
  training set): 0.877 on the MNIST test subset of the quick scale, 0.907 on
  Birdsong's frames, whose classes are far from balanced.

The comparison records give both (``n_classes`` and ``majority_error``
rows of the data); records written before they did fall back on the classes
in ``N_CLASSES`` and the first level alone.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._paper import PAPER_TABLE1, PAPER_TABLE2

#: Half-width of "about" / "similar" in the paper's numeric statements.
ABOUT = 0.05
#: "close to 0" / "close to 1" / "high" for an average AOD over k = 2..10.
CLOSE_TO_0 = 0.1
CLOSE_TO_1 = 0.9
HIGH = 0.5
#: Classes of each data set, for the "near chance" test error.
N_CLASSES = {"mnist": 10, "digits": 10, "birdsong": 51}
#: A test error at least ``1 - CHANCE_FACTOR / n_classes`` is near chance.
CHANCE_FACTOR = 1.5
#: ... as is one at least the majority-class error less this margin.
MAJORITY_MARGIN = 0.01


@dataclass
class Quantity:
    """Per-seed values of one measured quantity, and how to print it."""

    values: np.ndarray
    label: str

    @property
    def mean(self):
        return float(np.mean(self.values)) if self.values.size else math.nan

    @property
    def std(self):
        return (float(np.std(self.values, ddof=1)) if self.values.size > 1
                else math.nan)


def _select(runs, **conditions):
    return [r for r in runs
            if all(r.get(k, v if k == "aggregate" else None) == v
                   for k, v in conditions.items())]


def _per_seed(runs, **conditions):
    """Values by seed of the records matching ``conditions``."""
    out = {}
    for r in _select(runs, **conditions):
        out[r.get("seed", 0)] = float(r["value"])
    return out


def _quantity(runs, label, **conditions):
    values = _per_seed(runs, **conditions)
    return Quantity(np.array([values[s] for s in sorted(values)]), label)


def _mean_over(runs, label, key, keys, **conditions):
    """Per seed, the mean of the values over ``key`` in ``keys``."""
    by_seed = {}
    for value in keys:
        for seed, v in _per_seed(runs, **{key: value}, **conditions).items():
            by_seed.setdefault(seed, []).append(v)
    seeds = [s for s, v in sorted(by_seed.items()) if len(v) == len(keys)]
    return Quantity(np.array([np.mean(by_seed[s]) for s in seeds]), label)


def _margin(difference, *stds):
    spread = max((s for s in stds if math.isfinite(s)), default=math.nan)
    if not math.isfinite(spread) or spread == 0 or not math.isfinite(difference):
        return math.nan
    return difference / spread


def _claim(claim, paper, ours, margin, holds, models):
    return {"claim": claim, "paper": paper, "ours": ours, "margin": margin,
            "holds": bool(holds), "verdict": "holds" if holds else "fails",
            "models": " ".join(models)}


def _greater(claim, paper, a, b, models=(), digits=3, sign=1):
    """``a > b`` (the subject ``a`` first); ``paper``: the paper's values or words.

    ``sign=-1`` checks ``a < b`` instead, still printed with ``a`` first.
    """
    if not a.values.size or not b.values.size:
        return None
    difference = sign * (a.mean - b.mean)
    return _claim(claim, paper, f"{_fmt(a, digits)} vs {_fmt(b, digits)}",
                  _margin(difference, a.std, b.std), difference > 0, models)


def _less(claim, paper, a, b, models=(), digits=3):
    """``a < b``, printed with the subject ``a`` first."""
    return _greater(claim, paper, a, b, models, digits, sign=-1)


def _below(claim, paper, a, bound, models=()):
    if not a.values.size:
        return None
    return _claim(claim, paper, _fmt(a), _margin(bound - a.mean, a.std),
                  a.mean < bound, models)


def _above(claim, paper, a, bound, models=()):
    if not a.values.size:
        return None
    return _claim(claim, paper, _fmt(a), _margin(a.mean - bound, a.std),
                  a.mean > bound, models)


def _about(claim, paper, a, value, models=()):
    if not a.values.size:
        return None
    gap = abs(a.mean - value)
    return _claim(claim, paper, _fmt(a), _margin(ABOUT - gap, a.std),
                  gap <= ABOUT, models)


def chance_error(runs, dataset):
    """The test error from which a network counts as not having learned.

    Parameters
    ----------
    runs : list of dict
        Per-seed records, with the data's ``n_classes`` and
        ``majority_error`` rows where they were recorded.
    dataset : str
        The data set.

    Returns
    -------
    bound : float
        ``min(1 - CHANCE_FACTOR / n_classes, majority_error -
        MAJORITY_MARGIN)`` (see the module docstring); NaN when the number
        of classes is unknown.
    """
    def recorded(metric):
        rows = _select(runs, dataset=dataset, model="data", metric=metric)
        return float(rows[0]["value"]) if rows else math.nan

    n_classes = recorded("n_classes")
    if not math.isfinite(n_classes):
        n_classes = N_CLASSES.get(dataset, math.nan)
    bounds = [1 - CHANCE_FACTOR / n_classes,
              recorded("majority_error") - MAJORITY_MARGIN]
    bounds = [b for b in bounds if math.isfinite(b)]
    return min(bounds) if bounds else math.nan


def near_chance(runs, dataset):
    """The networks of ``runs`` whose test error is near chance for any seed.

    Parameters
    ----------
    runs : list of dict
        Per-seed records with ``metric="test_error"`` rows.
    dataset : str
        The data set.

    Returns
    -------
    models : dict
        ``{model: worst test error}`` of the networks whose test error is at
        least :func:`chance_error` for some seed.
    """
    bound = chance_error(runs, dataset)
    worst = {}
    if not math.isfinite(bound):
        return worst
    for r in _select(runs, dataset=dataset, metric="test_error"):
        value = float(r["value"])
        if value >= bound:
            worst[r["model"]] = max(value, worst.get(r["model"], value))
    return worst


def _mark_not_learned(claims, failed):
    """Claims involving a network of ``failed`` become n/a."""
    for c in claims:
        if c is None:
            continue
        bad = [m for m in c["models"].split() if m in failed]
        if bad:
            c["holds"] = None
            c["verdict"] = "n/a: " + " and ".join(bad) + " did not learn"
    return claims


def _fmt(q, digits=3):
    if not q.values.size:
        return "n/a"
    text = f"{q.mean:.{digits}f}"
    if math.isfinite(q.std):
        text += f" ± {q.std:.{digits}f}"
    return text


def _table_claims(runs, dataset, paper, aggregate):
    """Claims of Table 1 or 2 (and Figure 2 for MNIST) on one data set."""
    out = []
    name = {"mnist": "Table 1", "birdsong": "Table 2"}[dataset]
    n_layers = 3

    def hspm(model, layer):
        return _quantity(runs, f"{model} layer {layer}", dataset=dataset,
                         model=model, metric="hspm", layer=layer)

    # MNIST: "compared to Dsigm the pretraining leads to models with higher
    # sparseness" (DBN and DpRBM). Birdsong: "the sparseness of three layer
    # DpRBMs is higher than that of Dsigm", while the fine-tuned DBN's "is
    # close to Dsigm" (its layer 3 is the less sparse in Table 2), so the
    # DBN gets a claim of its own below.
    sparser = ("DpRBM", "DBN") if dataset == "mnist" else ("DpRBM",)
    for layer in range(1, n_layers + 1):
        for model in sparser:
            out.append(_greater(
                f"{name}: {model} sparser than Dsigm in layer {layer} (HSPM)",
                f"{paper[model]['hspm'][layer]:.2f} vs "
                f"{paper['Dsigm']['hspm'][layer]:.2f}",
                hspm(model, layer), hspm("Dsigm", layer), (model, "Dsigm")))
    error = {m: _pct(_quantity(runs, m, dataset=dataset, model=m,
                               metric="test_error"))
             for m in ("DBN", "Dsigm")}
    out.append(_less(
        f"{name}: DBN has a lower test error than Dsigm",
        f"{100 * paper['DBN']['test_error']:.2f} % vs "
        f"{100 * paper['Dsigm']['test_error']:.2f} %",
        error["DBN"], error["Dsigm"], ("DBN", "Dsigm"), digits=2))
    if out[-1] is not None:  # errors in percent
        out[-1]["ours"] = " % vs ".join(out[-1]["ours"].split(" vs ")) + " %"
    layers = list(range(1, n_layers + 1))
    mean_hspm = {m: _mean_over(runs, m, "layer", layers, dataset=dataset,
                               model=m, metric="hspm")
                 for m in ("DBN", "DpRBM", "Dsigm")}
    data_hspm = _quantity(runs, "data", dataset=dataset, model="data",
                          metric="hspm", layer=0)
    table_mean = {m: float(np.mean(paper[m]["hspm"][1:])) for m in mean_hspm}
    if dataset == "mnist":
        out.append(_about(
            "Table 1: the DpRBM's HSPM averaged over its three layers is about "
            f"0.68 (within {ABOUT})",
            f"0.68 in the text; {table_mean['DpRBM']:.2f} from Table 1",
            mean_hspm["DpRBM"], 0.68, ("DpRBM",)))
        gap = Quantity(np.abs(mean_hspm["DBN"].values
                              - mean_hspm["DpRBM"].values), "gap")
        out.append(_below(
            "Table 1: the DBN is about as sparse as the DpRBM (their mean HSPM "
            f"over layers differ by less than {ABOUT})",
            f"similar; {table_mean['DBN']:.2f} vs {table_mean['DpRBM']:.2f}",
            gap, ABOUT, ("DBN", "DpRBM")))
        out.append(_below(
            "Table 1: the Dsigm's HSPM averaged over its layers is below 0.14",
            f"below 0.14; {table_mean['Dsigm']:.2f} from Table 1",
            mean_hspm["Dsigm"], 0.14, ("Dsigm",)))
        out += _figure2_claims(runs, aggregate)
    else:
        gap = Quantity(np.abs(mean_hspm["DBN"].values
                              - mean_hspm["Dsigm"].values), "gap")
        out.append(_below(
            "Table 2: after fine-tuning the DBN is about as sparse as the Dsigm "
            f"(their mean HSPM over layers differ by less than {ABOUT})",
            f"close to Dsigm; {table_mean['DBN']:.2f} vs "
            f"{table_mean['Dsigm']:.2f}",
            gap, ABOUT, ("DBN", "Dsigm")))
        for layer in layers:
            out.append(_greater(
                f"{name}: DpRBM sparser than the data in layer {layer} (HSPM)",
                f"{paper['DpRBM']['hspm'][layer]:.2f} vs "
                f"{paper['data']['hspm'][0]:.2f}",
                hspm("DpRBM", layer), data_hspm, ("DpRBM",)))
        out.append(_less(
            f"{name}: the DpRBM's layer 3 is less sparse than its layer 2",
            f"{paper['DpRBM']['hspm'][3]:.2f} vs {paper['DpRBM']['hspm'][2]:.2f}",
            hspm("DpRBM", 3), hspm("DpRBM", 2), ("DpRBM",)))
    return out


def _pct(q):
    return Quantity(100 * q.values, q.label)


def _figure2_claims(runs, aggregate):
    """Figure 2 (MNIST): the average AOD over k = 2..10 of each layer."""
    ks = sorted({int(r["k"]) for r in _select(runs, dataset="mnist",
                                              metric="aod")})
    if not ks:
        return []

    def aod(model, layer):
        return _mean_over(runs, f"{model} layer {layer}", "k", ks,
                          dataset="mnist", model=model, metric="aod",
                          layer=layer, aggregate=aggregate)

    label = f"mean over k = {ks[0]}..{ks[-1]}, aggregate={aggregate}"
    out = [
        _above(f"Figure 2: the DpRBM's average AOD is high in layer 1 "
               f"(above {HIGH}; {label})", "high", aod("DpRBM", 1), HIGH,
               ("DpRBM",)),
        _greater("Figure 2: the DpRBM's average AOD falls from layer 1 to 2 "
                 f"({label})", "gets closer to 0 as layers increase",
                 aod("DpRBM", 1), aod("DpRBM", 2), ("DpRBM",)),
        _greater("Figure 2: the DpRBM's average AOD falls from layer 2 to 3 "
                 f"({label})", "gets closer to 0 as layers increase",
                 aod("DpRBM", 2), aod("DpRBM", 3), ("DpRBM",)),
        _below(f"Figure 2: the DpRBM's average AOD is close to 0 in layer 3 "
               f"(below {CLOSE_TO_0}; {label})", "close to 0",
               aod("DpRBM", 3), CLOSE_TO_0, ("DpRBM",)),
        _less(f"Figure 2: the DpRBM's layer 3 overlaps less than the data "
              f"({label})", "closer to 0 than data-self",
              aod("DpRBM", 3), aod("data", 0), ("DpRBM",)),
    ]
    out += [_above(f"Figure 2: the Dsigm's average AOD is close to 1 in layer "
                   f"{layer} (above {CLOSE_TO_1}; {label})", "close to 1",
                   aod("Dsigm", layer), CLOSE_TO_1, ("Dsigm",))
            for layer in (1, 2, 3)]
    return out


def _figure1_claims(runs_a, runs_b, runs_c):
    out = []
    if runs_a:
        for layer in sorted({r["layer"] for r in _select(runs_a,
                                                        metric="hspm_train")}):
            epochs = sorted({r["epoch"] for r in _select(
                runs_a, metric="hspm_train", layer=layer)})
            out.append(_greater(
                f"Figure 1(a): layer {layer} is sparser after the last "
                f"pretraining epoch ({epochs[-1]}) than after the first "
                "(training HSPM)", "more sparse as the epochs increase",
                _quantity(runs_a, "last", metric="hspm_train", layer=layer,
                          epoch=epochs[-1]),
                _quantity(runs_a, "first", metric="hspm_train", layer=layer,
                          epoch=1)))
    if runs_b:
        widths = sorted({r["width"] for r in _select(runs_b, metric="hspm_test")})
        test = {w: _quantity(runs_b, f"width {w}", metric="hspm_test", width=w)
                for w in widths}
        top = max(widths, key=lambda w: test[w].mean)
        epochs = max(r["epoch"] for r in _select(runs_b, metric="hspm_test"))
        out.append(_about(
            f"Figure 1(b): the HSPM of one RBM of {widths[0]}-{widths[-1]} "
            f"units after {epochs} epochs has an upper bound of about 0.68 "
            f"(largest: {top} units; within {ABOUT})", "0.68", test[top], 0.68))
        for small, large in zip(widths, widths[1:]):
            out.append(_greater(
                f"Figure 1(b): {large} units are sparser than {small}",
                "more sparse as the number of hidden units increases",
                test[large], test[small]))
    if runs_c:
        for width, bound in ((500, 0.58), (1000, 0.66)):
            rows = _select(runs_c, metric="hspm_test", width=width)
            if not rows:
                continue
            layers = sorted({r["layer"] for r in rows})
            test = {layer: _quantity(runs_c, f"layer {layer}",
                                     metric="hspm_test", width=width,
                                     layer=layer) for layer in layers}
            top = max(layers, key=lambda layer: test[layer].mean)
            out.append(_about(
                f"Figure 1(c): the upper bound of the HSPM of five layers of "
                f"{width} units is about {bound} (largest: layer {top}; within "
                f"{ABOUT})", f"{bound}", test[top], bound))
            if 2 in test and 3 in test:
                out.append(_less(
                    f"Figure 1(c): in the five layers of {width} units, layer "
                    "3 is less sparse than layer 2", "third lower than second",
                    test[3], test[2]))
    return out


def evaluate_claims(table1=None, table2=None, figure1a=None, figure1b=None,
                    figure1c=None, aggregate="mean_data"):
    """Every claim of the paper that the given per-seed records can check.

    Parameters
    ----------
    table1, table2 : list of dict, default=None
        Per-seed records of the MNIST / Birdsong comparison (the
        ``*_runs.csv`` files of ``reproduce table1`` / ``table2``; Figure 2's
        claims come from the MNIST records).
    figure1a, figure1b, figure1c : list of dict, default=None
        Per-seed records of Figure 1 (``figure1a.csv`` ...).
    aggregate : str, default="mean_data"
        Which reading of eq. (9) the AOD claims use.

    Returns
    -------
    claims : list of dict
        ``claim`` (text), ``paper`` (the paper's value or words), ``ours``
        (mean ± std over seeds; comparisons print the claim's subject
        first), ``margin`` (in seed standard deviations, NaN with one seed),
        ``holds`` (bool, None when n/a), ``verdict`` (``"holds"``,
        ``"fails"`` or ``"n/a: <network> did not learn"``, see
        :func:`near_chance`) and ``models`` (the networks it involves, space-separated).
    """
    out = []
    if table1:
        out += _mark_not_learned(
            _table_claims(table1, "mnist", PAPER_TABLE1, aggregate),
            near_chance(table1, "mnist"))
    if table2:
        out += _mark_not_learned(
            _table_claims(table2, "birdsong", PAPER_TABLE2, aggregate),
            near_chance(table2, "birdsong"))
    out += _figure1_claims(figure1a or [], figure1b or [], figure1c or [])
    return [c for c in out if c is not None]


def claims_rows(claims):
    """``(header, rows)`` of the claims table."""
    header = ["claim", "paper", "ours (mean ± std over seeds)",
              "margin (seed stds)", "verdict"]
    rows = [[c["claim"], c["paper"], c["ours"], _margin_text(c["margin"]),
             c["verdict"]] for c in claims]
    return header, rows


def claims_scale_rows(by_scale):
    """``(header, rows)`` of the claims at several scales, side by side.

    ``by_scale`` maps a label (e.g. ``"5,000 images"``) to the claims of one
    set of results; a row per claim text, in the order the claims first
    appear, with our value and the verdict at each scale ("" where that
    scale's results cannot check the claim).
    """
    labels = list(by_scale)
    order, paper, cells = [], {}, {}
    for label, claims in by_scale.items():
        for c in claims:
            if c["claim"] not in paper:
                order.append(c["claim"])
                paper[c["claim"]] = c["paper"]
            cells[(c["claim"], label)] = (c["ours"], c["verdict"])
    header = ["claim", "paper"]
    for label in labels:
        header += [f"ours, {label}", f"verdict, {label}"]
    rows = []
    for claim in order:
        row = [claim, paper[claim]]
        for label in labels:
            row += list(cells.get((claim, label), ("", "")))
        rows.append(row)
    return header, rows


def claims_summary(claims):
    """``"N of M claims hold, K n/a"`` (K: claims on a network that did not learn)."""
    held = sum(c["holds"] is True for c in claims)
    na = sum(c["holds"] is None for c in claims)
    text = f"{held} of {len(claims)} claims hold"
    if na:
        failed = sorted({v.split(": ", 1)[1] for c in claims
                         if (v := c["verdict"]).startswith("n/a")})
        text += f", {na} n/a ({'; '.join(failed)}: test error near chance)"
    return text


def _margin_text(margin):
    """``+2.4``; beyond 99 seed stds only the sign matters (``>+99``)."""
    if not math.isfinite(margin):
        return "n/a"
    if abs(margin) >= 99.5:
        return ">+99" if margin > 0 else "<-99"
    return f"{margin:+.1f}"


def comparison_sentence(runs, dataset, aggregate="mean_data"):
    """One sentence: do the two claims hold in these comparison records?"""
    layers = sorted({r["layer"] for r in _select(runs, model="DpRBM",
                                                 metric="hspm")})
    sparser = [layer for layer in layers
               if (d := _quantity(runs, "", model="DpRBM", metric="hspm",
                                  layer=layer)).values.size
               and d.mean > _quantity(runs, "", model="Dsigm", metric="hspm",
                                      layer=layer).mean]
    top = layers[-1] if layers else None
    overlap = {m: _quantity(runs, m, model=m, metric="aod", layer=top, k=2,
                            aggregate=aggregate) for m in ("DpRBM", "Dsigm")}
    less = overlap["DpRBM"].mean < overlap["Dsigm"].mean
    sparse_everywhere = len(sparser) == len(layers)
    return (f"On {dataset}, the pretrained network (DpRBM) is sparser than the "
            f"randomly initialised one (Dsigm) in {len(sparser)} of "
            f"{len(layers)} hidden layers, and its top layer's classes overlap "
            f"{'less' if less else 'no less'} (average AOD among 2 classes "
            f"{overlap['DpRBM'].mean:.3f} vs {overlap['Dsigm'].mean:.3f}): the "
            f"paper's sparseness claim {'holds' if sparse_everywhere else 'fails'}"
            f" and its overlap claim {'holds' if less else 'fails'} here."
            + _relu_sentence(runs, layers, top, aggregate))


def _relu_sentence(runs, layers, top, aggregate):
    """The ReLU control (not in the paper), when it was run."""
    relu = [_quantity(runs, "", model="Drelu", metric="hspm", layer=layer)
            for layer in layers]
    if not layers or not all(q.values.size for q in relu):
        return ""
    dprbm = [_quantity(runs, "", model="DpRBM", metric="hspm", layer=layer)
             for layer in layers]
    sparser = sum(r.mean > d.mean for r, d in zip(relu, dprbm))
    aod = _quantity(runs, "", model="Drelu", metric="aod", layer=top, k=2,
                    aggregate=aggregate)
    return (f" The ReLU network without pretraining (Drelu, not in the paper) "
            f"is sparser than the DpRBM in {sparser} of {len(layers)} hidden "
            f"layers (top-layer AOD among 2 classes {aod.mean:.3f}).")
