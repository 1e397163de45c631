"""One timed run for bench/python_resolve_bench.sh (not meant to be run alone).

  python3 bench/python_resolve_bench.py tfhub URL OUT_DIR
      tfhub.resolve(URL, cache_dir=OUT_DIR)
  python3 bench/python_resolve_bench.py cli URL OUT_DIR TFHUB_BINARY
      the CLI, `tfhub resolve --quiet URL` with TFHUB_CACHE_DIR=OUT_DIR (its
      process start included): what the Python binding costs on top
  python3 bench/python_resolve_bench.py reference URL OUT_DIR
      what tensorflow_hub's resolver does: urllib stream into tarfile 'r|*',
      each regular file copied out with shutil.copyfileobj
Prints "seconds=S files=N bytes=B peak_rss_kib=K": S covers the call only
(the interpreter's start and imports excluded).
"""

import os
import resource
import shutil
import sys
import tarfile
import time
import urllib.request


def reference(url, out_dir):
    """tensorflow_hub's DownloadManager.download_and_uncompress, minus logging."""
    with urllib.request.urlopen(url) as response:
        with tarfile.open(mode="r|*", fileobj=response) as tgz:
            for tarinfo in tgz:
                abs_target_path = os.path.join(out_dir, tarinfo.name)
                if tarinfo.isfile():
                    os.makedirs(os.path.dirname(abs_target_path), exist_ok=True)
                    src = tgz.extractfile(tarinfo)
                    with open(abs_target_path, "wb") as dest:
                        shutil.copyfileobj(src, dest, 1024 * 1024)
                elif tarinfo.isdir():
                    os.makedirs(abs_target_path, exist_ok=True)
    return out_dir


def main():
    mode, url, out_dir = sys.argv[1:4]  # (cli: sys.argv[4] is the binary)
    if mode == "tfhub":
        import tfhub  # pylint: disable=import-outside-toplevel
        start = time.perf_counter()
        path = tfhub.resolve(url, cache_dir=out_dir)
    elif mode == "cli":
        import subprocess  # pylint: disable=import-outside-toplevel
        env = dict(os.environ, TFHUB_CACHE_DIR=out_dir)
        start = time.perf_counter()
        path = subprocess.run([sys.argv[4], "resolve", "--quiet", url], env=env, check=True,
                              stdout=subprocess.PIPE, text=True).stdout.strip()
    else:
        os.makedirs(out_dir, exist_ok=True)
        start = time.perf_counter()
        path = reference(url, os.path.join(out_dir, "module"))
    seconds = time.perf_counter() - start
    files = total = 0
    for root, _, names in os.walk(path):
        for n in names:
            files += 1
            total += os.path.getsize(os.path.join(root, n))
    who = resource.RUSAGE_CHILDREN if mode == "cli" else resource.RUSAGE_SELF
    rss = resource.getrusage(who).ru_maxrss
    print("seconds=%.3f files=%d bytes=%d peak_rss_kib=%d" % (seconds, files, total, rss))


if __name__ == "__main__":
    main()
