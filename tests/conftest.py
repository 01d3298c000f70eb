"""Shared test configuration: deterministic Hypothesis profile, data fixtures."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def shared_data_dir():
    """The real data folder named by ``SKLEARN_SPARSITY_DATA``; skip if absent."""
    path = os.environ.get("SKLEARN_SPARSITY_DATA")
    if not path or not Path(path).is_dir():
        pytest.skip("SKLEARN_SPARSITY_DATA is not set to an existing folder")
    # Absolute: examples and commands run in subprocesses with their own
    # working folder, and the README sets a relative path.
    return Path(path).resolve()
