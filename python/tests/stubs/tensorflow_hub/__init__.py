"""Stand-in for the tensorflow_hub package (which needs TensorFlow): its
registry, and its four default resolvers registered in its order
(config._install_default_resolvers), each answering is_supported as the real
one does and recording its calls instead of downloading. Test support only."""

import os

from tensorflow_hub import registry

calls = []  # (resolver name, handle), in call order


def _load_format():
    return os.environ.get("TFHUB_MODEL_LOAD_FORMAT", "") or "AUTO"


def _is_http(handle):
    return handle.startswith(("http://", "https://"))


def _is_tarfile(handle):
    return handle.endswith((".tar", ".tar.gz", ".tgz"))


class PathResolver:
    def is_supported(self, handle):
        return True

    def __call__(self, handle):
        calls.append(("PathResolver", handle))
        if not os.path.exists(handle):
            raise IOError("%s does not exist." % handle)
        return handle


class HttpUncompressedFileResolver:
    def is_supported(self, handle):
        return _is_http(handle) and _load_format() == "UNCOMPRESSED"

    def __call__(self, handle):
        calls.append(("HttpUncompressedFileResolver", handle))
        return "gs://stub/uncompressed"


class GcsCompressedFileResolver:
    def is_supported(self, handle):
        return handle.startswith("gs://") and _is_tarfile(handle)

    def __call__(self, handle):
        calls.append(("GcsCompressedFileResolver", handle))
        return "/stub/gcs"


class HttpCompressedFileResolver:
    def is_supported(self, handle):
        return _is_http(handle) and _load_format() in ("AUTO", "COMPRESSED")

    def __call__(self, handle):
        calls.append(("HttpCompressedFileResolver", handle))
        return "/stub/http"


for _impl in (PathResolver(), HttpUncompressedFileResolver(), GcsCompressedFileResolver(),
              HttpCompressedFileResolver()):
    registry.resolver.add_implementation(_impl)


def resolve(handle):
    """hub.resolve: the registry's answer."""
    return registry.resolver(handle)
