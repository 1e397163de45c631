// savedmodel::TensorBundle — reads a TensorFlow V2 checkpoint ("tensor
// bundle"), the format of a SavedModel's variables/ directory.
//
// On disk, for a prefix P (a SavedModel uses <export_dir>/variables/variables):
//   P.index                    a LevelDB-format table (blocks may be Snappy-
//                              compressed), keys sorted bytewise:
//                                ""     -> BundleHeaderProto (num_shards, endianness)
//                                <name> -> BundleEntryProto (dtype, shape, shard_id,
//                                          offset, size, masked crc32c, slices)
//   P.data-SSSSS-of-NNNNN      shard SSSSS (0-based, %05d) of NNNNN: tensor bytes
//                              at [offset, offset+size), back to back or padded.
// Numeric tensors are their row-major element bytes (little-endian unless the
// header says BIG); the entry's crc32c is mask(CRC32C(bytes)). DT_STRING
// tensors are n varint64 lengths, a fixed32 masked CRC32C of those lengths
// (each fed as 4-byte LE, or 8-byte LE when > 0xFFFFFFFF), then the bytes;
// the entry's CRC continues over the 4 stored checksum bytes and the strings.
// See docs/savedmodel_format.md §8-§15 for the byte-level details.
//
// Open() reads the index only (through leveldb::Table over io::FileSystem)
// and keeps every entry's metadata; Read() fetches exactly one tensor's byte
// range from its shard, opening shard files on first use.
//
// Thread safety: after Open(), all methods may be called concurrently.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tfhub/file_system.h"
#include "tfhub/saved_model.h"

namespace tfhub::savedmodel {

class TensorBundle {
 public:
  struct Options {
    // Check each tensor's CRC32C (and a string tensor's length checksum).
    bool verify_checksums = true;
  };

  // Opens `prefix`.index on `fs` (which must outlive the bundle). Errors:
  // NotFound if the index is missing; DataLoss for an unreadable index ("not
  // an sstable", block checksum mismatch, bad header/entry protos);
  // FailedPrecondition for a bundle version this reader does not accept.
  static Result<std::unique_ptr<TensorBundle>> Open(io::FileSystem* fs, std::string prefix,
                                                    Options options);

  const std::string& index_path() const { return index_path_; }
  int num_shards() const { return num_shards_; }
  bool big_endian() const { return big_endian_; }

  // Every tensor entry (the header excluded), sorted by name.
  const std::vector<VariableInfo>& entries() const { return entries_; }
  // The entry named `name`, or null.
  const VariableInfo* Find(std::string_view name) const;

  // "<prefix>.data-SSSSS-of-NNNNN".
  std::string ShardPath(int shard) const;

  // Reads one tensor. NotFound (unknown name, missing shard file), DataLoss
  // (short shard, size/shape mismatch, checksum mismatch: the message names
  // the shard file and the tensor), Unimplemented (partitioned, DT_VARIANT,
  // DT_RESOURCE or unknown dtypes).
  Result<Tensor> Read(std::string_view name) const;
  Result<Tensor> Read(const VariableInfo& entry) const;

 private:
  TensorBundle(io::FileSystem* fs, std::string prefix, Options options);

  Result<const io::RandomAccessFile*> Shard(int shard) const;
  Result<Tensor> DecodeStrings(const VariableInfo& entry, int64_t n,
                               std::span<const std::byte> raw, const std::string& file) const;

  io::FileSystem* fs_;
  std::string prefix_;
  std::string index_path_;
  Options options_;
  int num_shards_ = 1;
  bool big_endian_ = false;
  std::vector<VariableInfo> entries_;

  mutable std::mutex mu_;
  // Opened on first use; keyed by shard number (num_shards_ comes from an
  // untrusted header, so nothing is sized by it).
  mutable std::map<int, std::unique_ptr<io::RandomAccessFile>> shards_;  // guarded by mu_
};

}  // namespace tfhub::savedmodel
