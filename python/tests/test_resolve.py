"""tfhub.resolve(): the shared cache layout, options vs. environment, errors,
the GIL, Ctrl-C."""

import os
import signal
import subprocess
import sys
import threading

import pytest

import tfhub
from conftest import model_archive_bytes, sha1


def test_version():
    assert tfhub.__version__
    cli = os.environ.get("TFHUB_CLI")
    if cli:
        out = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
        assert tfhub.__version__ in out


def test_resolve_into_shared_cache_layout(nginx, cache_dir):
    handle = nginx.url("/models/tf2_half_plus_two_cpu.tar.gz")
    path = tfhub.resolve(handle)
    key = sha1(handle)
    assert path == os.path.join(cache_dir, key)
    assert os.path.isfile(os.path.join(path, "saved_model.pb"))
    assert os.path.isfile(os.path.join(path, "variables", "variables.index"))
    with open(os.path.join(cache_dir, key + ".descriptor.txt")) as f:
        assert "Module: " + handle in f.read()
    assert sorted(os.listdir(cache_dir)) == [key, key + ".descriptor.txt"]
    # A hit: same path, offline works too.
    assert tfhub.resolve(handle) == path
    assert tfhub.resolve(handle, offline=True) == path


def test_local_path_is_returned_as_given(tmp_path):
    assert tfhub.resolve(str(tmp_path) + "/") == str(tmp_path) + "/"


def test_arguments_beat_the_environment(nginx, cache_dir, tmp_path, monkeypatch):
    handle = nginx.url("/models/tfjs_times_two_int.tar.gz")
    other = tmp_path / "other"
    other.mkdir()
    assert tfhub.resolve(handle, cache_dir=str(other)) == os.path.join(str(other), sha1(handle))
    assert not os.listdir(cache_dir)  # TFHUB_CACHE_DIR was not used
    # TFHUB_OFFLINE=1 in the environment, offline=False given: it downloads.
    monkeypatch.setenv("TFHUB_OFFLINE", "1")
    with pytest.raises(FileNotFoundError):
        tfhub.resolve(handle)
    assert tfhub.resolve(handle, offline=False) == os.path.join(cache_dir, sha1(handle))
    # An explicit load_format wins over a broken TFHUB_MODEL_LOAD_FORMAT.
    monkeypatch.setenv("TFHUB_MODEL_LOAD_FORMAT", "bogus")
    with pytest.raises(ValueError, match="TFHUB_MODEL_LOAD_FORMAT"):
        tfhub.resolve(handle, offline=False)
    assert tfhub.resolve(handle, offline=False, load_format="COMPRESSED") == os.path.join(cache_dir, sha1(handle))


def test_sha256_pin(nginx, cache_dir):
    handle = nginx.url("/models/tfjs_times_three_float.tar.gz")
    with pytest.raises(tfhub.DataLossError) as e:
        tfhub.resolve(handle, sha256="0" * 64)
    assert isinstance(e.value, OSError) and e.value.code == "data_loss"
    assert not os.listdir(cache_dir)
    with pytest.raises(ValueError, match="64 hexadecimal"):
        tfhub.resolve(handle, sha256="abc")


class TestErrors:
    def test_not_found(self, tmp_path):
        missing = str(tmp_path / "missing")
        with pytest.raises(FileNotFoundError) as e:
            tfhub.resolve(missing)
        assert isinstance(e.value, tfhub.Error) and isinstance(e.value, tfhub.NotFoundError)
        assert e.value.code == "not_found"
        assert str(e.value) == e.value.message == missing + " does not exist."

    def test_http_404_is_not_found(self, nginx, cache_dir):
        with pytest.raises(FileNotFoundError) as e:
            tfhub.resolve(nginx.url("/models/nope.tar.gz"))
        assert "404" in str(e.value)

    def test_invalid_module_is_value_error(self, nginx, cache_dir):
        handle = nginx.url("/bad/page.tar.gz")
        with pytest.raises(ValueError) as e:
            tfhub.resolve(handle)
        assert isinstance(e.value, tfhub.InvalidArgumentError) and e.value.code == "invalid_argument"
        assert "does not appear to be a valid module" in str(e.value)

    def test_invalid_argument(self):
        with pytest.raises(ValueError) as e:
            tfhub.resolve("/x", load_format="SOMETIMES")
        assert isinstance(e.value, tfhub.Error) and e.value.code == "invalid_argument"
        assert "load_format" in str(e.value) and "UNCOMPRESSED" in str(e.value)

    def test_permission(self, nginx, cache_dir):
        with pytest.raises(PermissionError) as e:
            tfhub.resolve(nginx.url("/forbidden/m.tar.gz"))
        assert isinstance(e.value, tfhub.PermissionDeniedError) and e.value.code == "permission_denied"
        assert "403" in str(e.value)

    def test_network(self, cache_dir):
        import socket  # pylint: disable=import-outside-toplevel
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with pytest.raises(ConnectionError) as e:
            tfhub.resolve("http://127.0.0.1:%d/m.tar.gz" % port)
        assert isinstance(e.value, OSError) and isinstance(e.value, tfhub.Error)
        assert e.value.code == "aborted" and "failed after 5 attempts" in str(e.value)

    def test_hierarchy(self):
        assert issubclass(tfhub.NotFoundError, FileNotFoundError)
        assert issubclass(tfhub.InvalidArgumentError, ValueError)
        assert issubclass(tfhub.PermissionDeniedError, PermissionError)
        assert issubclass(tfhub.UnavailableError, ConnectionError)
        assert issubclass(tfhub.AbortedError, ConnectionError)
        assert issubclass(tfhub.DeadlineExceededError, OSError)
        for cls in (tfhub.NotFoundError, tfhub.InvalidArgumentError, tfhub.UnavailableError):
            assert issubclass(cls, tfhub.Error)
        e = tfhub.errors.from_status("internal", "boom")
        assert type(e) is tfhub.Error and e.code == "internal" and str(e) == "boom"


def test_gil_released_during_a_slow_download(slow_server, cache_dir):
    # ~1.5 MB paced over ~1.5 s; the server itself is a Python thread, so a
    # resolve holding the GIL could not even receive its body.
    body = model_archive_bytes("tfjs_times_two_int", padding=1_500_000)
    step = 100_000
    slow_server.chunks = [body[i:i + step] for i in range(0, len(body), step)]
    slow_server.pause = 0.1
    done = threading.Event()
    ticks = []

    def count():
        n = 0
        while not done.is_set():
            n += 1
            if n % 1000 == 0:
                ticks.append(n)

    counter = threading.Thread(target=count)
    counter.start()
    start = len(ticks)
    try:
        path = tfhub.resolve(slow_server.url)
    finally:
        done.set()
        counter.join()
    assert os.path.isfile(os.path.join(path, "assets", "padding.bin"))
    # The counter ran freely while resolve() waited on the network.
    assert len(ticks) - start > 100, "the other Python thread barely ran during resolve()"


def test_ctrl_c_cancels(slow_server, cache_dir):
    body = model_archive_bytes("tfjs_times_two_int", padding=1_000_000)
    slow_server.chunks = [body[:200_000], body[200_000:]]
    slow_server.stall = True  # the first chunk, then nothing

    def interrupt():
        if slow_server.first_bytes_sent.wait(30):
            os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Thread(target=interrupt)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            tfhub.resolve(slow_server.url)
    finally:
        slow_server.release()
        timer.join()
    leftovers = [n for n in os.listdir(cache_dir) if n.endswith((".tmp", ".lock"))]
    assert leftovers == []
    assert not os.path.exists(os.path.join(cache_dir, sha1(slow_server.url)))


def test_python_dash_m_runs_the_cli(tmp_path):
    out = subprocess.run([sys.executable, "-m", "tfhub", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and tfhub.__version__ in out.stdout
    out = subprocess.run([sys.executable, "-m", "tfhub", "resolve", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout == str(tmp_path) + "\n"
    out = subprocess.run([sys.executable, "-m", "tfhub", "resolve", str(tmp_path / "x")], capture_output=True,
                         text=True)
    assert out.returncode == 1 and "does not exist" in out.stderr
