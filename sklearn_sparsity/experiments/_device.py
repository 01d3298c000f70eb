"""Where the experiments train: NumPy on the CPU, or an array API device.

An experiment's ``device`` is ``"numpy"`` (the default: NumPy arrays, the
package's numpy path) or the name of a PyTorch device (``"cpu"``, ``"cuda"``,
``"cuda:1"``, ``"mps"``, ...), or ``"array_api_strict"`` (the standard's
reference namespace, for tests). On a device, the training and test data are
copied there once per run, both estimators train there through the array API
path (``array_api_dispatch``), and the networks' forward passes on the test
set run there; the activations, predictions and layer weights are then
copied to the host and measured by the same numpy code as on the CPU, so that
every experiment has one metrics path whatever the device.

The device is an argument of every experiment task, so it is part of every
cache key and of every unit record: a result computed on one device is
never served for another.
"""

import os
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np

#: The default: NumPy arrays on the CPU.
NUMPY = "numpy"
#: The array API standard's reference namespace (for tests).
STRICT = "array_api_strict"


@dataclass(frozen=True)
class Device:
    """Puts arrays on an experiment's device and brings results back.

    Parameters
    ----------
    name : str
        ``"numpy"``, ``"array_api_strict"`` or a PyTorch device name.
    """

    name: str = NUMPY

    @property
    def is_numpy(self):
        """True for the numpy path (no array API dispatch)."""
        return self.name == NUMPY

    def context(self):
        """The scikit-learn configuration under which the estimators run here."""
        if self.is_numpy:
            return nullcontext()
        import sklearn

        return sklearn.config_context(array_api_dispatch=True)

    def put(self, array):
        """``array`` (numpy) on this device (float arrays keep their dtype)."""
        if self.is_numpy or array is None:
            return array
        if self.name == STRICT:
            import array_api_strict

            return array_api_strict.asarray(array)
        import torch

        return torch.asarray(np.ascontiguousarray(array), device=self.name)

    def host(self, array):
        """A numpy copy of a device array (numpy arrays pass through)."""
        if array is None or self.is_numpy:
            return array
        from .._array_api import to_numpy

        with self.context():  # to_numpy sees a namespace under dispatch only
            return to_numpy(array)


def check_device(device):
    """The :class:`Device` named ``device``, checked to be usable here.

    Parameters
    ----------
    device : str, Device or None
        None or ``"numpy"``: the numpy path. Otherwise a PyTorch device name
        (needs PyTorch, and the device must exist) or ``"array_api_strict"``
        (needs the array-api-strict package).

    Returns
    -------
    device : Device

    Raises
    ------
    ValueError
        If the device cannot be used here, with what to do instead.

    Examples
    --------
    >>> from sklearn_sparsity.experiments._device import check_device
    >>> check_device(None)
    Device(name='numpy')
    """
    if isinstance(device, Device):
        device = device.name
    if device is None or device == NUMPY:
        return Device(NUMPY)
    if not isinstance(device, str) or not device:
        raise ValueError(f"device must be 'numpy' or a PyTorch device name such "
                         f"as 'cpu' or 'cuda', got {device!r}.")
    if device == STRICT:
        try:
            import array_api_strict  # noqa: F401
        except ImportError as exc:
            raise ValueError("device='array_api_strict' needs the "
                             "array-api-strict package (pip install "
                             "array-api-strict).") from exc
    else:
        try:
            import torch
        except ImportError as exc:
            raise ValueError(
                f"device={device!r} trains on a PyTorch device, but PyTorch is "
                "not installed: pip install 'sklearn-sparsity[torch]', or use "
                "the default device 'numpy'.") from exc
        try:
            found = torch.device(device)
        except (RuntimeError, ValueError) as exc:
            raise ValueError(f"{device!r} is not a PyTorch device name "
                             f"({exc}); e.g. 'cpu', 'cuda', 'cuda:1'.") from exc
        if found.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device={device!r}: PyTorch sees no CUDA GPU here; "
                             "use 'cpu' (PyTorch) or 'numpy'.")
        if found.type == "cuda" and found.index is not None \
                and found.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r}: there are only "
                             f"{torch.cuda.device_count()} CUDA device(s).")
        if found.type == "mps" and not torch.backends.mps.is_available():
            raise ValueError(f"device={device!r}: MPS is not available here.")
    # scikit-learn's array API dispatch requires SCIPY_ARRAY_API=1; worker
    # processes started from here inherit it (the estimators need no SciPy
    # function on device arrays).
    os.environ.setdefault("SCIPY_ARRAY_API", "1")
    return Device(device)


def host_layers(layers):
    """The metrics' layer records with their weights copied to the host.

    ``layers`` are the layer adapter's records (``coef``, ``intercept``,
    ``visible_intercept``, ``activation``, ``units``) of a network fitted on
    any device, read under that device's ``context()`` (array API dispatch
    on); the copies are numpy arrays and numpy units, for the numpy metrics
    code.
    """
    from .._array_api import to_numpy
    from .._backend import NUMPY as NUMPY_BACKEND

    out = []
    for layer in layers:
        units = layer.units
        if hasattr(units, "on"):
            units = units.on(NUMPY_BACKEND)
        out.append(layer._replace(
            coef=to_numpy(layer.coef), intercept=to_numpy(layer.intercept),
            visible_intercept=to_numpy(layer.visible_intercept), units=units))
    return out


def device_name(device):
    """The name of ``device`` (None: ``"numpy"``), without checking it.

    Task lists carry the name; each task checks the device where it runs.
    """
    if isinstance(device, Device):
        return device.name
    return NUMPY if device is None else device
