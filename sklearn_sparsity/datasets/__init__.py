"""Data loaders: MNIST, NIPS4B bird-song MFCC frames, digits scaled to [0, 1]."""

from ._birdsong import load_birdsong
from ._digits import load_digits_unit
from ._mnist import load_mnist

__all__ = [
    "load_birdsong",
    "load_digits_unit",
    "load_mnist",
]
