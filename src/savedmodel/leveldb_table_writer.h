// Test and benchmark support (header-only; not part of the library): builds
// a LevelDB table in memory with leveldb::TableBuilder, as TensorFlow writes
// a checkpoint's variables.index. Users link leveldb (and snappy) themselves.
#pragma once

#include <leveldb/env.h>
#include <leveldb/options.h>
#include <leveldb/table_builder.h>

#include <map>
#include <optional>
#include <string>

namespace tfhub::savedmodel::testing {

// A leveldb::WritableFile that keeps what is written in `out`.
class StringSink final : public leveldb::WritableFile {
 public:
  leveldb::Status Append(const leveldb::Slice& data) override {
    out.append(data.data(), data.size());
    return leveldb::Status::OK();
  }
  leveldb::Status Close() override { return leveldb::Status::OK(); }
  leveldb::Status Flush() override { return leveldb::Status::OK(); }
  leveldb::Status Sync() override { return leveldb::Status::OK(); }
  std::string out;
};

// The bytes of a table holding `entries` (sorted by key, as a std::map is);
// nullopt if leveldb fails.
inline std::optional<std::string> TryBuildTable(const std::map<std::string, std::string>& entries,
                                                bool snappy = false) {
  StringSink sink;
  leveldb::Options options;
  options.compression = snappy ? leveldb::kSnappyCompression : leveldb::kNoCompression;
  leveldb::TableBuilder builder(options, &sink);
  for (const auto& [k, v] : entries) builder.Add(k, v);
  if (!builder.Finish().ok()) return std::nullopt;
  return std::move(sink.out);
}

}  // namespace tfhub::savedmodel::testing
