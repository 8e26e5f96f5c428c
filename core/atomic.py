"""Durable, all-or-nothing file operations shared by every stage that swaps a file or folder in.

`exchange` swaps two paths in one step with Linux's `renameat2(RENAME_EXCHANGE)` (Linux >= 3.15;
ext4, xfs, btrfs, tmpfs): at every instant each name holds a whole old or a whole new version,
so a kill anywhere leaves a complete set. Where the kernel or filesystem lacks it, it returns
False and the caller falls back to two renames it knows how to repair. `fsync` makes a file's
bytes, or a folder's entries (a rename), durable before the next step relies on them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def exchange(first: Path, second: Path) -> bool:
    """Atomically swap two existing paths; False where renameat2's exchange is unsupported."""
    renameat2 = getattr(_LIBC, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # kernel or filesystem without it
        return False
    raise OSError(error, os.strerror(error), str(first), None, str(second))


def fsync(path: Path) -> None:
    """Flush a file's bytes or a folder's entries to disk (a rename is durable once its folder is)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
