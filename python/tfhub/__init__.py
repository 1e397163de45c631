"""tfhub: TensorFlow Hub models without TensorFlow, natively.

    import tfhub
    path = tfhub.resolve("https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5")
    model = tfhub.load(path)          # signatures, variables (numpy), assets
    tfhub.install()                   # make tensorflow_hub's hub.load() use tfhub

resolve() shares its cache with Python tensorflow_hub (TFHUB_CACHE_DIR, or
<temp dir>/tfhub_modules). Errors are tfhub.Error subclasses that are also
the natural builtins (FileNotFoundError, ValueError, PermissionError,
ConnectionError/OSError); see tfhub.errors.
"""

from tfhub import _tfhub
from tfhub.errors import (AbortedError, AlreadyExistsError, DataLossError, DeadlineExceededError, Error,
                          FailedPreconditionError, InvalidArgumentError, NotFoundError,
                          PermissionDeniedError, ResourceExhaustedError, UnavailableError,
                          UnimplementedError)
from tfhub.hub_resolver import TfhubResolver, install, is_installed, uninstall
from tfhub.saved_model import Asset, SavedModel, Signature, TensorSpec

__version__ = _tfhub.__version__

__all__ = [
    "__version__", "resolve", "load", "install", "uninstall", "is_installed", "TfhubResolver",
    "SavedModel", "Signature", "TensorSpec", "Asset", "Error", "NotFoundError",
    "InvalidArgumentError", "PermissionDeniedError", "UnavailableError", "DeadlineExceededError",
    "FailedPreconditionError", "DataLossError", "ResourceExhaustedError", "AlreadyExistsError",
    "UnimplementedError", "AbortedError",
]


def resolve(handle, *, cache_dir=None, load_format=None, offline=None, sha256=None):
    """Resolves a model handle to a local directory and returns its path.

    handle: an http(s) URL (tfhub.dev-style, or of a .tar/.tar.gz/.tgz), a
    gs:// archive or directory, or a local path (returned as given).

    Each keyword left as None is read from the environment exactly as the
    tfhub CLI reads it (TFHUB_CACHE_DIR, TFHUB_MODEL_LOAD_FORMAT,
    TFHUB_OFFLINE; no sha256 pin); one given explicitly wins over the
    environment. load_format: "AUTO", "COMPRESSED" or "UNCOMPRESSED".
    offline: resolve from the cache only. sha256: the archive's SHA-256
    (64 hex digits) it must have.

    The GIL is released while it works; Ctrl-C (KeyboardInterrupt) cancels
    it, removing its temp dir and lock. On a terminal a progress bar is drawn
    on stderr, as the CLI draws it. Raises tfhub.Error subclasses.
    """
    return _tfhub.resolve(handle, cache_dir=cache_dir, load_format=load_format, offline=offline,
                          sha256=sha256)


def load(handle_or_path, *, tags=None, cache_dir=None, load_format=None, offline=None,
         sha256=None):
    """Resolves handle_or_path (as resolve()) and opens the SavedModel there.

    tags: the MetaGraphDef to load (a list of tags); None picks as
    tensorflow_hub does (the only one, or "serve"; the empty set for TF1 Hub
    modules). Returns a tfhub.SavedModel; variables are read lazily.
    """
    native = _tfhub.load(handle_or_path, tags=None if tags is None else list(tags),
                         cache_dir=cache_dir, load_format=load_format, offline=offline,
                         sha256=sha256)
    return SavedModel(native)
