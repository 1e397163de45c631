// The value types of tfhub/saved_model.h: DataType names and sizes,
// TensorShape, Tensor (and savedmodel::TensorFactory, which makes Tensors).
#include <array>
#include <limits>

#include "savedmodel/shape.h"
#include "savedmodel/tensor_factory.h"
#include "tfhub/saved_model.h"

namespace tfhub {

namespace {

struct TypeDesc {
  const char* name;
  size_t size;
};

// Indexed by enum value 0..33 (docs/savedmodel_format.md §6).
constexpr std::array<TypeDesc, 34> kTypes = {{
    {"DT_INVALID", 0},   {"DT_FLOAT", 4},          {"DT_DOUBLE", 8},
    {"DT_INT32", 4},     {"DT_UINT8", 1},          {"DT_INT16", 2},
    {"DT_INT8", 1},      {"DT_STRING", 0},         {"DT_COMPLEX64", 8},
    {"DT_INT64", 8},     {"DT_BOOL", 1},           {"DT_QINT8", 1},
    {"DT_QUINT8", 1},    {"DT_QINT32", 4},         {"DT_BFLOAT16", 2},
    {"DT_QINT16", 2},    {"DT_QUINT16", 2},        {"DT_UINT16", 2},
    {"DT_COMPLEX128", 16}, {"DT_HALF", 2},         {"DT_RESOURCE", 0},
    {"DT_VARIANT", 0},   {"DT_UINT32", 4},         {"DT_UINT64", 8},
    {"DT_FLOAT8_E5M2", 1}, {"DT_FLOAT8_E4M3FN", 1}, {"DT_FLOAT8_E4M3FNUZ", 1},
    {"DT_FLOAT8_E4M3B11FNUZ", 1}, {"DT_FLOAT8_E5M2FNUZ", 1}, {"DT_INT4", 1},
    {"DT_UINT4", 1},     {"DT_INT2", 1},           {"DT_UINT2", 1},
    {"DT_FLOAT4_E2M1FN", 1},
}};

constexpr int kRefOffset = 100;

}  // namespace

std::string DataTypeName(DataType dtype) {
  const int v = static_cast<int>(dtype);
  if (v >= 0 && static_cast<size_t>(v) < kTypes.size()) return kTypes[static_cast<size_t>(v)].name;
  if (v > kRefOffset && static_cast<size_t>(v - kRefOffset) < kTypes.size()) {
    return std::string(kTypes[static_cast<size_t>(v - kRefOffset)].name) + "_REF";
  }
  return "DT_" + std::to_string(v);
}

size_t DataTypeSize(DataType dtype) {
  const int v = static_cast<int>(dtype);
  if (v >= 0 && static_cast<size_t>(v) < kTypes.size()) return kTypes[static_cast<size_t>(v)].size;
  return 0;
}

int64_t TensorShape::num_elements() const {
  if (unknown_rank) return -1;
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

std::string TensorShape::ToString() const {
  if (unknown_rank) return "unknown_rank";
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(dims[i]);
  }
  return out + "]";
}

Result<std::span<const std::byte>> Tensor::Typed(DataType want, size_t size) const {
  if (dtype_ != want) {
    return InvalidArgumentError("tensor has dtype " + DataTypeName(dtype_) + ", not " +
                                DataTypeName(want));
  }
  auto b = bytes();
  if (b.size() % size != 0) return InternalError("tensor byte size is not a multiple of its element size");
  return b;
}

std::span<const std::byte> Tensor::bytes() const {
  if (!bytes_) return {};
  return {bytes_.get(), byte_size_};
}

const std::vector<std::string>& Tensor::strings() const {
  static const std::vector<std::string> kEmpty;
  return strings_ ? *strings_ : kEmpty;
}

namespace savedmodel {

Tensor TensorFactory::FromBytes(DataType dtype, TensorShape shape, int64_t num_elements,
                                std::shared_ptr<const std::byte[]> bytes, size_t byte_size) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.num_elements_ = num_elements;
  t.bytes_ = std::move(bytes);
  t.byte_size_ = byte_size;
  return t;
}

Tensor TensorFactory::FromStrings(TensorShape shape,
                                  std::shared_ptr<const std::vector<std::string>> strings) {
  Tensor t;
  t.dtype_ = DataType::kString;
  t.shape_ = std::move(shape);
  t.num_elements_ = static_cast<int64_t>(strings->size());
  t.strings_ = std::move(strings);
  return t;
}

TensorShape ShapeFromProto(const tf::TensorShapeProto& proto) {
  TensorShape shape;
  shape.unknown_rank = proto.unknown_rank();
  if (!shape.unknown_rank) {
    shape.dims.reserve(static_cast<size_t>(proto.dim_size()));
    for (const auto& d : proto.dim()) shape.dims.push_back(d.size());
  }
  return shape;
}

}  // namespace savedmodel
}  // namespace tfhub
