// SavedModel reading benchmark helper (bench/savedmodel_bench.sh runs it).
//
//   tfhub_savedmodel_bench generate DIR [--mib N] [--shards N] [--single]
//     Writes a SavedModel into DIR: a minimal saved_model.pb (one
//     MetaGraphDef tagged "serve", one signature) and a TensorBundle of 97
//     float32 variables of varied sizes summing to ~N MiB (default 1024),
//     plus an 8-byte int64 "global_step". Data is pseudo-random and written
//     streaming (a few MiB of memory, whatever N is). --single: one float32
//     variable "embeddings/word_embeddings" [N*1024, 256] of exactly N MiB
//     instead of the 97 (python/tests use it for a 1 GiB tensor).
//
//   tfhub_savedmodel_bench read DIR [--threads N] [--one NAME] [--no-verify]
//     Opens the SavedModel through a FileSystem wrapper that counts reads,
//     then reads every variable (LoadOptions::read_all_variables with N
//     threads, default 1) or only NAME (ReadVariable). Prints one line:
//       seconds=… variables=… tensor_bytes=… storage_bytes=… read_calls=…
//       open_storage_bytes=… maxrss_kib=…
//     seconds covers Open() plus the reads; open_storage_bytes is what Open()
//     read before any tensor (saved_model.pb and the index, or — with
//     read-all — everything).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/crc32c.h"
#include "savedmodel/leveldb_table_writer.h"
#include "savedmodel/test_counting_file_system.h"
#include "tfhub/file_system_wrapper.h"
#include "tfhub/file_system.h"
#include "savedmodel/proto/saved_model.pb.h"
#include "savedmodel/proto/tensor_bundle.pb.h"
#include "tfhub/saved_model.h"

namespace {

using tfhub::Status;
namespace crc32c = tfhub::base::crc32c;
namespace tf = tfhub::tf;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "tfhub_savedmodel_bench: %s\n", message.c_str());
  std::exit(1);
}

void Check(const Status& s, const std::string& what) {
  if (!s.ok()) Die(what + ": " + s.ToString());
}

// ---------------------------------------------------------------- generate

struct VarSpec {
  std::string name;
  std::vector<int64_t> dims;
  float scale = 0.02f;
  int shard = 0;
  uint64_t bytes() const {
    uint64_t n = 1;
    for (int64_t d : dims) n *= static_cast<uint64_t>(d);
    return n * 4;
  }
};

// A BERT-like layout: an embedding table and 12 layers of 8 variables (four
// [d,d] attention kernels, [d,4d] and [4d,d] feed-forward kernels, a [4d]
// bias and a [d] layer-norm scale): 97 float32 variables. d is chosen so the
// layers take ~85 % of the target and the embedding rows fill the rest.
std::vector<VarSpec> Layout(uint64_t target_bytes, bool single) {
  const uint64_t elems = target_bytes / 4;
  if (single) return {{"embeddings/word_embeddings", {static_cast<int64_t>(elems / 256), 256}, 0.02f}};
  int64_t d = static_cast<int64_t>(std::sqrt(0.85 * static_cast<double>(elems) / 144.0));
  d = std::max<int64_t>(64, d / 64 * 64);
  std::vector<VarSpec> vars;
  uint64_t used = 0;
  for (int l = 0; l < 12; ++l) {
    const std::string p = "encoder/layer_" + std::to_string(l) + "/";
    vars.push_back({p + "attention/query/kernel", {d, d}, 0.02f});
    vars.push_back({p + "attention/key/kernel", {d, d}, 0.02f});
    vars.push_back({p + "attention/value/kernel", {d, d}, 0.02f});
    vars.push_back({p + "attention/output/kernel", {d, d}, 0.02f});
    vars.push_back({p + "ffn/intermediate/kernel", {d, 4 * d}, 0.05f});
    vars.push_back({p + "ffn/intermediate/bias", {4 * d}, 0.1f});
    vars.push_back({p + "ffn/output/kernel", {4 * d, d}, 0.05f});
    vars.push_back({p + "layer_norm/gamma", {d}, 1.0f});
  }
  for (const auto& v : vars) used += v.bytes() / 4;
  const int64_t rows = std::max<int64_t>(1, static_cast<int64_t>((elems > used ? elems - used : 0)) / d);
  vars.push_back({"embeddings/word_embeddings", {rows, d}, 0.02f});
  std::sort(vars.begin(), vars.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return vars;
}

void WriteFile(const std::string& path, std::string_view data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) Die("cannot create " + path + ": " + std::strerror(errno));
  if (std::fwrite(data.data(), 1, data.size(), f) != data.size() || std::fclose(f) != 0) {
    Die("cannot write " + path + ": " + std::strerror(errno));
  }
}

// xorshift64*: fast, deterministic, good enough for weights nobody trains.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1DULL;
  }
};

// Fills `out` with floats in about [-2*scale, 2*scale] (sum of two uniforms:
// a triangular bell, so exponents vary as in trained weights).
void FillFloats(Rng& rng, float scale, std::vector<float>& out) {
  constexpr float kInv = 1.0f / 16777216.0f;  // 2^-24
  for (float& x : out) {
    const uint64_t r = rng.Next();
    const float a = static_cast<float>(r & 0xffffff) * kInv;
    const float b = static_cast<float>((r >> 24) & 0xffffff) * kInv;
    x = (a + b - 1.0f) * 2.0f * scale;
  }
}

std::string ShardSuffix(int i, int n) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), ".data-%05d-of-%05d", i, n);
  return buf;
}

void WriteSavedModelPb(const std::string& dir) {
  tf::SavedModel sm;
  sm.set_saved_model_schema_version(1);
  tf::MetaGraphDef* mg = sm.add_meta_graphs();
  mg->mutable_meta_info_def()->add_tags("serve");
  mg->mutable_meta_info_def()->set_meta_graph_version("v2.15.0");
  mg->mutable_meta_info_def()->set_tensorflow_version("2.15.0");
  tf::SignatureDef& sig = (*mg->mutable_signature_def())["serving_default"];
  sig.set_method_name("tensorflow/serving/predict");
  tf::TensorInfo& in = (*sig.mutable_inputs())["input_ids"];
  in.set_name("serving_default_input_ids:0");
  in.set_dtype(tf::DT_INT32);
  in.mutable_tensor_shape()->add_dim()->set_size(-1);
  in.mutable_tensor_shape()->add_dim()->set_size(128);
  tf::TensorInfo& out = (*sig.mutable_outputs())["pooled_output"];
  out.set_name("StatefulPartitionedCall:0");
  out.set_dtype(tf::DT_FLOAT);
  out.mutable_tensor_shape()->add_dim()->set_size(-1);
  out.mutable_tensor_shape()->add_dim()->set_size(768);
  WriteFile(dir + "/saved_model.pb", sm.SerializeAsString());
}

int Generate(const std::string& dir, uint64_t mib, int num_shards, bool single) {
  Check(crc32c::Init(), "crc32c");
  std::error_code ec;
  std::filesystem::create_directories(dir + "/variables", ec);
  if (ec) Die("cannot create " + dir + "/variables: " + ec.message());
  const std::string prefix = dir + "/variables/variables";

  std::vector<VarSpec> vars = Layout(mib << 20, single);
  // Greedy balance over the shards (largest first), as evenly as possible.
  {
    std::vector<size_t> order(vars.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return vars[a].bytes() > vars[b].bytes(); });
    std::vector<uint64_t> load(static_cast<size_t>(num_shards), 0);
    for (size_t i : order) {
      const size_t s = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
      vars[i].shard = static_cast<int>(s);
      load[s] += vars[i].bytes();
    }
  }

  std::vector<FILE*> shards;
  std::vector<uint64_t> offsets(static_cast<size_t>(num_shards), 0);
  for (int i = 0; i < num_shards; ++i) {
    const std::string path = prefix + ShardSuffix(i, num_shards);
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) Die("cannot create " + path + ": " + std::strerror(errno));
    shards.push_back(f);
  }
  auto append = [&](int shard, const void* data, size_t n) {
    if (std::fwrite(data, 1, n, shards[static_cast<size_t>(shard)]) != n) {
      Die("write failed: " + std::string(std::strerror(errno)));
    }
    offsets[static_cast<size_t>(shard)] += n;
  };

  // Keys in increasing order, data appended in the same order (as
  // TensorFlow's BundleWriter requires and does).
  std::map<std::string, std::string> table;
  std::vector<float> chunk;
  Rng rng{0x9E3779B97F4A7C15ULL};
  uint64_t total = 0;
  auto add_entry = [&](const std::string& name, tf::DataType dtype,
                       const std::vector<int64_t>& dims, int shard, uint64_t offset, uint64_t size,
                       uint32_t crc) {
    tf::BundleEntryProto e;
    e.set_dtype(dtype);
    for (int64_t d : dims) e.mutable_shape()->add_dim()->set_size(d);
    e.set_shard_id(shard);
    e.set_offset(static_cast<int64_t>(offset));
    e.set_size(static_cast<int64_t>(size));
    e.set_crc32c(crc32c::Mask(crc));
    table[name] = e.SerializeAsString();
  };

  std::vector<std::string> names;
  for (const auto& v : vars) names.push_back(v.name);
  names.push_back("global_step");
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (name == "global_step") {
      const int64_t step = 1000000;
      char bytes[8];
      std::memcpy(bytes, &step, 8);
      const uint64_t off = offsets[0];
      append(0, bytes, 8);
      add_entry(name, tf::DT_INT64, {}, 0, off, 8, crc32c::Value(std::string_view(bytes, 8)));
      total += 8;
      continue;
    }
    const VarSpec& v = *std::find_if(vars.begin(), vars.end(),
                                     [&](const VarSpec& s) { return s.name == name; });
    const uint64_t off = offsets[static_cast<size_t>(v.shard)];
    uint64_t left = v.bytes() / 4;
    uint32_t crc = 0;
    while (left > 0) {
      chunk.resize(static_cast<size_t>(std::min<uint64_t>(left, 1u << 20)));  // 4 MiB
      FillFloats(rng, v.scale, chunk);
      const size_t n = chunk.size() * 4;
      crc = crc32c::Extend(crc, std::string_view(reinterpret_cast<const char*>(chunk.data()), n));
      append(v.shard, chunk.data(), n);
      left -= chunk.size();
    }
    add_entry(name, tf::DT_FLOAT, v.dims, v.shard, off, v.bytes(), crc);
    total += v.bytes();
  }
  for (size_t i = 0; i < shards.size(); ++i) {
    if (std::fclose(shards[i]) != 0) Die("close failed: " + std::string(std::strerror(errno)));
  }

  tf::BundleHeaderProto header;
  header.set_num_shards(num_shards);
  header.mutable_version()->set_producer(1);
  table[""] = header.SerializeAsString();
  const auto index = tfhub::savedmodel::testing::TryBuildTable(table);  // uncompressed, as TensorFlow writes indexes
  if (!index) Die("leveldb TableBuilder failed");
  WriteFile(prefix + ".index", *index);
  WriteSavedModelPb(dir);
  std::printf("generated %s: %zu variables, %" PRIu64 " tensor bytes (%.1f MiB) in %d shard(s)\n",
              dir.c_str(), names.size(), total, static_cast<double>(total) / (1 << 20), num_shards);
  return 0;
}

// -------------------------------------------------------------------- read

int Read(const std::string& dir, int threads, const std::string& one, bool verify) {
  const auto registry = tfhub::io::MakeFileSystemRegistry({});
  auto base = registry->ForUri(dir);
  Check(base.status(), "filesystem for " + dir);
  auto counting = std::make_shared<tfhub::savedmodel::testing::CountingFileSystem>(*base);

  tfhub::LoadOptions options;
  options.file_system = counting;
  options.verify_checksums = verify;
  options.read_all_variables = one.empty();
  options.num_threads = threads;

  const auto start = std::chrono::steady_clock::now();
  auto model = tfhub::SavedModel::Open(dir, options);
  Check(model.status(), "open " + dir);
  const uint64_t open_bytes = counting->bytes_read();

  uint64_t tensor_bytes = 0;
  size_t count = 0;
  if (one.empty()) {
    // Preloaded by Open(): these calls do no I/O (the counters show it).
    for (const auto& v : (*model)->variables()) {
      auto t = (*model)->ReadVariable(v.name);
      Check(t.status(), "read " + v.name);
      tensor_bytes += t->bytes().size();
      ++count;
    }
  } else {
    auto t = (*model)->ReadVariable(one);
    Check(t.status(), "read " + one);
    tensor_bytes = t->bytes().size();
    count = 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("seconds=%.4f variables=%zu tensor_bytes=%" PRIu64 " storage_bytes=%" PRIu64
              " read_calls=%" PRIu64 " open_storage_bytes=%" PRIu64 " maxrss_kib=%ld\n",
              seconds, count, tensor_bytes, counting->bytes_read(),
              static_cast<uint64_t>(counting->reads().size()), open_bytes,
              usage.ru_maxrss);
  return 0;
}

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: tfhub_savedmodel_bench generate DIR [--mib N] [--shards N] [--single]\n"
               "       tfhub_savedmodel_bench read DIR [--threads N] [--one NAME] [--no-verify]\n");
  std::exit(2);
}

long PositiveArg(const char* flag, const char* value, long max) {
  char* end = nullptr;
  const long v = std::strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || v < 1 || v > max) {
    Die(std::string(flag) + " needs an integer in 1.." + std::to_string(max));
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) Usage();
  const std::string mode = argv[1];
  const std::string dir = argv[2];
  long mib = 1024, shards = 1, threads = 1;
  std::string one;
  bool verify = true;
  bool single = false;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--mib" && has_value) {
      mib = PositiveArg("--mib", argv[++i], 1 << 20);
    } else if (a == "--shards" && has_value) {
      shards = PositiveArg("--shards", argv[++i], 1000);
    } else if (a == "--threads" && has_value) {
      threads = PositiveArg("--threads", argv[++i], 256);
    } else if (a == "--one" && has_value) {
      one = argv[++i];
    } else if (a == "--single") {
      single = true;
    } else if (a == "--no-verify") {
      verify = false;
    } else {
      Usage();
    }
  }
  if (mode == "generate") return Generate(dir, static_cast<uint64_t>(mib), static_cast<int>(shards), single);
  if (mode == "read") return Read(dir, static_cast<int>(threads), one, verify);
  Usage();
}
