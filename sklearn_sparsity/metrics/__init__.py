"""Sparsity metrics of hidden activations: HSPM, AOD, scorers and reports."""

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
