"""The wheel ships the package and its metadata only.

Usage: ``python .ci/check_wheel.py dist/sklearn_sparsity-*.whl`` (run by
.ci/run's packaging step). Fails on tests, docs, examples, benchmarks,
result files or caches in the wheel, and prints its file list.
"""

import re
import sys
import zipfile

names = zipfile.ZipFile(sys.argv[1]).namelist()
allowed = re.compile(
    r"^(sklearn_sparsity/.*\.py|sklearn_sparsity-[^/]+\.dist-info/.+)$"
)
forbidden = re.compile(
    r"(^|/)(tests?|docs|examples|benchmarks|__pycache__|\.pytest_cache|"
    r"\.hypothesis|sklearn_sparsity_results_[^/]*|results)/|\.(pyc|png|csv|pkl|npz)$"
)
bad = [n for n in names if not allowed.match(n) or forbidden.search(n)]
print(f"{sys.argv[1]}: {len(names)} files")
for name in names:
    print("  " + name)
if bad:
    sys.exit("not part of the package: " + ", ".join(bad))
