"""Writing NumPy values as MLIR literals, for generated tests and examples."""

import numpy as np


def _float_literal(text):
    """Makes a Python float rendering a valid MLIR float literal (MLIR wants a
    '.' in the mantissa: `1.0`, `1.0e-05`)."""
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return mantissa + "e" + exponent
    if "." not in text:
        text += ".0"
    return text


def fmt_f32(value):
    """A float32 value as an MLIR float literal that round-trips exactly
    (`%.9g`); non-finite values as the float32 hexadecimal bit pattern."""
    value = np.float32(value)
    if not np.isfinite(value):
        return "0x%08X" % int(np.array(value, dtype=np.float32).view(np.uint32))
    return _float_literal("%.9g" % float(value))


def fmt_f64(value):
    """A double as an MLIR float literal (shortest round-trip repr)."""
    return _float_literal(repr(float(value)))


def scale_attr(spec):
    """A `#dsk.scale` attribute from a reference.py scale spec such as
    {"kind": "local", "window": 2}."""
    kind = spec["kind"]
    parts = [kind]
    if kind == "local":
        parts.append("window = %d" % spec["window"])
    elif kind == "segment" and spec.get("length") is not None:
        parts.append("length = %d" % spec["length"])
    elif kind == "global" and spec.get("tokens") is not None:
        parts.append("tokens = [%s]" % ", ".join(str(int(t)) for t in spec["tokens"]))
    return "#dsk.scale<%s>" % ", ".join(parts)
