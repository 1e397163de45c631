// libFuzzer target: tfhub::SavedModel::Open and ReadVariable over an
// in-memory filesystem (saved_model.pb or .pbtxt, tfhub_module.pb,
// variables/variables.index and its data shard).
//
// Input layout: [flags: 1 byte][u32 LE n][n bytes: saved_model.pb]
//               [u32 LE m][m bytes: variables.index][rest: data shard]
// flags bit 0: the model file is saved_model.pbtxt (text format) instead;
//       bit 1: a tfhub_module.pb exists (TF1 Hub format: empty tag set);
//       bit 2: read_all_variables (2 threads);
//       bit 3: ask for tags {"serve"} explicitly;
//       bit 4: no variables/ at all (index and data ignored).
// A missing section means a missing file.
//
// Invariants: never crashes; an opened model is self-consistent
// (signature()/variable() find what signatures()/variables() list, lists
// sorted, assets under <dir>/assets/), and ReadVariable agrees with the
// variable's metadata.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include "fuzz_support.h"
#include "tfhub/saved_model.h"

namespace {
using namespace tfhub;
}  // namespace

// protobuf logs every string field with invalid UTF-8 it meets: far too much.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!fuzz::Verbose()) google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string_view model, index;
  const bool have_model = fuzz::NextSection(&in, &model);
  const bool have_index = fuzz::NextSection(&in, &index);
  const std::string_view shard = in;

  auto fs = std::make_shared<io::MemoryFileSystem>();
  const std::string dir = "/m";
  if (have_model) fuzz::AddFile(*fs, dir + ((flags & 1) ? "/saved_model.pbtxt" : "/saved_model.pb"), model);
  if (flags & 2) fuzz::AddFile(*fs, dir + "/tfhub_module.pb", "");
  if (have_index && !(flags & 16)) {
    fuzz::AddFile(*fs, dir + "/variables/variables.index", index);
    fuzz::AddFile(*fs, dir + "/variables/variables.data-00000-of-00001", shard);
    fuzz::AddFile(*fs, dir + "/variables/variables.data-00000-of-00002", shard);
    fuzz::AddFile(*fs, dir + "/variables/variables.data-00001-of-00002", shard);
  }

  LoadOptions options;
  options.file_system = fs;
  options.read_all_variables = (flags & 4) != 0;
  options.num_threads = 2;
  if (flags & 8) options.tags = std::vector<std::string>{"serve"};
  auto opened = SavedModel::Open(dir, options);
  fuzz::Log(opened.ok() ? "open ok: " + std::to_string((*opened)->signatures().size()) + " signatures, " +
                              std::to_string((*opened)->variables().size()) + " variables, " +
                              std::to_string((*opened)->assets().size()) + " assets"
                        : opened.status().message());
  if (!opened.ok()) {
    FUZZ_CHECK(!opened.status().message().empty(), "error without a message");
    return 0;
  }
  const SavedModel& m = **opened;
  FUZZ_CHECK(m.export_dir() == dir, "export_dir");
  const auto& sigs = m.signatures();
  for (size_t i = 0; i < sigs.size(); ++i) {
    if (i > 0) FUZZ_CHECK(sigs[i - 1].name <= sigs[i].name, "signatures not sorted");
    FUZZ_CHECK(m.signature(sigs[i].name) != nullptr, "signature() misses " + sigs[i].name);
    for (const auto* list : {&sigs[i].inputs, &sigs[i].outputs}) {
      for (size_t k = 1; k < list->size(); ++k) FUZZ_CHECK((*list)[k - 1].key <= (*list)[k].key, "tensors not sorted");
      for (const auto& t : *list) {
        (void)DataTypeName(t.dtype);
        if (t.shape) (void)t.shape->ToString(), (void)t.shape->num_elements();
      }
    }
  }
  const auto& assets = m.assets();
  for (size_t i = 0; i < assets.size(); ++i) {
    if (i > 0) FUZZ_CHECK(assets[i - 1].filename < assets[i].filename, "assets not sorted/unique");
    FUZZ_CHECK(assets[i].path.rfind(dir + "/assets/", 0) == 0, "asset path outside assets/: " + assets[i].path);
  }
  for (const auto& v : m.variables()) {
    FUZZ_CHECK(m.variable(v.name) != nullptr, "variable() misses " + v.name);
    auto t = m.ReadVariable(v.name);
    fuzz::Log("  " + v.name + ": " + (t.ok() ? "ok" : t.status().message()));
    if (!t.ok()) continue;
    FUZZ_CHECK(t->dtype() == v.dtype && t->shape() == v.shape, "tensor disagrees with " + v.name);
    if (v.dtype != DataType::kString) FUZZ_CHECK(t->bytes().size() == v.size_bytes, "size of " + v.name);
  }
  return 0;
}
