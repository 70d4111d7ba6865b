"""Writes damaged copies of the library argv[1] into the folder argv[2]."""
import os
import sys

data = open(sys.argv[1], "rb").read()
assert data[-32:-24] == b"DSKFILE1", "the library has no file trailer"
folder = sys.argv[2]


def write(name, content):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(content)


write("cut.so", data[: len(data) // 2])
flipped = bytearray(data)
flipped[len(data) // 3] ^= 0x01
write("flipped.so", bytes(flipped))
# A library of an older compiler (no trailer), cut short.
write("no-trailer-cut.so", data[: len(data) - 32 - 64])
