"""scikit-learn compatible stacked RBMs, DBNs and activation-sparsity metrics."""

from ._pretrained_mlp import PretrainedMLPClassifier
from ._stacked_rbm import StackedRBMTransformer
from ._version import __version__

__all__ = ["PretrainedMLPClassifier", "StackedRBMTransformer", "__version__"]
