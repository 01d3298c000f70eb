"""Experiments reproducing the tables and figures of Li et al. (2013)."""

from ._compare import compare_pretraining
from ._figure1 import sparsity_vs_depth, sparsity_vs_epochs, sparsity_vs_width
from ._figure2 import overlap_vs_classes
from ._runner import RunReport, Task, dask_client, run_tasks
from ._select import select_learning_rates
from ._settings import get_settings

__all__ = [
    "RunReport",
    "Task",
    "compare_pretraining",
    "dask_client",
    "get_settings",
    "overlap_vs_classes",
    "run_tasks",
    "select_learning_rates",
    "sparsity_vs_depth",
    "sparsity_vs_epochs",
    "sparsity_vs_width",
]
