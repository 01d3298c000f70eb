"""Array API inputs: their namespace and device, and the backend that trains there.

With ``sklearn.set_config(array_api_dispatch=True)``, inputs that are array
API arrays other than numpy (PyTorch tensors on CPU or CUDA, CuPy arrays,
``array_api_strict`` arrays) are computed on in their own namespace and on
their own device: :func:`namespace_of` says which, and
:class:`ArrayAPIBackend` implements the operations of
:class:`~sklearn_sparsity._backend.NumpyBackend` with that namespace's
functions, so the training loops run unchanged. NumPy inputs (and every
input while dispatch is off) keep the numpy backend: its code, its
``out=`` buffers and numba kernels, and its numbers, bit for bit.

The array API standard has no ``out=`` arguments; an "in place" operation
here computes its result and assigns it into the buffer (``Z[...] = ...``).
For PyTorch, :class:`TorchBackend` does the hot operations with torch's own
in-place and ``out=`` forms instead (fewer passes over memory, no
temporaries), the same arithmetic.

Random numbers. The standard has no random module. For PyTorch the CD
samples and the shuffles are drawn on the input's device by a
``torch.Generator`` there (no host-to-device copy per minibatch); for
CuPy, by ``cupy.random.default_rng`` on the current device; for any other
namespace (e.g. ``array_api_strict``) on the host by numpy and copied. A
seeded run repeats exactly on one device, but the draws, and so the fitted
numbers, differ between devices and from the numpy path.
"""

import math

import numpy as np
import scipy.sparse as sp

#: Float dtypes by name, for dtypes given as numpy dtypes or names.
_FLOAT_NAMES = ("float32", "float64")


def _np_name(dtype):
    """A numpy-understood name of a numpy or namespace dtype."""
    if isinstance(dtype, str) or isinstance(dtype, type) or isinstance(
            dtype, np.dtype):
        return dtype
    return str(dtype).rsplit(".", 1)[-1]  # torch.float32 -> float32


def namespace_of(*arrays):
    """``(xp, device)`` of array API inputs, or ``(None, None)`` for numpy's.

    Non-numpy array API arrays give their (compatibility-wrapped) namespace
    and device when scikit-learn's ``array_api_dispatch`` is on; numpy
    arrays, scipy sparse matrices, lists, ``None`` and everything while
    dispatch is off give ``(None, None)``: the numpy path.
    """
    arrays = [a for a in arrays if a is not None and not sp.issparse(a)
              and not isinstance(a, (np.ndarray, np.generic, list, tuple,
                                     str, int, float))]
    if not arrays:
        return None, None
    from sklearn.utils._array_api import get_namespace_and_device

    xp, is_array_api, device = get_namespace_and_device(*arrays)
    if not is_array_api or _is_numpy(xp):
        return None, None
    return xp, device


def _is_numpy(xp):
    name = getattr(xp, "__name__", "")
    return name in ("numpy", "array_api_compat.numpy",
                    "sklearn.externals.array_api_compat.numpy")


def _is_torch(xp):
    return "torch" in getattr(xp, "__name__", "")


def _is_cupy(xp):
    return "cupy" in getattr(xp, "__name__", "")


def to_numpy(a):
    """A numpy copy of an array API array; anything else is returned as is.

    numpy arrays, sparse matrices, lists, pandas objects and, while dispatch
    is off, any input pass through (scikit-learn's validation converts them).
    """
    if isinstance(a, np.ndarray) or sp.issparse(a):
        return a
    xp, _ = namespace_of(a)
    if xp is None:
        return a
    if hasattr(a, "detach"):  # torch: leave the autograd graph and the device
        return a.detach().cpu().numpy()
    if hasattr(a, "get"):  # cupy
        return a.get()
    from sklearn.utils._array_api import _convert_to_numpy

    return _convert_to_numpy(a, xp)


def _seed_int(seed):
    """A 63-bit int from an int, ``SeedSequence`` or numpy ``Generator``."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1, np.uint64)[0] >> np.uint64(1))
    return int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0]
               >> np.uint64(1))


class HostGenerator:
    """Random draws on the host by numpy, copied to ``device`` in ``xp``.

    For namespaces without a random generator of their own.
    """

    def __init__(self, xp, device, seed):
        self.xp, self.device = xp, device
        # A numpy Generator is continued (the same stream as the numpy path).
        self.numpy = np.random.default_rng(seed)

    def __getstate__(self):
        state = dict(vars(self))
        state["xp"] = self.xp.__name__
        state["device"] = str(self.device)
        return state

    def __setstate__(self, state):
        import importlib

        vars(self).update(state)
        self.xp = importlib.import_module(state["xp"])
        self.device = _strict_device(self.xp, state["device"])

    def _put(self, a, dtype):
        return self.xp.asarray(a, dtype=dtype, device=self.device)

    def random(self, shape, dtype):
        return self._put(self.numpy.random(shape, dtype=np.float32), dtype)

    def standard_normal(self, shape, dtype):
        return self._put(self.numpy.standard_normal(shape, dtype=np.float32),
                         dtype)

    def normal(self, loc, scale, shape, dtype):
        return self._put(self.numpy.normal(loc, scale, size=shape), dtype)

    def permutation(self, n):
        return self._put(self.numpy.permutation(n), self.xp.int64)


class TorchGenerator:
    """Random draws by a ``torch.Generator`` on the tensors' device.

    Pickles (torch generators themselves do not): its state travels as the
    generator's state tensor and device name.
    """

    def __init__(self, xp, device, seed):
        import torch

        self.xp, self.device = xp, torch.device(device)
        self.torch = torch.Generator(device=self.device)
        self.torch.manual_seed(_seed_int(seed))

    def random(self, shape, dtype):
        import torch

        return torch.rand(shape, generator=self.torch, device=self.device,
                          dtype=torch.float32).to(dtype)

    def standard_normal(self, shape, dtype):
        import torch

        return torch.randn(shape, generator=self.torch, device=self.device,
                           dtype=torch.float32).to(dtype)

    def normal(self, loc, scale, shape, dtype):
        import torch

        out = torch.randn(shape, generator=self.torch, device=self.device,
                          dtype=torch.float64)
        return (out * scale + loc).to(dtype)

    def permutation(self, n):
        import torch

        return torch.randperm(n, generator=self.torch, device=self.device)

    def __getstate__(self):
        return {"xp": self.xp.__name__, "device": str(self.device),
                "state": self.torch.get_state()}

    def __setstate__(self, state):
        import importlib

        import torch

        self.xp = importlib.import_module(state["xp"])
        self.device = torch.device(state["device"])
        self.torch = torch.Generator(device=self.device)
        self.torch.set_state(state["state"])


class CupyGenerator(HostGenerator):
    """Random draws by ``cupy.random.default_rng`` on the current device."""

    def __init__(self, xp, device, seed):
        import cupy

        self.xp, self.device = xp, device
        self.numpy = cupy.random.default_rng(_seed_int(seed))

    def random(self, shape, dtype):
        return self.xp.astype(self.numpy.random(shape, dtype=self.xp.float32),
                              dtype)

    def standard_normal(self, shape, dtype):
        return self.xp.astype(
            self.numpy.standard_normal(shape, dtype=self.xp.float32), dtype)

    def normal(self, loc, scale, shape, dtype):
        return self.xp.astype(self.numpy.normal(loc, scale, size=shape), dtype)

    def permutation(self, n):
        return self.numpy.permutation(n)


class ArrayAPIBackend:
    """The operations of ``NumpyBackend`` in an array API namespace.

    Parameters
    ----------
    xp : module
        The (compatibility-wrapped) namespace of the inputs.
    device : object
        Their device; every array this backend creates lives there.
    """

    def __init__(self, xp, device):
        self.xp = xp
        self.device = device
        self.name = f"array_api:{getattr(xp, '__name__', xp)}"

    def __eq__(self, other):
        return (type(other) is type(self) and other.xp is self.xp
                and str(other.device) == str(self.device))

    def __hash__(self):
        return hash((type(self), id(self.xp), str(self.device)))

    def __reduce__(self):
        # Namespaces are modules (not picklable): rebuild from their names.
        return (_rebuild_backend, (type(self).__name__, self.xp.__name__,
                                   str(self.device)))

    # ------------------------------------------------------------ creation
    def dtype(self, dtype):
        """The namespace's float dtype for a numpy dtype, a name or itself."""
        xp = self.xp
        if not isinstance(dtype, str | type | np.dtype):
            dtype = _np_name(dtype)  # a namespace's dtype
        name = np.dtype(dtype).name
        if name not in _FLOAT_NAMES:
            raise TypeError(f"array API training needs float32 or float64, "
                            f"not {name}")
        return getattr(xp, name)

    def numpy_dtype(self, dtype):
        """The numpy dtype of the same name."""
        return np.dtype(_np_name(dtype))

    def rng(self, seed):
        """A random generator on this backend's device (see the module notes)."""
        if _is_torch(self.xp):
            return TorchGenerator(self.xp, self.device, seed)
        if _is_cupy(self.xp):
            return CupyGenerator(self.xp, self.device, seed)
        return HostGenerator(self.xp, self.device, seed)

    def empty(self, shape, dtype):
        return self.xp.empty(shape, dtype=self.dtype(dtype), device=self.device)

    def zeros(self, shape, dtype):
        return self.xp.zeros(shape, dtype=self.dtype(dtype), device=self.device)

    def arange(self, n):
        return self.xp.arange(n, device=self.device)

    def asarray(self, a, dtype=None, copy=False):
        """``a`` (numpy, list or array) as an array here (a copy: ``copy``)."""
        if dtype is None and isinstance(a, np.ndarray) and a.dtype.kind == "f":
            dtype = a.dtype
        if dtype is not None:  # the namespace's dtype of the same name
            dtype = getattr(self.xp, self.numpy_dtype(dtype).name)
        if isinstance(a, np.ndarray) and not a.flags.writeable:
            copy = True  # a tensor sharing read-only memory is undefined
        return self.xp.asarray(a, dtype=dtype, device=self.device,
                               copy=True if copy else None)

    def normal(self, generator, loc, scale, shape, dtype):
        return generator.normal(loc, scale, shape, self.dtype(dtype))

    def copy(self, a):
        return self.xp.asarray(a, copy=True)

    def astype(self, a, dtype, copy=False):
        return self.xp.astype(a, self.dtype(dtype), copy=copy)

    def float_dtypes(self):
        return (self.xp.float32, self.xp.float64)

    def to_numpy(self, a):
        return to_numpy(a)

    def densify(self, a):
        return a

    # ------------------------------------------------------- non-linearity
    def sigmoid_affine_(self, Z, bias=None, scale=1.0):
        xp = self.xp
        T = Z if bias is None else Z + bias
        Z[...] = scale / (1.0 + xp.exp(-T))
        return Z

    def affine_(self, Z, bias=None, scale=1.0):
        if bias is not None:
            Z += bias
        if scale != 1.0:
            Z *= scale
        return Z

    def relu_affine_(self, Z, bias=None):
        if bias is not None:
            Z += bias
        Z *= self.xp.astype(Z > 0, Z.dtype)
        return Z

    def mul_relu_grad_(self, delta, A, scratch=None):
        delta *= self.xp.astype(A > 0, delta.dtype)

    def softmax_(self, Z):
        xp = self.xp
        Z -= xp.max(Z, axis=1, keepdims=True)
        Z[...] = xp.exp(Z)
        Z /= xp.sum(Z, axis=1, keepdims=True)
        return Z

    def mul_sigmoid_grad_(self, delta, A, scratch=None):
        delta *= (1.0 - A) * A

    # ------------------------------------------------------------ sampling
    def sample_bernoulli_(self, p, u, out, generator):
        u[...] = generator.random(u.shape, u.dtype)
        out[...] = self.xp.astype(u < p, out.dtype)
        return out

    def sample_gaussian_(self, mean, noise, out, generator):
        noise[...] = generator.standard_normal(noise.shape, noise.dtype)
        out[...] = mean + self.xp.astype(noise, out.dtype)
        return out

    def shuffle_(self, order, generator):
        order[...] = self.xp.take(order, generator.permutation(order.shape[0]))

    # ---------------------------------------------------------- linear algebra
    def matmul(self, A, B, out=None):
        if out is None:
            return A @ B
        out[...] = A @ B
        return out

    def take_rows(self, X, rows, out, *, start=0, contiguous=False):
        n = out.shape[0]
        out[...] = (X[start:start + n, :] if contiguous
                    else self.xp.take(X, rows, axis=0))
        return out

    def gather_rows(self, X, rows, out):
        out[...] = self.xp.take(X, rows, axis=0)
        return out

    def take(self, a, rows):
        """Entries ``rows`` of a 1-D array."""
        return self.xp.take(a, rows)

    # ------------------------------------------------------------ element-wise
    def copy_(self, dst, src):
        dst[...] = src

    def multiply(self, a, b, out):
        out[...] = a * b
        return out

    def subtract(self, a, b, out):
        out[...] = a - b
        return out

    def sum_rows(self, a, out):
        """Column sums of ``a`` (over its rows) into ``out``."""
        out[...] = self.xp.sum(a, axis=0)
        return out

    def row_scale(self, weights, scale, dtype):
        """``scale * weights / sum(weights)`` as a column of ``dtype``."""
        col = self.xp.astype(scale / self.xp.sum(weights) * weights,
                             self.dtype(dtype))
        return col[:, None]

    # ----------------------------------------------------------- reductions
    def min_max(self, a):
        return float(self.xp.min(a)), float(self.xp.max(a))

    # The reductions of the training loops return 0-d arrays, not floats:
    # a float would wait for the device after every minibatch; the loops
    # convert once per epoch.
    def total(self, a):
        return self.xp.sum(a)

    def mean(self, a):
        return float(self.xp.mean(a))

    def row_sums(self, a):
        return self.xp.sum(a, axis=1)

    def sum_squares(self, a):
        return self.xp.sum(a * a)

    def row_sum_squares(self, a):
        return self.xp.sum(a * a, axis=1)

    def row_dot(self, a, b):
        return self.xp.sum(a * b, axis=1)

    def dot(self, a, b):
        """``a . b`` of two vectors (a 0-d array)."""
        return self.xp.sum(a * b)

    @staticmethod
    def maybe_finite(value):
        """True: checking a device value would wait for the device (the
        epoch driver checks divergence once per epoch)."""
        return True

    def logaddexp0(self, a):
        """``log(1 + exp(a))``, element-wise, without overflow."""
        return self.xp.logaddexp(self.xp.zeros_like(a), a)

    def count_true(self, mask):
        return int(self.xp.sum(self.xp.astype(mask, self.xp.int64)))

    def all_finite(self, *arrays):
        return all(bool(self.xp.all(self.xp.isfinite(a))) for a in arrays)

    def max_abs(self, a):
        if math.prod(a.shape) == 0:
            return 0.0
        return float(self.xp.max(self.xp.abs(a)))

    def neg_log_clip(self, p, low):
        return -self.xp.log(self.xp.clip(p, low, 1.0))

    def one_hot(self, y_index, n_outputs, dtype):
        xp = self.xp
        classes = xp.arange(n_outputs, device=self.device)
        return xp.astype(y_index[:, None] == classes[None, :], self.dtype(dtype))

    def argmax_rows(self, a):
        return to_numpy(self.xp.argmax(a, axis=1))

    def hit_rate(self, probs, y_index, weights=None):
        xp = self.xp
        hits = xp.astype(xp.argmax(probs, axis=1) == y_index, probs.dtype)
        if weights is None:
            return float(xp.mean(hits))
        return float(xp.sum(xp.astype(hits, weights.dtype) * weights)
                     / xp.sum(weights))

    def hoyer_rows(self, H):
        """HSPM of every row of ``H`` (see ``_sparseness.hoyer_along``)."""
        from ._sparseness import hoyer_along

        return hoyer_along(H, xp=self.xp)

    # ------------------------------------------------------------ optimiser
    def momentum_update_(self, param, velocity, ascent, momentum, decay):
        velocity *= momentum
        velocity += ascent
        if decay:
            velocity -= decay * param
        param += velocity

    def momentum_updates_(self, params, velocities, ascents, momentum, decays):
        for param, velocity, ascent, decay in zip(params, velocities, ascents,
                                                  decays):
            self.momentum_update_(param, velocity, ascent, momentum, decay)


class TorchBackend(ArrayAPIBackend):
    """:class:`ArrayAPIBackend` with torch's in-place forms in the hot loop.

    The same arithmetic as the generic operations; each one is a single
    pass (``sigmoid_``, ``addmm``/``matmul`` with ``out=``, ``index_select``
    with ``out=``) instead of a temporary per step.
    """

    def sigmoid_affine_(self, Z, bias=None, scale=1.0):
        if bias is not None:
            Z.add_(bias)
        Z.sigmoid_()
        if scale != 1.0:
            Z.mul_(scale)
        return Z

    def relu_affine_(self, Z, bias=None):
        if bias is not None:
            Z.add_(bias)
        return Z.clamp_(min=0)

    def mul_relu_grad_(self, delta, A, scratch=None):
        delta.masked_fill_(A <= 0, 0)

    def softmax_(self, Z):
        import torch

        return Z.copy_(torch.softmax(Z, dim=1))

    def mul_sigmoid_grad_(self, delta, A, scratch=None):
        delta.mul_(A).mul_(1.0 - A)

    def sample_bernoulli_(self, p, u, out, generator):
        """One kernel: ``torch.bernoulli`` (``u`` is not needed)."""
        import torch

        return torch.bernoulli(p, generator=generator.torch, out=out)

    def matmul(self, A, B, out=None):
        import torch

        if out is None:
            return A @ B
        if A.ndim == 1:  # a row vector times a matrix
            return torch.mv(B.T, A, out=out)
        return torch.matmul(A, B, out=out)

    def take_rows(self, X, rows, out, *, start=0, contiguous=False):
        import torch

        if contiguous:
            return out.copy_(X[start:start + out.shape[0], :])
        return torch.index_select(X, 0, rows, out=out)

    def gather_rows(self, X, rows, out):
        import torch

        return torch.index_select(X, 0, rows, out=out)

    def multiply(self, a, b, out):
        import torch

        return torch.mul(a, b, out=out)

    def subtract(self, a, b, out):
        import torch

        return torch.sub(a, b, out=out)

    def sum_rows(self, a, out):
        import torch

        return torch.sum(a, dim=0, out=out)

    def momentum_update_(self, param, velocity, ascent, momentum, decay):
        velocity.mul_(momentum).add_(ascent)
        if decay:
            velocity.sub_(param, alpha=decay)
        param.add_(velocity)

    def momentum_updates_(self, params, velocities, ascents, momentum, decays):
        """All parameters at once: torch's multi-tensor (``_foreach``) forms,
        a few kernels for the whole list instead of four per parameter."""
        import torch

        torch._foreach_mul_(velocities, momentum)
        torch._foreach_add_(velocities, ascents)
        for decay in sorted(set(decays) - {0.0}):
            pairs = [(v, p) for v, p, d in zip(velocities, params, decays)
                     if d == decay]
            torch._foreach_sub_([v for v, _ in pairs], [p for _, p in pairs],
                                alpha=decay)
        torch._foreach_add_(params, velocities)

    def sum_squares(self, a):
        flat = a.reshape(-1)
        return flat @ flat


def _rebuild_backend(kind, xp_name, device):
    import importlib

    xp = importlib.import_module(xp_name)
    if _is_torch(xp):
        import torch

        device = torch.device(device)
    elif _is_cupy(xp):
        device = None
    else:
        device = _strict_device(xp, device)
    return {"ArrayAPIBackend": ArrayAPIBackend,
            "TorchBackend": TorchBackend}[kind](xp, device)


def _strict_device(xp, name):
    """The device of namespace ``xp`` whose string is ``name`` (default: first)."""
    info = getattr(xp, "__array_namespace_info__", None)
    if info is None:
        return None
    devices = info().devices()
    for device in devices:
        if str(device) == name:
            return device
    return info().default_device()


def backend_for(xp, device):
    """The backend for arrays of namespace ``xp`` on ``device``."""
    if _is_torch(xp):
        return TorchBackend(xp, device)
    return ArrayAPIBackend(xp, device)
