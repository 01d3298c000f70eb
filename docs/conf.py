"""Sphinx configuration of the sklearn-sparsity documentation.

Build with ``make -C docs html`` (warnings are errors). The gallery is made
from ``examples/``; only the examples that run on data shipped with
scikit-learn and need no optional dependency are executed (see
``sphinx_gallery_conf["filename_pattern"]``).
"""

import os
import sys
from pathlib import Path

import sklearn_sparsity

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "sphinxext"))

# -- Project -----------------------------------------------------------------
project = "sklearn-sparsity"
author = "sklearn-sparsity developers"
copyright = "2024-2025, sklearn-sparsity developers"
release = sklearn_sparsity.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
default_role = "literal"
# No intersphinx: the build must work offline. References to scikit-learn or
# numpy objects are rendered as plain code without a link.

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": False, "inherited-members": False}
autodoc_typehints = "none"
# The class template lists the methods itself; numpydoc must not add a second
# autosummary table of members (stub pages for every inherited method).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-sparsity {release}"
html_static_path = ["_static"]
# Where the docs are published (Read the Docs, .readthedocs.yaml): canonical
# links; the estimators' HTML repr links to generated/ pages under it
# (sklearn_sparsity._base.DOC_LINK_TEMPLATE).
html_baseurl = "https://sklearn-sparsity.readthedocs.io/en/latest/"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_sidebars = {"index": [], "install": [], "quickstart": [], "changelog": []}
html_show_sourcelink = True


# -- sphinx-gallery ----------------------------------------------------------
# The executed examples run on bundled data; an example that can also use the
# shared data folder (plot_hspm_architecture.py) does so only when
# SKLEARN_SPARSITY_DATA is set, so it is unset here: the pages do not depend
# on the machine that builds them.
os.environ.pop("SKLEARN_SPARSITY_DATA", None)

sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    # Executed during the build: plot_*.py on bundled data. Not executed (but
    # shown, with their code): plot_dask_* (starts a local cluster),
    # plot_real_* (needs the real data sets named by SKLEARN_SPARSITY_DATA)
    # and plot_torch_* (needs PyTorch, an optional dependency the build does
    # not require, so the pages are the same with or without it).
    # tests/test_examples.py runs the same selection as scripts, and the
    # others where they can run.
    "filename_pattern": r"[\\/]plot_(?!dask_|real_|torch_)[^\\/]*\.py$",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "reset_modules": ("matplotlib", "gallery_utils.reset_blas_threads"),
    "doc_module": ("sklearn_sparsity",),
    "backreferences_dir": "generated/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "matplotlib_animations": False,
    "show_memory": False,
    "min_reported_time": 1,
}

# Plots without a display.
os.environ.setdefault("MPLBACKEND", "Agg")
