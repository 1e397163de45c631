"""tfhub as a resolver inside Python tensorflow_hub (``tfhub.install()``).

tensorflow_hub resolves every handle through ``tensorflow_hub.registry.resolver``,
a MultiImplRegister: implementations are added with ``add_implementation``
and the last one added is asked first; the first whose ``is_supported(handle)``
is true is called, ``impl(handle) -> path``. ``install()`` adds a
:class:`TfhubResolver` there, which takes exactly the handles tensorflow_hub's
own compressed resolvers take and tfhub does better:

* http:// and https:// handles when the load format is AUTO or COMPRESSED
  (tensorflow_hub's HttpCompressedFileResolver; TFHUB_MODEL_LOAD_FORMAT,
  read as tensorflow_hub reads it: an empty or unset variable means AUTO);
* gs:// handles ending in .tar, .tar.gz or .tgz (its GcsCompressedFileResolver).

Everything else — UNCOMPRESSED mode, local paths, gs:// directories, and a
TFHUB_MODEL_LOAD_FORMAT value tfhub would reject — is left to
tensorflow_hub's own resolvers, untouched. The cache dir and the other
settings come from the environment (TFHUB_CACHE_DIR, ...), as tfhub.resolve()
reads it; tensorflow_hub's absl flags (--tfhub_cache_dir) are not seen.

Only ``tensorflow_hub.registry`` is imported and used.
"""

import os
import threading

__all__ = ["TfhubResolver", "install", "uninstall", "is_installed"]

_COMPRESSED_FORMATS = ("", "AUTO", "COMPRESSED")
_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")


class TfhubResolver:
    """A tensorflow_hub resolver implementation backed by tfhub.resolve()."""

    def is_supported(self, handle):
        if not isinstance(handle, str):
            return False
        if handle.startswith(("http://", "https://")):
            return os.environ.get("TFHUB_MODEL_LOAD_FORMAT", "") in _COMPRESSED_FORMATS
        if handle.startswith("gs://"):
            return handle.endswith(_ARCHIVE_SUFFIXES)
        return False

    def __call__(self, handle):
        from tfhub import resolve  # pylint: disable=import-outside-toplevel
        return resolve(handle)

    def __repr__(self):
        return "tfhub.TfhubResolver()"


_lock = threading.Lock()
_installed = None  # the TfhubResolver in tensorflow_hub's registry, if any


def _registry():
    try:
        from tensorflow_hub import registry  # pylint: disable=import-outside-toplevel
    except ImportError as e:
        raise ImportError(
            "tfhub.install() needs tensorflow_hub, which could not be imported (%s); "
            "install it (pip install tensorflow-hub) or call tfhub.resolve()/tfhub.load() "
            "directly" % (e,)) from e
    return registry


def _impls(registry):
    impls = getattr(registry.resolver, "_impls", None)
    if not isinstance(impls, list):
        raise RuntimeError("tensorflow_hub.registry.resolver has no list of implementations "
                           "(_impls); this tensorflow_hub version is not supported by tfhub.install()")
    return impls


def install():
    """Registers tfhub with tensorflow_hub's resolver registry (idempotent).

    After it, hub.load(), hub.resolve() and hub.KerasLayer() fetch http(s) and
    gs:// archives with tfhub. Returns the registered resolver. Raises
    ImportError when tensorflow_hub is not importable.
    """
    global _installed
    registry = _registry()
    with _lock:
        if _installed is not None and any(impl is _installed for impl in _impls(registry)):
            return _installed
        resolver = TfhubResolver()
        registry.resolver.add_implementation(resolver)
        _installed = resolver
        return resolver


def uninstall():
    """Removes what install() registered; nothing happens if it is not there."""
    global _installed
    registry = _registry()
    with _lock:
        if _installed is None:
            return
        impls = _impls(registry)
        impls[:] = [impl for impl in impls if impl is not _installed]
        _installed = None


def is_installed():
    """Whether tfhub's resolver is in tensorflow_hub's registry now."""
    if _installed is None:
        return False
    try:
        return any(impl is _installed for impl in _impls(_registry()))
    except (ImportError, RuntimeError):
        return False
