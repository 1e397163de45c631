"""Fixtures for tfhub's pytest suite (run by ctest as python_tests).

Environment (ctest sets it, python/CMakeLists.txt):
  PYTHONPATH               <build>/python: the package under test
  TFHUB_TESTDATA_DIR       testdata/ of the source tree (bundled SavedModels)
  TFHUB_SAVEDMODEL_BENCH   the big-SavedModel generator (bench/savedmodel_bench.cc)
  TFHUB_CLI                the tfhub binary
  NGINX_BIN                nginx (default /usr/sbin/nginx)
Something missing is a skip on a developer's machine and a failure when
CI=true: CI must run every test.

Servers: `nginx` serves the bundled SavedModels as .tar.gz archives
(models/<name>.tar.gz), a page that is no archive (bad/page.tar.gz) and a
403 (forbidden/...). `slow_server` is a small Python HTTP server for what
nginx cannot do: a body paced or stalled on purpose, and an event set once
the first bytes are out.
"""

import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "stubs"))  # the stand-in tensorflow_hub


def require(condition, what):
    """Skips (fails under CI=true) unless `condition`."""
    if condition:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("needed in CI: " + what)
    pytest.skip("not available: " + what)


def data_dir():
    d = os.environ.get("TFHUB_TESTDATA_DIR", os.path.join(HERE, "..", "..", "testdata"))
    require(os.path.isdir(os.path.join(d, "savedmodels")), "TFHUB_TESTDATA_DIR with savedmodels/")
    return os.path.abspath(d)


def model_names():
    d = os.path.join(os.environ.get("TFHUB_TESTDATA_DIR", os.path.join(HERE, "..", "..", "testdata")),
                     "savedmodels")
    return sorted(n for n in os.listdir(d) if "." not in n) if os.path.isdir(d) else []


def sha1(handle):
    return hashlib.sha1(handle.encode("utf-8")).hexdigest()


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty cache dir, also TFHUB_CACHE_DIR; the other tfhub variables unset."""
    for var in ("TFHUB_CACHE_DIR", "TFHUB_MODEL_LOAD_FORMAT", "TFHUB_OFFLINE", "TFHUB_DOWNLOAD_PROGRESS"):
        monkeypatch.delenv(var, raising=False)
    d = tmp_path / "cache"
    d.mkdir()
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(d))
    return str(d)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port, proc, deadline):
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)  # polling a port that is not up yet
    return False


class Nginx:
    def __init__(self, root, work):
        self.root, self.work = root, work
        self.proc = None
        self.port = None

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def start(self):
        binary = os.environ.get("NGINX_BIN", "/usr/sbin/nginx")
        if not os.access(binary, os.X_OK):
            binary = shutil.which("nginx") or binary
        require(os.access(binary, os.X_OK), "nginx (NGINX_BIN or /usr/sbin/nginx)")
        for _ in range(5):
            self.port = _free_port()
            conf = os.path.join(self.work, "nginx.conf")
            user = "user root root;" if os.getuid() == 0 else ""
            with open(conf, "w") as f:
                f.write("""%(user)s
daemon off; master_process off; worker_processes 1;
pid %(w)s/nginx.pid; error_log %(w)s/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path %(w)s/body; proxy_temp_path %(w)s/proxy; fastcgi_temp_path %(w)s/fastcgi;
  uwsgi_temp_path %(w)s/uwsgi; scgi_temp_path %(w)s/scgi;
  default_type application/octet-stream; sendfile on;
  server {
    listen 127.0.0.1:%(port)d;
    root %(root)s;
    location /forbidden/ { return 403; }
  }
}
""" % {"user": user, "w": self.work, "port": self.port, "root": self.root})
            self.proc = subprocess.Popen([binary, "-c", conf, "-p", self.work, "-e", os.path.join(self.work, "error.log")], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
            if _wait_for_port(self.port, self.proc, time.monotonic() + 10):
                return self
            self.stop()
        with open(os.path.join(self.work, "error.log")) as f:
            raise RuntimeError("nginx did not start: " + f.read())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def nginx(tmp_path_factory):
    """nginx serving models/<name>.tar.gz for every bundled SavedModel."""
    root = tmp_path_factory.mktemp("www")
    work = tmp_path_factory.mktemp("nginx")
    models = os.path.join(data_dir(), "savedmodels")
    os.makedirs(root / "models")
    for name in model_names():
        with tarfile.open(root / "models" / (name + ".tar.gz"), "w:gz") as tar:
            for entry in sorted(os.listdir(os.path.join(models, name))):
                tar.add(os.path.join(models, name, entry), arcname=entry)
    os.makedirs(root / "bad")
    (root / "bad" / "page.tar.gz").write_text("<!doctype html><html><body>Not a model</body></html>\n")
    server = Nginx(str(root), str(work)).start()
    yield server
    server.stop()


class SlowServer:
    """Serves one body at /model.tar.gz: `chunks` (bytes) sent `pause` s apart;
    with stall=True, after the first chunk it sends nothing more until
    release() (or the client leaves). first_bytes_sent is set once the first
    chunk is out."""

    def __init__(self):
        self.chunks = []
        self.pause = 0.0
        self.stall = False
        self.first_bytes_sent = threading.Event()
        self.released = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 (http.server's naming)
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(sum(len(c) for c in outer.chunks)))
                self.end_headers()
                try:
                    for i, chunk in enumerate(outer.chunks):
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        if i == 0:
                            outer.first_bytes_sent.set()
                            if outer.stall:
                                outer.released.wait(60)
                                return
                        time.sleep(outer.pause)  # pacing the body, not synchronisation
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/model.tar.gz" % self.httpd.server_address[1]

    def release(self):
        self.released.set()

    def close(self):
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def slow_server():
    server = SlowServer()
    yield server
    server.close()


def model_archive_bytes(name, padding=0):
    """A .tar.gz of bundled model `name`, plus an incompressible padding file
    of `padding` bytes (to make a body worth pacing)."""
    import io  # pylint: disable=import-outside-toplevel
    buf = io.BytesIO()
    models = os.path.join(data_dir(), "savedmodels")
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for entry in sorted(os.listdir(os.path.join(models, name))):
            tar.add(os.path.join(models, name, entry), arcname=entry)
        if padding:
            info = tarfile.TarInfo("assets/padding.bin")
            info.size = padding
            tar.addfile(info, io.BytesIO(os.urandom(padding)))
    return buf.getvalue()
