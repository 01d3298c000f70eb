"""Sparsity metrics of hidden activations: HSPM, AOD, scorers and reports.

Of a fitted model (ours, scikit-learn's MLPs and ``BernoulliRBM``, a
``Pipeline`` ending in one, or a PyTorch module):

- :func:`sparsity_report`: HSPM and the AOD curve of the data and of every
  hidden layer, the paper's threshold rule (``tau="auto"``) and eq. (9) as
  written (``aggregate="mean_data"``) by default;
- :func:`hspm_scorer`, :func:`neg_aod_scorer` and
  :func:`make_sparsity_scorer`: ``scorer(estimator, X, y)`` callables for
  ``GridSearchCV`` and ``cross_validate``;
- :func:`layer_activations`: every hidden layer's activations;
- :func:`select_activation_threshold`: the paper's threshold ``tau`` of one
  layer.

Of an activation matrix ``H`` (no model: ``tau`` must be given, and eq. (9)
can only be read as ``aggregate="mean_activation"``):

- :func:`hoyer_sparseness`, :func:`mean_hoyer_sparseness`: HSPM (eq. 6);
- :func:`activation_binary_vector`, :func:`class_activation_vectors`,
  :func:`activation_overlapping_degree`, :func:`average_activation_overlap`:
  eqs. (7)-(10).
"""

from ._hoyer import hoyer_sparseness, mean_hoyer_sparseness
from ._overlap import (
    activation_binary_vector,
    activation_overlapping_degree,
    average_activation_overlap,
    class_activation_vectors,
)
from ._report import layer_activations, select_activation_threshold, sparsity_report
from ._scorers import hspm_scorer, make_sparsity_scorer, neg_aod_scorer

__all__ = [
    "activation_binary_vector",
    "activation_overlapping_degree",
    "average_activation_overlap",
    "class_activation_vectors",
    "hoyer_sparseness",
    "hspm_scorer",
    "layer_activations",
    "make_sparsity_scorer",
    "mean_hoyer_sparseness",
    "neg_aod_scorer",
    "select_activation_threshold",
    "sparsity_report",
]
