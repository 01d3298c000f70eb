"""Figure 2 of Li et al. (2013): average AOD among k classes, per layer."""

from ._compare import _warn_failures, run_comparison
from ._records import summarize, to_frame


def overlap_vs_classes(dataset="digits", *, scale="quick", settings=None,
                       data_home=None, n_seeds=1, n_jobs=1, backend=None,
                       cache_dir=None, verbose=0, return_runs=False):
    """Figure 2: average activation overlapping degree among k classes.

    For the data itself and every hidden layer of the DBN, DpRBM, Dsigm and Drelu of
    :func:`compare_pretraining` (the same runs: with a ``cache_dir`` they are
    loaded from the cache), the mean of the AOD (eq. 10) over all subsets of
    ``k`` classes, ``k = 2 .. 10``, on the test set:

    - a class ``c`` is represented by a binary vector ``Z(X_c)`` (eq. 9),
      in each of the three readings (column ``aggregate``): ``"mean_data"``,
      eq. 9 as written, the network's activation at the class-mean sample
      ``z(h_l(mean_{x in X_c} x))``; ``"mean_input"``, the layer applied to
      the class mean of its own input, ``z(f(mean_{x in X_c} h_{l-1}(x) W_l
      + b_l))``; ``"mean_activation"``, the class mean of the layer's
      activations; for the data, all three are its thresholded class mean;
    - the threshold ``tau`` of each layer follows the paper's rule: the
      largest ``tau`` whose thresholded code changes the layer's
      reconstruction ``f(s W_l^T + c_l)`` of the test activations (a
      2,000-row subsample) by less than 0.05 in mean squared error (see
      :func:`~sklearn_sparsity.metrics.select_activation_threshold`);
      ``c_l`` is the RBM's visible bias (none for the Dsigm), and the data
      uses the identity reconstruction.

    A lower AOD means that the classes are coded by more distinct units.

    Parameters
    ----------
    dataset : {"digits", "mnist", "birdsong"}, default="digits"
        Data set (see :func:`compare_pretraining`).
    scale : {"quick", "paper"}, default="quick"
        Epochs and sizes.
    settings : dict or None, default=None
        Overrides of the scale's settings (``"ks"``: the values of ``k``).
    data_home : str or path-like, default=None
        Data folder, passed to the loaders.
    n_seeds : int, default=1
        Independent repetitions.
    n_jobs : int, default=1
        Parallel workers over the independent runs.
    backend : str or None, default=None
        Name of a joblib backend, e.g. ``"loky"`` or ``"dask"``.
    cache_dir : str or None, default=None
        Folder of the joblib cache shared with :func:`compare_pretraining`.
    verbose : int, default=0
        ``1``: print one progress line per finished run. ``2``: also the
        estimators' per-epoch lines, each prefixed with its run's name.
    return_runs : bool, default=False
        Also return the per-seed values.

    Returns
    -------
    summary : pandas.DataFrame
        One row per ``(dataset, model, layer, metric, k)`` with ``mean``,
        ``std`` and ``n_seeds``; ``metric`` is ``"aod"`` (one row per ``k``
        and ``aggregate``) or ``"tau"``. The data is ``model="data", layer=0``.
    runs : pandas.DataFrame
        The per-seed values, if ``return_runs``.

    Examples
    --------
    >>> from sklearn_sparsity.experiments import overlap_vs_classes
    >>> s = overlap_vs_classes(
    ...     "digits", settings={"hidden_layer_sizes": (32, 32),
    ...                         "pretrain_epochs": 2, "finetune_epochs": 5})
    >>> aod = s[(s.metric == "aod") & (s.model == "DpRBM") & (s.layer == 2)
    ...         & (s["aggregate"] == "mean_data")]
    >>> aod.k.tolist()
    [2, 3, 4, 5, 6, 7, 8, 9, 10]
    """
    records, report = run_comparison(
        dataset, scale=scale, settings=settings, data_home=data_home,
        n_seeds=n_seeds, n_jobs=n_jobs, backend=backend, cache_dir=cache_dir,
        verbose=verbose,
    )
    _warn_failures(report)
    records = [r for r in records if r["metric"] in ("aod", "tau")]
    summary = to_frame(summarize(records))
    summary.attrs["failures"] = dict(report.errors)
    if return_runs:
        return summary, to_frame(records)
    return summary
