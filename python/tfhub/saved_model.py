"""tfhub.SavedModel: a TensorFlow SavedModel read without TensorFlow.

Opening reads saved_model.pb and variables/variables.index only; a variable's
bytes are read when ``model.variables[name]`` is looked up, straight into the
buffer the returned (read-only) numpy array uses — no second copy.
"""

import collections.abc
import dataclasses
import typing

__all__ = ["SavedModel", "Signature", "TensorSpec", "Asset"]


@dataclasses.dataclass(frozen=True)
class TensorSpec:
    """One input or output of a signature.

    dtype: TensorFlow's name ("DT_FLOAT", ...). shape: a tuple with None for
    unknown dimensions, or None when the rank is unknown or not recorded.
    name: the graph tensor ("x:0"), may be empty.
    """
    dtype: str
    shape: typing.Optional[tuple]
    name: str = ""


@dataclasses.dataclass(frozen=True)
class Signature:
    name: str
    method_name: str
    inputs: typing.Dict[str, TensorSpec]
    outputs: typing.Dict[str, TensorSpec]


@dataclasses.dataclass(frozen=True)
class Asset:
    filename: str
    tensor_name: str
    path: str


def _specs(infos):
    return {i["key"]: TensorSpec(dtype=i["dtype"], shape=i["shape"], name=i["name"]) for i in infos}


class Variables(collections.abc.Mapping):
    """name -> numpy.ndarray, read from the checkpoint on each lookup.

    ``dtypes`` and ``shapes`` give the checkpoint's declarations without
    reading any tensor data.
    """

    def __init__(self, native):
        self._native = native
        infos = native.variables()
        self._names = [name for name, _, _, _ in infos]
        self.dtypes = {name: dtype for name, dtype, _, _ in infos}
        self.shapes = {name: shape for name, _, shape, _ in infos}
        self.sizes = {name: size for name, _, _, size in infos}

    def __getitem__(self, name):
        if name not in self.dtypes:
            raise KeyError(name)
        return self._native.read_variable(name)

    def __iter__(self):
        return iter(self._names)

    def __len__(self):
        return len(self._names)

    def __contains__(self, name):
        return name in self.dtypes

    def __repr__(self):
        return "Variables(%r)" % (self._names,)


class SavedModel:
    """What tfhub.load() returns.

    path: the model's directory; tags: the loaded MetaGraphDef's tags;
    signatures: name -> Signature; variables: a lazy Variables mapping;
    assets: filename -> Asset.
    """

    def __init__(self, native):
        self._native = native
        self.path = native.path
        self.tags = list(native.tags)
        self.is_hub_module = native.is_hub_module
        self.tensorflow_version = native.tensorflow_version
        self.signatures = {
            name: Signature(name=name, method_name=method, inputs=_specs(inputs), outputs=_specs(outputs))
            for name, method, inputs, outputs in native.signatures()
        }
        self.variables = Variables(native)
        self.assets = {f: Asset(filename=f, tensor_name=t, path=p) for f, t, p in native.assets()}

    def __repr__(self):
        return "SavedModel(path=%r, tags=%r, signatures=%r)" % (self.path, self.tags, sorted(self.signatures))
