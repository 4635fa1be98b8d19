"""Files under the cache folder (`var/cache`): written whole or not at all, a few newest kept.

Shared by the lexical index (bot/matching.py), the entry vectors and model arrays
(bot/semantic.py) and the kana vocabulary (bot/kana.py)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Callable

KEEP = 4          # cache files of one kind kept beside the newest (older knowledge bases, code)


def write_atomic(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """`write(f)` into a temporary file beside `path`, then moved onto it: a reader (another
    worker) sees the old file or the whole new one, never half of it. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prune(folder: Path, pattern: str, keep: int = KEEP) -> None:
    """Remove all but the `keep` newest files of `folder` matching `pattern`."""
    for old in sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime)[:-keep]:
        old.unlink(missing_ok=True)
