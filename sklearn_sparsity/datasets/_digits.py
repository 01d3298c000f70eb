"""scikit-learn's embedded 8 x 8 digits with pixels scaled to [0, 1]."""

from numbers import Integral, Real

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, validate_params

_DESCR_HEAD = """\
.. _digits_unit_dataset:

Optical recognition of handwritten digits, scaled to [0, 1]
-----------------------------------------------------------

scikit-learn's embedded ``load_digits`` data (1,797 images of 8 x 8 pixels,
10 classes) with every pixel divided by 16, its maximum, and stored as float32
in [0, 1], the input range of a Bernoulli RBM. It ships with scikit-learn and
needs no download: this package's quick demo uses it.
"""


@validate_params(
    {
        "test_size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
        "random_state": ["random_state"],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_digits_unit(*, test_size=None, random_state=0, return_X_y=False):
    """Load scikit-learn's 8 x 8 digits with pixels as float32 in [0, 1].

    The 1,797 images of :func:`sklearn.datasets.load_digits`, each pixel (an
    integer count from 0 to 16) divided by 16. The data set ships with
    scikit-learn: no file or network is needed, which makes it the default
    data of the package's quick demo.

    Parameters
    ----------
    test_size : float or int, default=None
        If None, the whole data set is returned as ``data``/``target``. If
        given, a stratified split is made with
        :func:`sklearn.model_selection.train_test_split`: a float in (0, 1) is
        the fraction of images for testing, an int their number; the Bunch then
        also holds ``data_test`` and ``target_test``.

    random_state : int, RandomState instance or None, default=0
        Shuffles the images before the split; ignored when ``test_size`` is
        None. Pass an int for a reproducible split.

    return_X_y : bool, default=False
        If True, return ``(X, y)`` instead of a Bunch, or ``(X_train, y_train,
        X_test, y_test)`` when ``test_size`` is given, as :func:`load_mnist`
        and :func:`load_birdsong` do.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (n_samples, 64), dtype float32
            Flattened images, pixels in [0, 1]. All 1,797 images, or the
            training part of the split when ``test_size`` is given.
        target : ndarray of shape (n_samples,), dtype int64
            Labels, 0-9.
        images : ndarray of shape (n_samples, 8, 8), dtype float32
            The images of ``data`` as 2-D arrays (a view of ``data``).
        data_test : ndarray of shape (n_test, 64), dtype float32
            Test images, only when ``test_size`` is given.
        target_test : ndarray of shape (n_test,), dtype int64
            Test labels, only when ``test_size`` is given.
        feature_names : list of str
            ``"pixel_<row>_<col>"`` for the 64 columns.
        target_names : ndarray of shape (10,)
            The digits 0-9.
        DESCR : str
            Description of the data set.

    (X, y) or (X_train, y_train, X_test, y_test) : tuple of ndarray
        If ``return_X_y`` is True.

    See Also
    --------
    sklearn.datasets.load_digits : The original data, integer pixels 0-16.
    load_mnist : The paper's 28 x 28 MNIST digits.

    Examples
    --------
    >>> from sklearn_sparsity.datasets import load_digits_unit
    >>> digits = load_digits_unit()
    >>> digits.data.shape, digits.data.dtype
    ((1797, 64), dtype('float32'))
    >>> float(digits.data.min()), float(digits.data.max())
    (0.0, 1.0)
    >>> X, y, X_test, y_test = load_digits_unit(test_size=0.25, return_X_y=True)
    >>> X.shape, X_test.shape
    ((1347, 64), (450, 64))
    """
    digits = load_digits()
    X = digits.data.astype(np.float32)
    X /= np.float32(16)
    y = digits.target.astype(np.int64)
    feature_names = list(digits.feature_names)
    target_names = np.asarray(digits.target_names)

    if test_size is None:
        if return_X_y:
            return X, y
        return Bunch(
            data=X,
            target=y,
            images=X.reshape(-1, 8, 8),
            feature_names=feature_names,
            target_names=target_names,
            DESCR=_DESCR_HEAD,
        )

    X, X_test, y, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    if return_X_y:
        return X, y, X_test, y_test
    descr = _DESCR_HEAD + (
        f"\nStratified split: {X.shape[0]} "
        f"training and {X_test.shape[0]} test images.\n"
    )
    return Bunch(
        data=X,
        target=y,
        images=X.reshape(-1, 8, 8),
        data_test=X_test,
        target_test=y_test,
        feature_names=feature_names,
        target_names=target_names,
        DESCR=descr,
    )
