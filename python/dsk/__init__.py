"""Python side of the dsk model compiler.

`dsk.reference` holds the NumPy reference semantics of the dsk operations
(import it as `from dsk import reference`).
"""
