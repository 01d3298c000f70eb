"""scikit-learn compatible stacked RBMs, DBNs and activation-sparsity metrics."""

from ._pretrained_mlp import PretrainedMLPClassifier
from ._stacked_rbm import StackedRBMTransformer

__version__ = "0.1.0.dev0"

__all__ = ["PretrainedMLPClassifier", "StackedRBMTransformer", "__version__"]
