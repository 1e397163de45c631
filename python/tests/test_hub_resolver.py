"""tfhub.install() against tensorflow_hub's registry contract, with the
stand-in tensorflow_hub of stubs/ (the real one needs TensorFlow)."""

import os
import subprocess
import sys

import pytest

import tfhub
from conftest import HERE, sha1


@pytest.fixture
def hub():
    import tensorflow_hub  # the stub (conftest puts stubs/ on sys.path)
    assert tensorflow_hub.__file__.startswith(os.path.join(HERE, "stubs"))
    tfhub.uninstall()
    del tensorflow_hub.calls[:]
    yield tensorflow_hub
    tfhub.uninstall()


def test_http_archives_go_to_tfhub(hub, nginx, cache_dir):
    tfhub.install()
    handle = nginx.url("/models/tfjs_times_two_int.tar.gz")
    assert hub.resolve(handle) == os.path.join(cache_dir, sha1(handle))
    assert hub.calls == []  # none of tensorflow_hub's resolvers was asked to work


def test_the_rest_stays_with_tensorflow_hub(hub, tmp_path, monkeypatch, cache_dir):
    tfhub.install()
    assert hub.resolve(str(tmp_path)) == str(tmp_path)
    del hub.calls[:]
    with pytest.raises(IOError):
        hub.resolve(str(tmp_path / "missing"))
    with pytest.raises(IOError):
        hub.resolve("gs://bucket/model")  # a gs:// directory: tensorflow_hub's path resolver
    assert hub.calls == [("PathResolver", str(tmp_path / "missing")), ("PathResolver", "gs://bucket/model")]
    monkeypatch.setenv("TFHUB_MODEL_LOAD_FORMAT", "UNCOMPRESSED")
    assert hub.resolve("https://example.invalid/m") == "gs://stub/uncompressed"
    # A value tfhub would reject: tensorflow_hub decides what it means (its
    # path resolver, here).
    monkeypatch.setenv("TFHUB_MODEL_LOAD_FORMAT", "bogus")
    del hub.calls[:]
    with pytest.raises(IOError):
        hub.resolve("https://example.invalid/m")
    assert hub.calls == [("PathResolver", "https://example.invalid/m")]


def test_is_supported_matches_tensorflow_hubs_compressed_resolvers(hub, monkeypatch):
    ours = tfhub.TfhubResolver()
    theirs = [hub.HttpCompressedFileResolver(), hub.GcsCompressedFileResolver()]
    handles = ["https://tfhub.dev/google/x/1", "http://h/m.tar.gz", "gs://b/m.tar", "gs://b/m.tar.gz",
               "gs://b/m.tgz", "gs://b/m", "gs://b/m.zip", "gs://b/footar", "/local/m.tar.gz", "m",
               "file:///m.tgz", "nope://x"]
    for fmt in ("", "AUTO", "COMPRESSED", "UNCOMPRESSED"):
        monkeypatch.setenv("TFHUB_MODEL_LOAD_FORMAT", fmt)
        for h in handles:
            assert ours.is_supported(h) == any(r.is_supported(h) for r in theirs), (fmt, h)


def test_install_is_idempotent_and_uninstall_undoes_it(hub, nginx, cache_dir):
    from tensorflow_hub import registry
    before = list(registry.resolver._impls)
    first = tfhub.install()
    assert tfhub.install() is first
    assert registry.resolver._impls == before + [first]
    assert tfhub.is_installed()
    tfhub.uninstall()
    tfhub.uninstall()
    assert registry.resolver._impls == before
    assert not tfhub.is_installed()
    handle = nginx.url("/models/tfjs_times_two_int.tar.gz")
    assert hub.resolve(handle) == "/stub/http"  # tensorflow_hub's own again


def test_errors_reach_hub_callers(hub, nginx, cache_dir):
    tfhub.install()
    with pytest.raises(FileNotFoundError):
        hub.resolve(nginx.url("/models/missing.tar.gz"))


def test_import_error_without_tensorflow_hub():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                        if "stubs" not in p)
    code = ("import sys; sys.modules['tensorflow_hub'] = None\n"
            "import tfhub\n"
            "try:\n    tfhub.install()\nexcept ImportError as e:\n    print('ImportError:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ImportError:") and "tensorflow_hub" in out.stdout


def test_install_touches_only_the_registry(hub):
    before = set(m for m in sys.modules if m.startswith("tensorflow_hub"))
    tfhub.install()
    after = set(m for m in sys.modules if m.startswith("tensorflow_hub"))
    assert after == before | {"tensorflow_hub.registry"} or after == before
