// libFuzzer target: the checkpoint ("tensor bundle") reader,
// savedmodel::TensorBundle, over an in-memory filesystem.
//
// Input layout: [u32 LE n][n bytes: variables.index][rest: the data shard].
// The data bytes are served under every shard name the header can ask for
// ("variables.data-SSSSS-of-NNNNN" for the header's shard count, for up to
// 4 shards), so entries pointing at other shards are read too. Every entry
// is read twice: with and without checksum verification.
//
// Invariants: Open/Read return statuses (never crash); a read tensor agrees
// with its entry (dtype, shape, element count, byte size); entries are
// sorted by name and Find() finds each.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "savedmodel/tensor_bundle.h"

namespace {

using namespace tfhub;

void CheckTensor(const VariableInfo& e, const Tensor& t) {
  FUZZ_CHECK(t.dtype() == e.dtype, "dtype of " + e.name);
  FUZZ_CHECK(t.shape() == e.shape, "shape of " + e.name);
  FUZZ_CHECK(t.num_elements() == e.shape.num_elements(), "element count of " + e.name);
  if (e.dtype == DataType::kString) {
    FUZZ_CHECK(static_cast<int64_t>(t.strings().size()) == t.num_elements(), "strings of " + e.name);
    for (const auto& s : t.strings()) FUZZ_CHECK(s.size() <= e.size_bytes, "string longer than the tensor");
  } else {
    FUZZ_CHECK(t.bytes().size() == e.size_bytes, "bytes of " + e.name);
    FUZZ_CHECK(t.bytes().size() == static_cast<uint64_t>(t.num_elements()) * DataTypeSize(e.dtype),
               "byte count vs shape of " + e.name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view index, shard;
  if (!fuzz::NextSection(&in, &index)) return 0;
  shard = in;

  io::MemoryFileSystem fs;
  const std::string prefix = "m/variables/variables";
  fuzz::AddFile(fs, prefix + ".index", index);
  char name[64];
  for (int of = 1; of <= 4; ++of) {
    for (int s = 0; s < of; ++s) {
      std::snprintf(name, sizeof name, ".data-%05d-of-%05d", s, of);
      fuzz::AddFile(fs, prefix + name, shard);
    }
  }

  for (bool verify : {true, false}) {
    savedmodel::TensorBundle::Options options;
    options.verify_checksums = verify;
    auto bundle = savedmodel::TensorBundle::Open(&fs, prefix, options);
    fuzz::Log(bundle.ok() ? "open ok: " + std::to_string((*bundle)->entries().size()) + " entries"
                          : bundle.status().message());
    if (!bundle.ok()) return 0;
    const auto& entries = (*bundle)->entries();
    for (size_t i = 0; i < entries.size(); ++i) {
      const VariableInfo& e = entries[i];
      if (i > 0) FUZZ_CHECK(entries[i - 1].name <= e.name, "entries not sorted");
      FUZZ_CHECK((*bundle)->Find(e.name) != nullptr, "Find() misses " + e.name);
      auto t = (*bundle)->Read(e);
      fuzz::Log("  " + e.name + ": " + (t.ok() ? "ok" : t.status().message()));
      if (t.ok()) CheckTensor(e, *t);
    }
    (void)(*bundle)->Read("no such tensor");
  }
  return 0;
}
