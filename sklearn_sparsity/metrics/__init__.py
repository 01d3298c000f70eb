"""Sparsity metrics of hidden activations: HSPM, AOD, scorers and reports."""

from ._hoyer import hoyer_sparseness, mean_hoyer_sparseness
from ._overlap import (
    activation_binary_vector,
    activation_overlapping_degree,
    average_activation_overlap,
    class_activation_vectors,
)

__all__ = [
    "activation_binary_vector",
    "activation_overlapping_degree",
    "average_activation_overlap",
    "class_activation_vectors",
    "hoyer_sparseness",
    "mean_hoyer_sparseness",
]
