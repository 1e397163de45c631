// tfhub._tfhub.load and the SavedModel it returns (python/tfhub/saved_model.py
// wraps it in the public tfhub.SavedModel).
//
// Variables become numpy arrays without a copy: the array's memory is the
// Tensor's own buffer (read once from the data file by ReadVariable()), kept
// alive by a capsule holding a copy of the Tensor (which shares the buffer),
// and marked read-only (the buffer is shared). DT_STRING tensors become
// object arrays of bytes. Types numpy has no equivalent of (DT_BFLOAT16, the
// quantized and float8 types) come as raw bytes: numpy.dtype(('V', size)).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "errors.h"
#include "options.h"
#include "tfhub/saved_model.h"

namespace py = pybind11;

namespace tfhub::python {

std::string ResolvePath(const std::string& handle, const ResolveOptions& options);

namespace {

// None for an unknown rank, else a tuple with None for unknown dimensions.
py::object ShapeToPython(const TensorShape& shape) {
  if (shape.unknown_rank) return py::none();
  py::tuple dims(shape.dims.size());
  for (size_t i = 0; i < shape.dims.size(); ++i) {
    dims[i] = shape.dims[i] < 0 ? py::object(py::none()) : py::object(py::int_(shape.dims[i]));
  }
  return dims;
}

py::object ShapeToPython(const std::optional<TensorShape>& shape) {
  return shape ? ShapeToPython(*shape) : py::object(py::none());
}

// numpy's name for a fixed-size dtype, or null.
const char* NumpyName(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat: return "float32";
    case DataType::kDouble: return "float64";
    case DataType::kInt32: return "int32";
    case DataType::kUint8: return "uint8";
    case DataType::kInt16: return "int16";
    case DataType::kInt8: return "int8";
    case DataType::kComplex64: return "complex64";
    case DataType::kInt64: return "int64";
    case DataType::kBool: return "bool";
    case DataType::kUint16: return "uint16";
    case DataType::kComplex128: return "complex128";
    case DataType::kHalf: return "float16";
    case DataType::kUint32: return "uint32";
    case DataType::kUint64: return "uint64";
    default: return nullptr;
  }
}

py::object TensorToNumpy(const Tensor& tensor) {
  std::vector<py::ssize_t> shape(tensor.shape().dims.begin(), tensor.shape().dims.end());
  py::module_ np = py::module_::import("numpy");
  if (tensor.dtype() == DataType::kString) {
    py::list items;
    for (const std::string& s : tensor.strings()) items.append(py::bytes(s));
    py::object flat = np.attr("array")(items, py::arg("dtype") = "object");
    if (py::len(items) == 0) flat = np.attr("empty")(0, py::arg("dtype") = "object");
    return flat.attr("reshape")(py::tuple(py::cast(shape)));
  }
  const size_t size = DataTypeSize(tensor.dtype());
  if (size == 0) {
    throw StatusError(UnimplementedError("tensors of type " + DataTypeName(tensor.dtype()) +
                                         " cannot be converted to numpy"));
  }
  const char* name = NumpyName(tensor.dtype());
  py::dtype dt = name != nullptr ? py::dtype(name)
                                 : py::dtype::from_args(py::make_tuple("V", py::int_(size)));
  static const std::byte kEmpty{};
  const std::byte* data = tensor.bytes().empty() ? &kEmpty : tensor.bytes().data();
  auto* owner = new Tensor(tensor);  // shares the buffer; freed with the array
  py::capsule base(owner, [](void* p) { delete static_cast<Tensor*>(p); });
  py::array array(dt, shape, std::vector<py::ssize_t>{}, data, base);
  py::detail::array_proxy(array.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return array;
}

py::dict TensorInfoToPython(const TensorInfo& info) {
  py::dict d;
  d["key"] = info.key;
  d["name"] = info.name;
  d["dtype"] = DataTypeName(info.dtype);
  d["shape"] = ShapeToPython(info.shape);
  return d;
}

}  // namespace

void DefineSavedModel(py::module_& m) {
  py::class_<SavedModel, std::shared_ptr<SavedModel>>(m, "_SavedModel")
      .def_property_readonly("path", &SavedModel::export_dir)
      .def_property_readonly("tags", &SavedModel::tags)
      .def_property_readonly("available_tag_sets", &SavedModel::available_tag_sets)
      .def_property_readonly("is_hub_module", &SavedModel::is_hub_module)
      .def_property_readonly("tensorflow_version", &SavedModel::tensorflow_version)
      .def("signatures",
           [](const SavedModel& model) {
             py::list out;
             for (const Signature& s : model.signatures()) {
               py::list inputs, outputs;
               for (const auto& t : s.inputs) inputs.append(TensorInfoToPython(t));
               for (const auto& t : s.outputs) outputs.append(TensorInfoToPython(t));
               out.append(py::make_tuple(s.name, s.method_name, inputs, outputs));
             }
             return out;
           })
      .def("variables",
           [](const SavedModel& model) {
             py::list out;
             for (const VariableInfo& v : model.variables()) {
               out.append(py::make_tuple(v.name, DataTypeName(v.dtype), ShapeToPython(v.shape), v.size_bytes));
             }
             return out;
           })
      .def("assets",
           [](const SavedModel& model) {
             py::list out;
             for (const Asset& a : model.assets()) out.append(py::make_tuple(a.filename, a.tensor_name, a.path));
             return out;
           })
      .def("read_variable", [](const SavedModel& model, const std::string& name) {
        std::optional<Result<Tensor>> tensor;
        {
          py::gil_scoped_release release;
          tensor.emplace(model.ReadVariable(name));
        }
        ThrowIfError(tensor->status());
        return TensorToNumpy(**tensor);
      });

  m.def(
      "load",
      [](const std::string& handle, std::optional<std::vector<std::string>> tags, std::optional<std::string> cache_dir,
         std::optional<std::string> load_format, std::optional<bool> offline, std::optional<std::string> sha256) {
        ResolveOptions options = BuildResolveOptions({cache_dir, load_format, offline, sha256});
        const std::string path = ResolvePath(handle, options);
        LoadOptions load_options;
        load_options.tags = std::move(tags);
        load_options.resolve_options = options;  // no callbacks: they stay with the resolve
        std::optional<Result<std::unique_ptr<SavedModel>>> model;
        {
          py::gil_scoped_release release;
          model.emplace(SavedModel::Open(path, load_options));
        }
        ThrowIfError(model->status());
        return std::shared_ptr<SavedModel>(std::move(*model).value());
      },
      py::arg("handle"), py::kw_only(), py::arg("tags") = py::none(), py::arg("cache_dir") = py::none(),
      py::arg("load_format") = py::none(), py::arg("offline") = py::none(), py::arg("sha256") = py::none());
}

}  // namespace tfhub::python
