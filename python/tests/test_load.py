"""tfhub.load(): the bundled SavedModels read as testdata/savedmodels/README.md
describes them, and a 1 GiB variable read into numpy without a second copy."""

import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tfhub
from conftest import model_names, require, data_dir


def _shape(text):
    if text == "unknown_rank":
        return None
    inner = text.strip("[]")
    return tuple(None if d == "-1" else int(d) for d in inner.split(",")) if inner else ()


def readme_facts():
    """{model: {"variables": {key: (dtype, shape, value)}, "signatures": {...}, "assets": [...]}}."""
    with open(os.path.join(data_dir(), "savedmodels", "README.md")) as f:
        text = f.read()
    facts = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        m = re.match(r"`([^`]+)`", section)
        if not m:
            continue
        model = {"variables": {}, "signatures": {}, "assets": []}
        for row in re.finditer(r"^\| `([^`]*)` \| (DT_\w+) \| (\[[^\]]*\]) \| \d+ \| \d+ \| 0x[0-9a-f]+ \| ([^|]*) \|$",
                               section, flags=re.M):
            key, dtype, shape, value = row.groups()
            model["variables"][key] = (dtype, _shape(shape), value.strip())
        for sig in re.finditer(r"^    - `([^`]+)` method_name=\"([^\"]*)\" \| inputs: (.*) \| outputs: (.*)$",
                               section, flags=re.M):
            name, method, inputs, outputs = sig.groups()

            def specs(s):
                if s == "(none)":
                    return {}
                out = {}
                for part in s.split("; "):
                    pm = re.match(r"`([^`]+)`: `([^`]*)` (DT_\w+) (.+)$", part)
                    out[pm.group(1)] = (pm.group(3), _shape(pm.group(4)), pm.group(2))
                return out
            model["signatures"][name] = (method, specs(inputs), specs(outputs))
        am = re.search(r"^- assets: assets/(\S+) =", section, flags=re.M)
        if am:
            model["assets"].append(am.group(1))
        facts[m.group(1)] = model
    return facts


@pytest.mark.parametrize("name", model_names())
def test_bundled_savedmodel_matches_readme(name):
    facts = readme_facts()[name]
    path = os.path.join(data_dir(), "savedmodels", name)
    model = tfhub.load(path)
    assert model.path == path
    assert isinstance(model.tags, list)
    # Signatures: names, methods, inputs and outputs with dtype and shape.
    assert set(model.signatures) == set(facts["signatures"])
    for sig_name, (method, inputs, outputs) in facts["signatures"].items():
        sig = model.signatures[sig_name]
        assert sig.method_name == method
        for got, want in ((sig.inputs, inputs), (sig.outputs, outputs)):
            assert {k: (v.dtype, v.shape, v.name) for k, v in got.items()} == want
    # Variables: every key, dtype and shape; the listed values.
    assert set(model.variables) == set(facts["variables"])
    assert len(facts["variables"]) > 0
    for key, (dtype, shape, value) in facts["variables"].items():
        assert model.variables.dtypes[key] == dtype
        array = model.variables[key]
        assert array.shape == shape
        if dtype == "DT_STRING":
            assert array.dtype == object
            m = re.match(r"(\d+) strings? of (\d+) bytes", value)
            assert m, value
            assert array.size == int(m.group(1))
            assert all(isinstance(b, bytes) for b in array.flat)
            assert len(array.flat[0]) == int(m.group(2))
            continue
        assert array.dtype == {"DT_FLOAT": np.float32, "DT_INT64": np.int64, "DT_INT32": np.int32}[dtype]
        assert not array.flags.writeable  # shares tfhub's buffer
        assert array.flat[0] == array.dtype.type(value.split()[0])
    # Assets.
    assert sorted(model.assets) == facts["assets"]
    for asset in model.assets.values():
        assert asset.path == os.path.join(path, "assets", asset.filename)
        assert os.path.isfile(asset.path)


def test_load_a_handle_through_the_cache(nginx, cache_dir):
    model = tfhub.load(nginx.url("/models/tf1_half_plus_two_cpu.tar.gz"))
    assert model.path.startswith(cache_dir)
    assert model.tags == ["serve"]
    assert float(model.variables["c2"]) == 3.0
    assert model.signatures["serving_default"].inputs["x"] == tfhub.TensorSpec("DT_FLOAT", (None, 1), "x:0")
    assert model.assets["foo.txt"].tensor_name == "Const:0"


def test_load_errors(tmp_path):
    with pytest.raises(ValueError) as e:
        tfhub.load(str(tmp_path))  # a directory, not a SavedModel
    assert "saved_model.pb" in str(e.value)
    model = tfhub.load(os.path.join(data_dir(), "savedmodels", "tfjs_times_two_int"))
    with pytest.raises(KeyError):
        model.variables["nope"]
    with pytest.raises(FileNotFoundError):
        tfhub.load(os.path.join(data_dir(), "savedmodels", "tfjs_times_two_int"), tags=["gpu"])


CHILD = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import tfhub
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    model = tfhub.load(sys.argv[1])
    array = model.variables["embeddings/word_embeddings"]
    assert array.dtype == np.float32 and array.nbytes == 1 << 30, (array.dtype, array.shape)
    assert not array.flags.owndata and not array.flags.writeable
    touched = float(array[::4096].sum())  # reads across the whole buffer
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(before, after, touched)
""")


def test_one_gib_variable_without_a_second_copy(tmp_path):
    generator = os.environ.get("TFHUB_SAVEDMODEL_BENCH", "")
    require(os.access(generator, os.X_OK), "TFHUB_SAVEDMODEL_BENCH (tfhub_savedmodel_bench)")
    model_dir = tmp_path / "big"
    subprocess.run([generator, "generate", str(model_dir), "--mib", "1024", "--single"], check=True,
                   stdout=subprocess.DEVNULL)
    out = subprocess.run([sys.executable, "-c", CHILD, str(model_dir)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    before_kib, after_kib, _ = out.stdout.split()
    grown_mib = (int(after_kib) - int(before_kib)) / 1024
    print("peak RSS grew by %.0f MiB for a 1024 MiB tensor" % grown_mib)
    assert 0.9 * 1024 <= grown_mib < 1.2 * 1024, grown_mib  # about 1x the tensor, not 2x
