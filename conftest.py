"""Loaded before anything imports scipy: lets the tests turn on array API dispatch.

scikit-learn's ``array_api_dispatch=True`` needs SciPy's array API support,
which SciPy reads from ``SCIPY_ARRAY_API=1`` when it is first imported. The
numpy code paths do not change with it.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
