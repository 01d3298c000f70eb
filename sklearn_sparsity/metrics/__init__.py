"""Sparsity metrics of hidden activations: HSPM, AOD, scorers and reports."""

from ._hoyer import hoyer_sparseness, mean_hoyer_sparseness

__all__ = [
    "hoyer_sparseness",
    "mean_hoyer_sparseness",
]
