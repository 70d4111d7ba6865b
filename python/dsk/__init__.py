"""Python side of the dsk model compiler.

`dsk.reference` holds the NumPy reference semantics of the dsk operations
(import it as `from dsk import reference`).

`dsk.load("model.so")` loads a compiled model through the C runtime (see
`dsk.runtime`). It is imported lazily, so `import dsk` and `dsk.reference`
work without a built libdsk_runtime.so.
"""

_RUNTIME_NAMES = ("load", "Model", "Profile", "DskError", "DskInvalidArgument")


def __getattr__(name):
    if name in _RUNTIME_NAMES:
        from . import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'dsk' has no attribute '{name}'")


def __dir__():
    return sorted(list(globals()) + list(_RUNTIME_NAMES))
