"""scikit-learn compatible stacked RBMs, DBNs and activation-sparsity metrics."""

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
