"""Run dsk-compiled models from Python: a ctypes binding of the C runtime.

    import dsk
    with dsk.load("model.so") as model:
        print(model.inputs)            # [('x', dtype('float32'), (1, 3)), ...]
        (y,) = model(x)                # NumPy arrays in, NumPy arrays out
        print(model.profile([x]).table)  # time per op, most first

The runtime library (libdsk_runtime.so, CMake target DskRuntime) is found
through the environment variable DSK_RUNTIME_LIBRARY, then in the build folder
of the source tree this file belongs to (build/lib), then by the system
loader. It is loaded on the first `load()`, so importing this module never
needs it.

bfloat16 tensors are NumPy arrays of `ml_dtypes.bfloat16` when the ml_dtypes
package is installed; inputs may also be given as uint16 arrays holding the
bit patterns, and without ml_dtypes bf16 outputs come back that way.
"""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import numbers
import os
import threading
from pathlib import Path

import numpy as np

__all__ = ["DskError", "DskInvalidArgument", "Model", "Profile", "Region",
           "load", "library_path"]


class DskError(RuntimeError):
    """An error reported by the dsk runtime; `status` is its dsk_status name."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class DskInvalidArgument(DskError, ValueError):
    """The runtime rejected a tensor (wrong shape, size, ...)."""


# -- the C API -----------------------------------------------------------------

_DTYPES = [  # dsk_dtype order, starting at DSK_DTYPE_F16 = 1
    "f16", "bf16", "f32", "f64", "i8", "i16", "i32", "i64",
    "u8", "u16", "u32", "u64", "bool",
]
_NUMPY = {
    "f16": np.dtype(np.float16), "f32": np.dtype(np.float32),
    "f64": np.dtype(np.float64), "i8": np.dtype(np.int8),
    "i16": np.dtype(np.int16), "i32": np.dtype(np.int32),
    "i64": np.dtype(np.int64), "u8": np.dtype(np.uint8),
    "u16": np.dtype(np.uint16), "u32": np.dtype(np.uint32),
    "u64": np.dtype(np.uint64), "bool": np.dtype(np.bool_),
}
_STATUS = {0: "DSK_OK", 1: "DSK_ERROR_INVALID_ARGUMENT", 2: "DSK_ERROR_LOAD",
           3: "DSK_ERROR_BAD_MODEL", 4: "DSK_ERROR_UNSUPPORTED_CPU"}
_MESSAGE_SIZE = 512

try:  # NumPy itself has no bfloat16
    import ml_dtypes

    _BF16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - depends on the environment
    _BF16 = None


class _Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int),
                ("message", ctypes.c_char * _MESSAGE_SIZE)]


class _Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int),
                ("rank", ctypes.c_int64),
                ("dims", ctypes.POINTER(ctypes.c_int64)),
                ("data", ctypes.c_void_p),
                ("size_bytes", ctypes.c_size_t)]


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p),
                ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int64),
                ("dims", ctypes.POINTER(ctypes.c_int64)),
                ("dim_names", ctypes.POINTER(ctypes.c_char_p))]


class _RegionInfo(ctypes.Structure):
    _fields_ = [("op", ctypes.c_char_p),
                ("kernel", ctypes.c_char_p),
                ("node", ctypes.c_char_p),
                ("shapes", ctypes.c_char_p)]


class _RegionTime(ctypes.Structure):
    _fields_ = [("calls", ctypes.c_size_t),
                ("total_ms", ctypes.c_double)]


class Region(collections.namedtuple(
        "Region", "op kernel node shapes calls total_ms")):
    """One profiling region: the compiled op, its kernel ('' for the
    reference lowering), the model node ('' when unknown), the operand
    shapes, and over the profile's runs its calls and total milliseconds."""


class Profile:
    """What `Model.profile` measured: `run_ms` (each timed run's wall time),
    `median_ms`, `regions` (a `Region` per profiling region, in region
    order) and `table` (the runtime's text table, regions sorted by time)."""

    def __init__(self, run_ms, regions, table):
        self.run_ms = run_ms
        self.regions = regions
        self.table = table

    @property
    def median_ms(self):
        return float(np.median(self.run_ms))

    def by_time(self):
        """The regions that ran, most time first."""
        return sorted((r for r in self.regions if r.calls),
                      key=lambda r: -r.total_ms)

    def __repr__(self):
        return (f"<dsk.Profile {len(self.run_ms)} runs, median "
                f"{self.median_ms:.3f} ms, {len(self.regions)} regions>")


_lib = None
_lib_path = None
_lib_lock = threading.Lock()


def _candidates():
    env = os.environ.get("DSK_RUNTIME_LIBRARY")
    if env:
        # An explicit choice: use it or fail, never fall back silently.
        return [env], True
    repo = Path(__file__).resolve().parent.parent.parent
    found = [str(repo / "build" / "lib" / "libdsk_runtime.so")]
    system = ctypes.util.find_library("dsk_runtime")
    found.append(system or "libdsk_runtime.so")
    return found, False


def _library():
    global _lib, _lib_path
    with _lib_lock:
        if _lib is not None:
            return _lib
        paths, explicit = _candidates()
        errors = []
        for path in paths:
            if os.sep in path and not os.path.exists(path):
                errors.append(f"{path}: no such file")
                continue
            try:
                lib = ctypes.CDLL(path)
            except OSError as e:
                errors.append(str(e))
                continue
            _declare(lib)
            _lib, _lib_path = lib, path
            return lib
        hint = ("DSK_RUNTIME_LIBRARY is set" if explicit else
                "set DSK_RUNTIME_LIBRARY or build the DskRuntime target")
        raise DskError("cannot load the dsk runtime library (" + hint
                       + "): " + "; ".join(errors))


def library_path():
    """The path of the runtime library in use (loads it if needed)."""
    _library()
    return _lib_path


def _declare(lib):
    P = ctypes.POINTER
    err = P(_Error)
    model = ctypes.c_void_p
    sig = {
        "dsk_model_load": (ctypes.c_int, [ctypes.c_char_p, P(model), err]),
        "dsk_model_close": (None, [model]),
        "dsk_model_num_inputs": (ctypes.c_size_t, [model]),
        "dsk_model_num_outputs": (ctypes.c_size_t, [model]),
        "dsk_model_input_info": (ctypes.c_int,
                                 [model, ctypes.c_size_t, P(_TensorInfo), err]),
        "dsk_model_output_info": (ctypes.c_int,
                                  [model, ctypes.c_size_t, P(_TensorInfo), err]),
        "dsk_model_target_cpu": (ctypes.c_char_p, [model]),
        "dsk_model_target_features": (ctypes.c_char_p, [model]),
        "dsk_model_target_kind": (ctypes.c_char_p, [model]),
        "dsk_model_abi_version": (ctypes.c_int, [model]),
        "dsk_model_workspace_size": (ctypes.c_size_t, [model]),
        "dsk_model_run": (ctypes.c_int, [model, P(_Tensor), ctypes.c_size_t,
                                         P(_Tensor), ctypes.c_size_t, err]),
        "dsk_model_set_num_threads": (ctypes.c_int,
                                      [model, ctypes.c_int, err]),
        "dsk_model_num_threads": (ctypes.c_int, [model]),
        "dsk_model_is_parallel": (ctypes.c_int, [model]),
        "dsk_model_num_regions": (ctypes.c_size_t, [model]),
        "dsk_model_region_info": (ctypes.c_int, [model, ctypes.c_size_t,
                                                 P(_RegionInfo), err]),
        "dsk_model_profile": (ctypes.c_int,
                              [model, P(_Tensor), ctypes.c_size_t, P(_Tensor),
                               ctypes.c_size_t, ctypes.c_int,
                               P(ctypes.c_void_p), err]),
        "dsk_profile_free": (None, [ctypes.c_void_p]),
        "dsk_profile_run_ms": (ctypes.c_double, [ctypes.c_void_p,
                                                 ctypes.c_int]),
        "dsk_profile_region_time": (ctypes.c_int,
                                    [ctypes.c_void_p, ctypes.c_size_t,
                                     P(_RegionTime), err]),
        "dsk_profile_format_table": (ctypes.c_size_t,
                                     [ctypes.c_void_p, ctypes.c_char_p,
                                      ctypes.c_size_t]),
        "dsk_profile_write_trace": (ctypes.c_int, [ctypes.c_void_p,
                                                   ctypes.c_char_p, err]),
    }
    for name, (restype, argtypes) in sig.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def _raise(status, err, cls=DskError):
    message = err.message.decode("utf-8", "replace")
    name = _STATUS.get(status, f"status {status}")
    raise cls(message or f"dsk runtime error {name}", name)


def _decode(raw):
    return raw.decode("utf-8", "replace") if raw is not None else ""


# -- models --------------------------------------------------------------------


def _numpy_dtype(code):
    name = _DTYPES[code - 1] if 1 <= code <= len(_DTYPES) else None
    if name == "bf16":
        return "bfloat16"
    if name is None:
        raise DskError(f"the runtime reported an unknown dtype code {code}")
    return _NUMPY[name]


def _storage_dtype(dtype):
    """The NumPy dtype of arrays passed for / returned from `dtype`."""
    if isinstance(dtype, str):  # bfloat16
        return _BF16 if _BF16 is not None else np.dtype(np.uint16)
    return dtype


def _dtype_name(dtype):
    return dtype if isinstance(dtype, str) else dtype.name


class Model:
    """A loaded model. Calling it runs the model; see `load`."""

    def __init__(self, path, num_threads=None):
        lib = _library()
        self._lib = lib
        self.path = os.fspath(path)
        handle = ctypes.c_void_p()
        err = _Error()
        status = lib.dsk_model_load(os.fsencode(self.path), ctypes.byref(handle),
                                    ctypes.byref(err))
        if status != 0:
            _raise(status, err)
        self._handle = handle
        try:
            self.inputs, self._input_codes = self._describe(
                lib.dsk_model_num_inputs, lib.dsk_model_input_info)
            self.outputs, self._output_codes = self._describe(
                lib.dsk_model_num_outputs, lib.dsk_model_output_info)
            self.target_cpu = _decode(lib.dsk_model_target_cpu(handle))
            self.target_features = _decode(
                lib.dsk_model_target_features(handle))
            self.target_kind = _decode(lib.dsk_model_target_kind(handle))
            # Worked out once: a call of a small model is only a few times
            # longer than the binding's own work.
            self._input_storage = [_storage_dtype(d) for _, d, _ in self.inputs]
            self._output_storage = [_storage_dtype(d)
                                    for _, d, _ in self.outputs]
            if num_threads is not None:
                self.num_threads = num_threads
        except BaseException:
            self.close()
            raise

    def _describe(self, count, info_fn):
        """(name, dtype, shape) of each input or output, and the runtime's
        dtype codes."""
        specs, codes = [], []
        err = _Error()
        for i in range(count(self._handle)):
            info = _TensorInfo()
            status = info_fn(self._handle, i, ctypes.byref(info),
                             ctypes.byref(err))
            if status != 0:
                _raise(status, err)
            shape = []
            for d in range(info.rank):
                dim = info.dims[d]
                if dim >= 0:
                    shape.append(int(dim))
                else:
                    name = info.dim_names[d] if info.dim_names else None
                    shape.append(_decode(name) if name else None)
            specs.append((_decode(info.name), _numpy_dtype(info.dtype),
                          tuple(shape)))
            codes.append(info.dtype)
        return specs, codes

    # -- the model ABI ---------------------------------------------------------

    @property
    def abi_version(self):
        """The model ABI version of the library: 2, or 1 for older models."""
        self._check_open()
        return self._lib.dsk_model_abi_version(self._handle)

    @property
    def workspace_size(self):
        """Bytes of scratch memory one call needs (0 for version-1 models).
        The runtime allocates it once at load and reuses it."""
        self._check_open()
        return self._lib.dsk_model_workspace_size(self._handle)

    # -- threads ---------------------------------------------------------------

    @property
    def is_parallel(self):
        """Whether the model runs its large ops on a team of threads."""
        self._check_open()
        return bool(self._lib.dsk_model_is_parallel(self._handle))

    @property
    def num_threads(self):
        """Threads of later calls: 0 means OpenMP's default (one per core
        unless OMP_NUM_THREADS says otherwise). Models that are not parallel
        always run on the calling thread."""
        self._check_open()
        return self._lib.dsk_model_num_threads(self._handle)

    @num_threads.setter
    def num_threads(self, count):
        self._check_open()
        if isinstance(count, bool) or not isinstance(count, numbers.Integral):
            raise TypeError(f"num_threads must be an integer, got "
                            f"{type(count).__name__}")
        # ctypes would truncate what does not fit the C int silently.
        if not -2**31 <= count < 2**31:
            raise DskInvalidArgument(f"{self.path}: the number of threads "
                                     f"{count} does not fit a C int")
        err = _Error()
        status = self._lib.dsk_model_set_num_threads(self._handle, count,
                                                     ctypes.byref(err))
        if status != 0:
            _raise(status, err, DskInvalidArgument)

    # -- calling ---------------------------------------------------------------

    def _check_open(self):
        if self._handle is None:
            raise DskError(f"model '{self.path}' is closed")

    def _bind(self, arrays, named):
        n = len(self.inputs)
        if not named and len(arrays) == n:
            return [self._convert(i, v) for i, v in enumerate(arrays)]
        if len(arrays) > n:
            raise TypeError(f"model '{self.path}' takes {n} input"
                            f"{'' if n == 1 else 's'} but {len(arrays)} were "
                            "given")
        values = list(arrays) + [None] * (n - len(arrays))
        given = [i < len(arrays) for i in range(n)]
        names = [name for name, _, _ in self.inputs]
        for name, value in named.items():
            if name not in names:
                raise TypeError(f"model '{self.path}' has no input named "
                                f"'{name}' (inputs: {names})")
            i = names.index(name)
            if given[i]:
                raise TypeError(f"input {i} '{name}' is given twice")
            values[i], given[i] = value, True
        for i, ok in enumerate(given):
            if not ok:
                raise TypeError(f"missing input {i} '{names[i]}' of model "
                                f"'{self.path}'")
        return [self._convert(i, v) for i, v in enumerate(values)]

    def _convert(self, index, value):
        want = self._input_storage[index]
        if isinstance(value, np.ndarray) and value.dtype == want:
            # Not np.ascontiguousarray: it turns 0-d arrays into 1-d ones.
            return np.asarray(value, order="C")
        name, dtype, _ = self.inputs[index]
        what = f"input {index} '{name}'"
        if isinstance(value, np.ndarray):
            have = value.dtype
            ok = have == want or (isinstance(dtype, str) and have == np.uint16)
            if not ok and not isinstance(dtype, str):
                ok = np.can_cast(have, want, casting="safe")
            if not ok:
                raise TypeError(f"{what} expects {_dtype_name(dtype)}, got an "
                                f"array of {have} (convert it explicitly)")
            target = have if have == np.uint16 and isinstance(dtype, str) \
                else want
            # Not np.ascontiguousarray: it turns 0-d arrays into 1-d ones.
            return np.asarray(value, dtype=target, order="C")
        # Python scalars and lists: floats may round to the input's float
        # type, but a value must not change kind or be truncated.
        raw = np.asarray(value)
        if raw.dtype == object or raw.dtype.kind not in "biuf":
            raise TypeError(f"{what} expects {_dtype_name(dtype)}, got "
                            f"{type(value).__name__} of {raw.dtype}")
        if not np.can_cast(raw.dtype, want, casting="same_kind"):
            raise TypeError(f"{what} expects {_dtype_name(dtype)}, got values "
                            f"of {raw.dtype}")
        converted = np.asarray(raw, dtype=want, order="C")
        if want.kind in "iub" and not np.array_equal(
                converted.astype(raw.dtype), raw):
            raise TypeError(f"{what} expects {_dtype_name(dtype)}; some "
                            "values do not fit")
        return converted

    @staticmethod
    def _tensors(arrays, codes, keep):
        """The C tensors of `arrays`; their dims arrays go to `keep`."""
        tensors = (_Tensor * max(len(arrays), 1))()
        for tensor, array, code in zip(tensors, arrays, codes):
            dims = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
            keep.append(dims)
            tensor.dtype = code
            tensor.rank = array.ndim
            tensor.dims = dims
            tensor.data = array.ctypes.data
            tensor.size_bytes = array.nbytes
        return tensors

    def _marshal(self, inputs):
        """The C tensors of `inputs` (converted arrays) and of freshly
        allocated outputs; `keep` must outlive the call."""
        outputs = []
        for i, (name, _, shape) in enumerate(self.outputs):
            try:
                outputs.append(np.empty(shape, dtype=self._output_storage[i]))
            except TypeError:
                raise DskError(f"output {i} '{name}' has the symbolic shape "
                               f"{shape}, which this binding cannot "
                               "allocate") from None
        keep = []  # the dims arrays must outlive the call
        c_in = self._tensors(inputs, self._input_codes, keep)
        c_out = self._tensors(outputs, self._output_codes, keep)
        return c_in, c_out, outputs, keep

    @staticmethod
    def _check(status, err):
        if status == 1:
            _raise(status, err, DskInvalidArgument)
        if status != 0:
            _raise(status, err)

    def __call__(self, *arrays, **named):
        """Runs the model on the inputs (positional in input order, or by
        name) and returns the outputs as a list of new NumPy arrays."""
        self._check_open()
        inputs = self._bind(arrays, named)
        c_in, c_out, outputs, keep = self._marshal(inputs)
        err = _Error()
        status = self._lib.dsk_model_run(self._handle, c_in, len(inputs),
                                         c_out, len(outputs),
                                         ctypes.byref(err))
        del keep
        self._check(status, err)
        return outputs

    # -- profiling -------------------------------------------------------------

    @property
    def regions(self):
        """The profiling regions as (op, kernel, node, shapes) tuples; empty
        for a model compiled with --profile-regions=false."""
        self._check_open()
        result = []
        for i in range(self._lib.dsk_model_num_regions(self._handle)):
            info, err = _RegionInfo(), _Error()
            self._check(self._lib.dsk_model_region_info(
                self._handle, i, ctypes.byref(info), ctypes.byref(err)), err)
            result.append(tuple(_decode(getattr(info, f))
                                for f in ("op", "kernel", "node", "shapes")))
        return result

    def profile(self, inputs, runs=10, trace=None):
        """Runs the model `runs` times (after one warm-up run) on `inputs` (a
        sequence in input order, or a dict by name), timing every op, and
        returns a `Profile`. `trace`, when given, is a path the runs are
        written to as a Chrome trace (chrome://tracing, ui.perfetto.dev).
        Raises DskInvalidArgument for a model without profiling regions."""
        self._check_open()
        if isinstance(inputs, dict):
            bound = self._bind((), inputs)
        else:
            bound = self._bind(tuple(inputs), {})
        if not isinstance(runs, int) or runs < 1:
            raise ValueError(f"runs must be a positive integer, got {runs!r}")
        c_in, c_out, outputs, keep = self._marshal(bound)
        err = _Error()
        handle = ctypes.c_void_p()
        status = self._lib.dsk_model_profile(
            self._handle, c_in, len(bound), c_out, len(outputs), runs,
            ctypes.byref(handle), ctypes.byref(err))
        del keep
        self._check(status, err)
        try:
            lib = self._lib
            run_ms = [lib.dsk_profile_run_ms(handle, i) for i in range(runs)]
            regions = []
            for i, info in enumerate(self.regions):
                time = _RegionTime()
                self._check(lib.dsk_profile_region_time(
                    handle, i, ctypes.byref(time), ctypes.byref(err)), err)
                regions.append(Region(*info, time.calls, time.total_ms))
            size = lib.dsk_profile_format_table(handle, None, 0) + 1
            text = ctypes.create_string_buffer(size)
            lib.dsk_profile_format_table(handle, text, size)
            if trace is not None:
                self._check(lib.dsk_profile_write_trace(
                    handle, os.fsencode(trace), ctypes.byref(err)), err)
        finally:
            self._lib.dsk_profile_free(handle)
        return Profile(run_ms, regions, _decode(text.value))

    # -- lifetime --------------------------------------------------------------

    def close(self):
        """Releases the model; calling it afterwards raises DskError."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle is not None:
            self._lib.dsk_model_close(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def __repr__(self):
        state = "closed" if self._handle is None else \
            f"{len(self.inputs)} inputs, {len(self.outputs)} outputs"
        return f"<dsk.Model '{self.path}' ({state})>"


def load(path, num_threads=None):
    """Loads a model library built by `dsk-compile --emit=lib`.

    `num_threads` sets `Model.num_threads` (None: OpenMP's default).

    Returns a `Model`: `.inputs` and `.outputs` list (name, dtype, shape) with
    NumPy dtypes (the string 'bfloat16' for bf16) and shapes whose symbolic
    dimensions are their names (or None); calling it runs the model. Raises
    DskError with the runtime's message when the file is not a usable model.
    """
    return Model(path, num_threads)
