"""``python -m sklearn_sparsity``: see :mod:`sklearn_sparsity._cli`."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
