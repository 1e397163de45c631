#include "savedmodel/tensor_bundle.h"

#include <new>

#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "base/crc32c.h"
#include "savedmodel/leveldb_file.h"
#include "savedmodel/proto/tensor_bundle.pb.h"
#include "savedmodel/shape.h"
#include "savedmodel/tensor_factory.h"

namespace tfhub::savedmodel {

namespace {

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08" PRIx32, v);
  return buf;
}

std::string Range(const VariableInfo& e) {
  return "[" + std::to_string(e.offset) + ", " + std::to_string(e.offset + e.size_bytes) + ")";
}

// The index's version check (TF: kTensorBundleVersion 1, min producer 0).
Status CheckVersion(const tf::VersionDef& v, const std::string& index_path) {
  constexpr int kVersion = 1;
  const bool bad = std::find(v.bad_consumers().begin(), v.bad_consumers().end(), kVersion) !=
                   v.bad_consumers().end();
  if (v.producer() < 0 || v.min_consumer() > kVersion || bad) {
    return FailedPreconditionError("checkpoint " + index_path + " needs a newer reader (producer " +
                                   std::to_string(v.producer()) + ", min_consumer " +
                                   std::to_string(v.min_consumer()) + "); this one reads version " +
                                   std::to_string(kVersion));
  }
  return Status::Ok();
}

// Reverses the bytes of every `unit`-byte word (big-endian bundles).
void SwapBytes(std::span<std::byte> data, size_t unit) {
  if (unit <= 1) return;
  for (size_t i = 0; i + unit <= data.size(); i += unit) {
    std::reverse(data.begin() + static_cast<ptrdiff_t>(i),
                 data.begin() + static_cast<ptrdiff_t>(i + unit));
  }
}

bool GetVarint64(const std::byte*& p, const std::byte* end, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && p < end; shift += 7) {
    const auto byte = static_cast<uint64_t>(*p++);
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

uint32_t DecodeFixed32(const std::byte* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint32_t>(p[i]);
  return v;
}

}  // namespace

TensorBundle::TensorBundle(io::FileSystem* fs, std::string prefix, Options options)
    : fs_(fs), prefix_(std::move(prefix)), index_path_(prefix_ + ".index"), options_(options) {}

Result<std::unique_ptr<TensorBundle>> TensorBundle::Open(io::FileSystem* fs, std::string prefix,
                                                         Options options) {
  // leveldb allocates each block as large as its handle says before reading
  // it; a corrupt index can ask for more than exists. Such a failure is the
  // index's fault, not the program's: report it as corruption.
  const std::string index_name = prefix + ".index";
  try {
    std::unique_ptr<TensorBundle> bundle(new TensorBundle(fs, std::move(prefix), options));
    const std::string& index = bundle->index_path_;
    TFHUB_ASSIGN_OR_RETURN(auto file, fs->NewRandomAccessFile(index));

    LevelDbFile ldb_file(file.get(), "checkpoint index " + index);
    TFHUB_RETURN_IF_ERROR(ldb_file.CheckFooter());
    leveldb::Options ldb_options;
    ldb_options.paranoid_checks = true;
    leveldb::Table* raw_table = nullptr;
    leveldb::Status s = leveldb::Table::Open(ldb_options, &ldb_file, file->Size(), &raw_table);
    std::unique_ptr<leveldb::Table> table(raw_table);
    auto fail = [&](const leveldb::Status& ls) -> Status {
      Status io = ldb_file.first_error();
      if (!io.ok()) return io.WithPrefix("reading checkpoint index " + index);
      return DataLossError("checkpoint index " + index + " is unreadable: " + ls.ToString());
    };
    if (!s.ok()) return fail(s);

    leveldb::ReadOptions read_options;
    read_options.verify_checksums = true;
    std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read_options));
    bool have_header = false;
    tf::BundleEntryProto entry;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const leveldb::Slice key = it->key();
      const leveldb::Slice value = it->value();
      if (key.empty()) {
        tf::BundleHeaderProto header;
        if (!header.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          return DataLossError("checkpoint index " + index + ": header entry is not a BundleHeaderProto");
        }
        TFHUB_RETURN_IF_ERROR(CheckVersion(header.version(), index));
        if (header.num_shards() <= 0) {
          return DataLossError("checkpoint index " + index + ": header has num_shards " +
                               std::to_string(header.num_shards()));
        }
        bundle->num_shards_ = header.num_shards();
        bundle->big_endian_ = header.endianness() == tf::BundleHeaderProto::BIG;
        have_header = true;
        continue;
      }
      const std::string name = key.ToString();
      if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        return DataLossError("checkpoint index " + index + ": entry for tensor '" + name +
                             "' is not a BundleEntryProto");
      }
      VariableInfo info;
      info.name = name;
      info.dtype = static_cast<DataType>(entry.dtype());
      info.shape = ShapeFromProto(entry.shape());
      info.shard = entry.shard_id();
      info.partitioned = entry.slices_size() > 0;
      if (!info.partitioned && (entry.offset() < 0 || entry.size() < 0)) {
        return DataLossError("checkpoint index " + index + ": tensor '" + name +
                             "' has a negative offset or size");
      }
      info.offset = static_cast<uint64_t>(entry.offset());
      info.size_bytes = static_cast<uint64_t>(entry.size());
      info.masked_crc32c = entry.crc32c();
      bundle->entries_.push_back(std::move(info));
    }
    if (!it->status().ok()) return fail(it->status());
    if (!have_header) {
      return DataLossError("checkpoint index " + index + " has no header entry (key \"\")");
    }
    // Slice entries of partitioned tensors use binary keys starting with 0x00;
    // they are not tensors of their own.
    std::erase_if(bundle->entries_, [](const VariableInfo& e) { return e.name[0] == '\0'; });
    return bundle;
  } catch (const std::bad_alloc&) {
    return DataLossError("checkpoint index " + index_name + " is corrupt: it asks for an impossibly large block");
  }
}

const VariableInfo* TensorBundle::Find(std::string_view name) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const VariableInfo& e, std::string_view n) { return e.name < n; });
  return it != entries_.end() && it->name == name ? &*it : nullptr;
}

std::string TensorBundle::ShardPath(int shard) const {
  char buf[32];
  std::snprintf(buf, sizeof(buf), ".data-%05d-of-%05d", shard, num_shards_);
  return prefix_ + buf;
}

Result<const io::RandomAccessFile*> TensorBundle::Shard(int shard) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = shards_[shard];
  if (!slot) {
    TFHUB_ASSIGN_OR_RETURN(slot, fs_->NewRandomAccessFile(ShardPath(shard)));
  }
  return slot.get();
}

Result<Tensor> TensorBundle::Read(std::string_view name) const {
  const VariableInfo* entry = Find(name);
  if (entry == nullptr) {
    return NotFoundError("no tensor '" + std::string(name) + "' in checkpoint " + index_path_);
  }
  return Read(*entry);
}

Result<Tensor> TensorBundle::Read(const VariableInfo& entry) const {
  const std::string what = "tensor '" + entry.name + "'";
  if (entry.partitioned) {
    return UnimplementedError(what + " in " + index_path_ +
                              " is partitioned (saved as slices); reading partitioned variables "
                              "is not supported");
  }
  const size_t elem_size = DataTypeSize(entry.dtype);
  if (entry.dtype != DataType::kString && elem_size == 0) {
    return UnimplementedError(what + " in " + index_path_ + " has dtype " +
                              DataTypeName(entry.dtype) + ", which tfhub cannot read");
  }
  const int64_t n = entry.shape.num_elements();
  if (n < 0) {
    return DataLossError(what + " in " + index_path_ + " has an incomplete shape " +
                         entry.shape.ToString());
  }
  if (entry.shard < 0 || entry.shard >= num_shards_) {
    return DataLossError(what + " in " + index_path_ + " names shard " +
                         std::to_string(entry.shard) + " of " + std::to_string(num_shards_));
  }
  if (elem_size > 0 && entry.size_bytes != static_cast<uint64_t>(n) * elem_size) {
    return DataLossError(what + " in " + index_path_ + " has " + std::to_string(entry.size_bytes) +
                         " bytes, but shape " + entry.shape.ToString() + " of " +
                         DataTypeName(entry.dtype) + " needs " +
                         std::to_string(static_cast<uint64_t>(n) * elem_size));
  }

  const std::string file_name = ShardPath(entry.shard);
  auto shard = Shard(entry.shard);
  if (!shard.ok()) return shard.status().WithPrefix("reading " + what + " of " + index_path_);
  const io::RandomAccessFile* file = *shard;
  if (entry.offset > file->Size() || entry.size_bytes > file->Size() - entry.offset) {
    return DataLossError(what + " lies at bytes " + Range(entry) + " of " + file_name +
                         ", which has only " + std::to_string(file->Size()) +
                         " bytes (truncated shard?)");
  }

  // Not zero-filled first: every byte is read into it.
  std::shared_ptr<std::byte[]> buffer(new std::byte[entry.size_bytes]);
  const std::span<std::byte> raw(buffer.get(), entry.size_bytes);
  if (entry.size_bytes > 0) {
    char* scratch = reinterpret_cast<char*>(raw.data());
    auto got = file->ReadAt(entry.offset, raw.size(), scratch);
    if (!got.ok()) return got.status().WithPrefix("reading " + what + " from " + file_name);
    if (got->data() != scratch) std::memcpy(scratch, got->data(), got->size());
  }

  if (entry.dtype == DataType::kString) return DecodeStrings(entry, n, raw, file_name);

  if (options_.verify_checksums) {
    TFHUB_RETURN_IF_ERROR(base::crc32c::Init());
    const uint32_t actual = base::crc32c::Value(
        std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
    const uint32_t expected = base::crc32c::Unmask(entry.masked_crc32c);
    if (actual != expected) {
      return DataLossError("checksum mismatch for " + what + " in " + file_name + " at bytes " +
                           Range(entry) + ": index says crc32c " + Hex32(expected) +
                           ", data has " + Hex32(actual));
    }
  }
  if (big_endian_) {
    const bool complex = entry.dtype == DataType::kComplex64 || entry.dtype == DataType::kComplex128;
    SwapBytes(raw, complex ? elem_size / 2 : elem_size);
  }
  return TensorFactory::FromBytes(entry.dtype, entry.shape, n, std::move(buffer), raw.size());
}

Result<Tensor> TensorBundle::DecodeStrings(const VariableInfo& entry, int64_t n,
                                           std::span<const std::byte> raw,
                                           const std::string& file) const {
  const std::string where = "string tensor '" + entry.name + "' in " + file + " at bytes " +
                            Range(entry);
  const std::byte* p = raw.data();
  const std::byte* end = p + raw.size();
  std::vector<uint64_t> lengths;
  lengths.reserve(static_cast<size_t>(std::min<int64_t>(n, static_cast<int64_t>(raw.size()))));
  uint64_t total = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    if (!GetVarint64(p, end, &len)) return DataLossError(where + ": bad or truncated length varint");
    if (len > raw.size() || total + len > raw.size()) {
      return DataLossError(where + ": element lengths exceed the tensor's size");
    }
    total += len;
    lengths.push_back(len);
  }
  if (static_cast<uint64_t>(end - p) != 4 + total) {
    return DataLossError(where + ": size " + std::to_string(raw.size()) +
                         " does not match the encoded lengths (" + std::to_string(total) +
                         " string bytes)");
  }
  const std::byte* checksum_bytes = p;
  p += 4;

  if (options_.verify_checksums) {
    TFHUB_RETURN_IF_ERROR(base::crc32c::Init());
    uint32_t crc = 0;
    for (uint64_t len : lengths) {
      char buf[8];
      const size_t width = len <= 0xFFFFFFFFu ? 4 : 8;
      for (size_t b = 0; b < width; ++b) buf[b] = static_cast<char>((len >> (8 * b)) & 0xff);
      crc = base::crc32c::Extend(crc, std::string_view(buf, width));
    }
    const uint32_t stored = DecodeFixed32(checksum_bytes);
    if (base::crc32c::Mask(crc) != stored) {
      return DataLossError("length checksum mismatch for " + where + ": stored " + Hex32(stored) +
                           ", computed " + Hex32(base::crc32c::Mask(crc)));
    }
    crc = base::crc32c::Extend(crc, std::string_view(reinterpret_cast<const char*>(checksum_bytes), 4));
    crc = base::crc32c::Extend(crc, std::string_view(reinterpret_cast<const char*>(p),
                                               static_cast<size_t>(end - p)));
    const uint32_t expected = base::crc32c::Unmask(entry.masked_crc32c);
    if (crc != expected) {
      return DataLossError("checksum mismatch for " + where + ": index says crc32c " +
                           Hex32(expected) + ", data has " + Hex32(crc));
    }
  }

  auto strings = std::make_shared<std::vector<std::string>>();
  strings->reserve(lengths.size());
  for (uint64_t len : lengths) {
    strings->emplace_back(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
    p += len;
  }
  return TensorFactory::FromStrings(entry.shape, std::move(strings));
}

}  // namespace tfhub::savedmodel
