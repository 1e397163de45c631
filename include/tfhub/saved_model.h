// tfhub::load and tfhub::SavedModel — read a TensorFlow SavedModel (its
// signatures, variables and assets) without TensorFlow.
//
// A SavedModel directory holds saved_model.pb (or saved_model.pbtxt), a
// checkpoint under variables/ (variables.index + variables.data-SSSSS-of-NNNNN)
// and optional assets/. Opening a model reads saved_model.pb and
// variables/variables.index only; each ReadVariable() then fetches exactly its
// tensor's byte range from its data shard, so a model on a remote filesystem
// costs only the bytes used.
//
// Errors (never throws): InvalidArgument (not a SavedModel: "'<dir>' contains
// neither 'saved_model.pb' nor 'saved_model.pbtxt'"), NotFound (no
// MetaGraphDef with the requested tags — the message lists the available tag
// sets; unknown variable; missing data shard), DataLoss (unparsable or
// truncated files, checksum mismatches — the message names the file and the
// tensor), Unimplemented (partitioned variables, DT_VARIANT/DT_RESOURCE
// tensors), FailedPrecondition (a checkpoint written for a newer reader;
// libisal, which computes CRC32C, missing when a checksum is checked), plus
// the errors of tfhub::resolve and of the filesystem.
//
// The on-disk facts this relies on are described in docs/savedmodel_format.md
// of tfhub's source tree.
//
// Ownership: Open() and load() return a SavedModel the caller owns. The
// references and pointers its accessors return (signatures(), signature(),
// variables(), ...) are valid while it lives. A Tensor owns (shares) its
// data and stays valid after the SavedModel is gone; the spans of values()
// and bytes() are valid while a Tensor holding that data lives. The
// SavedModel keeps LoadOptions::file_system alive (shared_ptr).
//
// Thread safety: a SavedModel is immutable after Open(); all const methods,
// ReadVariable() included, may be called concurrently. Open() and load() may
// be called concurrently (load() resolves as tfhub::resolve does). A Tensor
// is immutable; copies may be used from different threads.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tfhub/file_system.h"
#include "tfhub/options.h"
#include "tfhub/result.h"

namespace tfhub {

// TensorFlow's DataType enum values (types.proto). Values not listed here
// (newer TF) are carried through as they are; DataTypeName() shows them as
// "DT_<number>".
enum class DataType : int {
  kInvalid = 0,
  kFloat = 1,
  kDouble = 2,
  kInt32 = 3,
  kUint8 = 4,
  kInt16 = 5,
  kInt8 = 6,
  kString = 7,
  kComplex64 = 8,
  kInt64 = 9,
  kBool = 10,
  kQint8 = 11,
  kQuint8 = 12,
  kQint32 = 13,
  kBfloat16 = 14,
  kQint16 = 15,
  kQuint16 = 16,
  kUint16 = 17,
  kComplex128 = 18,
  kHalf = 19,
  kResource = 20,
  kVariant = 21,
  kUint32 = 22,
  kUint64 = 23,
  // 24..33: float8/int4/int2/float4 types, one byte per element.
  // 101..133: "_REF" types (base + 100), seen only in TF1 signatures.
};

// "DT_FLOAT", "DT_FLOAT_REF", ...; "DT_<n>" for values this version does not know.
std::string DataTypeName(DataType dtype);

// Bytes per element in a checkpoint; 0 for variable-size (DT_STRING,
// DT_VARIANT), unknown and reference types.
size_t DataTypeSize(DataType dtype);

// A tensor shape as a signature or checkpoint declares it.
struct TensorShape {
  bool unknown_rank = false;
  std::vector<int64_t> dims;  // outermost first; -1 = unknown dimension

  // Elements in the tensor; -1 if the rank or any dimension is unknown.
  int64_t num_elements() const;
  // "[]" (scalar), "[-1,1]", or "unknown_rank".
  std::string ToString() const;
  bool operator==(const TensorShape&) const = default;
};

// One input or output of a signature.
struct TensorInfo {
  enum class Encoding { kName, kCooSparse, kCompositeTensor, kNone };
  std::string key;   // the signature's key for it, e.g. "x"
  Encoding encoding = Encoding::kName;
  std::string name;  // "op:index" (kName), the values tensor (kCooSparse), or ""
  DataType dtype = DataType::kInvalid;
  std::optional<TensorShape> shape;  // absent when the SignatureDef has none
};

struct Signature {
  std::string name;         // e.g. "serving_default", "__saved_model_init_op"
  std::string method_name;  // e.g. "tensorflow/serving/predict"; may be empty
  std::vector<TensorInfo> inputs;   // sorted by key
  std::vector<TensorInfo> outputs;  // sorted by key
};

// One tensor of the checkpoint (a variable value, or TF2's
// "_CHECKPOINTABLE_OBJECT_GRAPH").
struct VariableInfo {
  std::string name;  // checkpoint key, e.g. "a" (TF1), "a/.ATTRIBUTES/VARIABLE_VALUE" (TF2)
  DataType dtype = DataType::kInvalid;
  TensorShape shape;
  uint64_t size_bytes = 0;  // bytes in the data file
  int shard = 0;
  uint64_t offset = 0;          // in the shard file
  uint32_t masked_crc32c = 0;   // as stored in the index
  bool partitioned = false;     // has slices: ReadVariable() says Unimplemented
};

struct Asset {
  std::string filename;     // bare name inside assets/
  std::string tensor_name;  // the graph tensor that receives its path
  std::string path;         // <export_dir>/assets/<filename>
};

namespace savedmodel {
class TensorFactory;  // the checkpoint reader's (private) way to make tensors
}  // namespace savedmodel

// A tensor value read from the checkpoint. Cheap to copy (shares its data).
// Only the reader makes non-empty tensors (SavedModel::ReadVariable()); a
// default-constructed Tensor is DT_INVALID with no elements.
class Tensor {
 public:
  Tensor() = default;

  DataType dtype() const { return dtype_; }
  const TensorShape& shape() const { return shape_; }
  int64_t num_elements() const { return num_elements_; }

  // The elements as T, row-major. InvalidArgument if T does not match
  // dtype() (float, double, int8..int64, uint8..uint64, bool,
  // std::complex<float>, std::complex<double>).
  template <typename T>
  Result<std::span<const T>> values() const;

  // The raw little-endian element bytes of a numeric tensor (any dtype with
  // DataTypeSize() > 0, e.g. DT_HALF, DT_BFLOAT16); empty for strings.
  std::span<const std::byte> bytes() const;

  // The elements of a DT_STRING tensor (empty for other dtypes).
  const std::vector<std::string>& strings() const;

 private:
  friend class savedmodel::TensorFactory;

  Result<std::span<const std::byte>> Typed(DataType want, size_t size) const;

  DataType dtype_ = DataType::kInvalid;
  TensorShape shape_;
  int64_t num_elements_ = 0;
  std::shared_ptr<const std::byte[]> bytes_;  // from new[]: aligned for every element type
  size_t byte_size_ = 0;
  std::shared_ptr<const std::vector<std::string>> strings_;
};

struct LoadOptions {
  // The MetaGraphDef to load, compared as a set. Unset: the empty set for a
  // TF1 Hub module (tfhub_module.pb present, as Python's hub.load), else the
  // only MetaGraphDef if there is one, else {"serve"}.
  std::optional<std::vector<std::string>> tags;

  // Every read goes through this filesystem (Python's experimental_io_device
  // counterpart). Null: the built-in backend of the path's scheme,
  // configured by `resolve_options` (io::MakeFileSystemRegistry()). The
  // SavedModel shares ownership of it, and reads through it from several
  // threads when ReadVariable() is called concurrently or read_all_variables
  // uses more than one thread.
  std::shared_ptr<io::FileSystem> file_system;

  // Check each tensor's CRC32C when it is read. (The checksums of the
  // index's blocks are always checked.)
  bool verify_checksums = true;

  // Read every variable during Open() (in `num_threads` threads) and keep
  // the values, so later ReadVariable() calls do no I/O. Errors surface from
  // Open(): the first failing variable in name order. num_threads < 1
  // counts as 1.
  bool read_all_variables = false;
  int num_threads = 4;

  // How the handle is resolved (load()) and the built-in backends are
  // configured (TLS, retries, Cloud Storage credentials). Unset: from the
  // environment (OptionsFromEnvironment()), as tfhub::resolve(handle).
  std::optional<ResolveOptions> resolve_options;
};

class SavedModel {
 public:
  // Opens the SavedModel in directory `export_dir` (a local path or a URI of
  // a registered filesystem). Reads saved_model.pb[txt], tfhub_module.pb's
  // existence and variables/variables.index; no tensor data.
  static Result<std::unique_ptr<SavedModel>> Open(const std::string& export_dir,
                                                  const LoadOptions& options = {});

  ~SavedModel();
  SavedModel(const SavedModel&) = delete;
  SavedModel& operator=(const SavedModel&) = delete;

  const std::string& export_dir() const;
  // True for the TF1 Hub format (tfhub_module.pb present).
  bool is_hub_module() const;
  int64_t schema_version() const;
  // Tags of the chosen MetaGraphDef, and those of every MetaGraphDef.
  const std::vector<std::string>& tags() const;
  const std::vector<std::vector<std::string>>& available_tag_sets() const;
  const std::string& tensorflow_version() const;

  const std::vector<Signature>& signatures() const;  // sorted by name
  const Signature* signature(std::string_view name) const;  // null if absent

  const std::vector<VariableInfo>& variables() const;  // sorted by name
  const VariableInfo* variable(std::string_view name) const;  // null if absent

  const std::vector<Asset>& assets() const;  // sorted by filename

  // Reads (or returns the preloaded) value of variable `name`. NotFound for
  // an unknown name; DataLoss "checksum mismatch" naming shard file and
  // tensor; Unimplemented for partitioned or DT_VARIANT tensors.
  Result<Tensor> ReadVariable(std::string_view name) const;

 private:
  struct Impl;
  explicit SavedModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Python's hub.load(handle, options) without TensorFlow: resolve(handle),
// then SavedModel::Open(path, options).
Result<std::unique_ptr<SavedModel>> load(std::string_view handle, const LoadOptions& options = {});

// ---- implementation details ----

namespace internal {
template <typename T> struct DataTypeOf;
template <> struct DataTypeOf<float> { static constexpr DataType value = DataType::kFloat; };
template <> struct DataTypeOf<double> { static constexpr DataType value = DataType::kDouble; };
template <> struct DataTypeOf<int32_t> { static constexpr DataType value = DataType::kInt32; };
template <> struct DataTypeOf<uint8_t> { static constexpr DataType value = DataType::kUint8; };
template <> struct DataTypeOf<int16_t> { static constexpr DataType value = DataType::kInt16; };
template <> struct DataTypeOf<int8_t> { static constexpr DataType value = DataType::kInt8; };
template <> struct DataTypeOf<std::complex<float>> { static constexpr DataType value = DataType::kComplex64; };
template <> struct DataTypeOf<int64_t> { static constexpr DataType value = DataType::kInt64; };
template <> struct DataTypeOf<bool> { static constexpr DataType value = DataType::kBool; };
template <> struct DataTypeOf<uint16_t> { static constexpr DataType value = DataType::kUint16; };
template <> struct DataTypeOf<std::complex<double>> { static constexpr DataType value = DataType::kComplex128; };
template <> struct DataTypeOf<uint32_t> { static constexpr DataType value = DataType::kUint32; };
template <> struct DataTypeOf<uint64_t> { static constexpr DataType value = DataType::kUint64; };
}  // namespace internal

template <typename T>
Result<std::span<const T>> Tensor::values() const {
  static_assert(sizeof(T) > 0, "unsupported element type");
  auto raw = Typed(internal::DataTypeOf<T>::value, sizeof(T));
  if (!raw.ok()) return raw.status();
  // The buffer comes from operator new (suitably aligned for any T here).
  return std::span<const T>(reinterpret_cast<const T*>(raw->data()), raw->size() / sizeof(T));
}

}  // namespace tfhub
