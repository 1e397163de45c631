// Test support (header-only, tests only): writes TensorBundle checkpoints
// with leveldb::TableBuilder and the tfhub protos, for cases no fixture
// covers (several shards, multi-element strings, big-endian, slices).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "base/crc32c.h"
#include "savedmodel/leveldb_table_writer.h"
#include "savedmodel/proto/tensor_bundle.pb.h"
#include "testing/temp_dir.h"

namespace tfhub::savedmodel::testing {

// A leveldb table holding `entries` (sorted by key, as a std::map is).
inline std::string BuildTable(const std::map<std::string, std::string>& entries, bool snappy = false) {
  auto table = TryBuildTable(entries, snappy);
  if (!table) std::abort();
  return std::move(*table);
}

inline std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

inline std::string Fixed32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

// The TensorBundle DT_STRING layout of `strings`; *masked_crc gets the entry crc.
inline std::string EncodeStrings(const std::vector<std::string>& strings, uint32_t* masked_crc) {
  if (!base::crc32c::Init().ok()) std::abort();
  std::string out;
  uint32_t crc = 0;
  for (const auto& s : strings) {
    out += Varint(s.size());
    crc = base::crc32c::Extend(crc, Fixed32(static_cast<uint32_t>(s.size())));
  }
  const std::string length_checksum = Fixed32(base::crc32c::Mask(crc));
  out += length_checksum;
  crc = base::crc32c::Extend(crc, length_checksum);
  for (const auto& s : strings) {
    out += s;
    crc = base::crc32c::Extend(crc, s);
  }
  *masked_crc = base::crc32c::Mask(crc);
  return out;
}

// Collects tensors into shards and writes <prefix>.index and the data files.
class BundleBuilder {
 public:
  explicit BundleBuilder(int num_shards = 1) : shards_(static_cast<size_t>(num_shards)) {}

  // Appends raw bytes as a tensor in `shard`; returns its entry for tweaking.
  tf::BundleEntryProto& AddRaw(const std::string& name, tf::DataType dtype,
                               std::vector<int64_t> dims, const std::string& bytes, int shard = 0,
                               size_t padding = 0) {
    if (!base::crc32c::Init().ok()) std::abort();
    std::string& data = shards_[static_cast<size_t>(shard)];
    data.append(padding, '\0');
    tf::BundleEntryProto& e = entries_[name];
    e.set_dtype(dtype);
    auto* shape = e.mutable_shape();
    for (int64_t d : dims) shape->add_dim()->set_size(d);
    e.set_shard_id(shard);
    e.set_offset(static_cast<int64_t>(data.size()));
    e.set_size(static_cast<int64_t>(bytes.size()));
    e.set_crc32c(base::crc32c::Mask(base::crc32c::Value(bytes)));
    data += bytes;
    return e;
  }

  template <typename T>
  tf::BundleEntryProto& Add(const std::string& name, tf::DataType dtype, std::vector<int64_t> dims,
                            const std::vector<T>& values, int shard = 0) {
    std::string bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
    return AddRaw(name, dtype, std::move(dims), bytes, shard);
  }

  tf::BundleEntryProto& AddStrings(const std::string& name, std::vector<int64_t> dims,
                                   const std::vector<std::string>& strings, int shard = 0) {
    uint32_t crc = 0;
    const std::string bytes = EncodeStrings(strings, &crc);
    auto& e = AddRaw(name, tf::DT_STRING, std::move(dims), bytes, shard);
    e.set_crc32c(crc);
    return e;
  }

  tf::BundleHeaderProto& header() { return header_; }

  // Writes the files; returns the index bytes.
  std::string Write(const std::string& prefix, bool snappy = false) {
    header_.set_num_shards(static_cast<int>(shards_.size()));
    if (!header_.has_version()) header_.mutable_version()->set_producer(1);
    std::map<std::string, std::string> table{{"", header_.SerializeAsString()}};
    for (const auto& [k, e] : entries_) table[k] = e.SerializeAsString();
    const std::string index = BuildTable(table, snappy);
    test::WriteStringToFile(prefix + ".index", index);
    for (size_t i = 0; i < shards_.size(); ++i) {
      char suffix[64];
      std::snprintf(suffix, sizeof(suffix), ".data-%05zu-of-%05zu", i, shards_.size());
      test::WriteStringToFile(prefix + suffix, shards_[i]);
    }
    return index;
  }

 private:
  std::vector<std::string> shards_;
  std::map<std::string, tf::BundleEntryProto> entries_;
  tf::BundleHeaderProto header_;
};

}  // namespace tfhub::savedmodel::testing
