// cache::EntryNames — the names tensorflow_hub gives things in a cache dir,
// relative to it, and the one parser of such names (see
// docs/cache_layout.md):
//
//   <sha1>/                          the module (exactly the archive's members)
//   <sha1>.descriptor.txt            who downloaded what, when
//   <sha1>.lock                      "<host>.<pid>.<uid>" while downloading
//   <sha1>.<uid>.tmp/                the download in progress
//   <sha1>.descriptor.txt.<uid>.tmp  a descriptor being written
//   <sha1>.<uid>.damaged/            a module dir moved aside to be deleted
//   <sha1>.lock.tmp<uid>             a lock being created (for microseconds)
//   <sha1>.<uid>.progress            the holder's progress, for waiters on
//                                    billed backends (gs://; lock_progress.h)
//
// <sha1> (the key) is the lowercase hex SHA-1 of the handle's UTF-8 bytes as
// given; <uid> is 32 lowercase hex digits.
#pragma once

#include <string>
#include <string_view>

namespace tfhub::cache {

// True for 40 lowercase hex digits (a key).
bool IsKey(std::string_view s);

// True for 32 lowercase hex digits (a uid).
bool IsUid(std::string_view s);

class EntryNames {
 public:
  // The names of `handle`'s entry (hashed exactly as given).
  static EntryNames ForHandle(std::string_view handle);
  // The names of the entry `key` (40 lowercase hex digits).
  explicit EntryNames(std::string key) : key_(std::move(key)) {}

  const std::string& key() const { return key_; }
  const std::string& module() const { return key_; }
  std::string descriptor() const { return key_ + ".descriptor.txt"; }
  std::string lock() const { return key_ + ".lock"; }
  std::string temp_dir(std::string_view uid) const { return key_ + "." + std::string(uid) + ".tmp"; }
  std::string descriptor_temp(std::string_view uid) const {
    return descriptor() + "." + std::string(uid) + ".tmp";
  }
  std::string damaged_dir(std::string_view uid) const { return key_ + "." + std::string(uid) + ".damaged"; }
  // The temp file io::LocalDirFileSystem::CreateExclusive() links into place.
  std::string lock_temp(std::string_view uid) const { return lock() + ".tmp" + std::string(uid); }
  // The progress record of the lock holder `uid` (cache/lock_progress.h).
  std::string progress(std::string_view uid) const { return key_ + "." + std::string(uid) + ".progress"; }

 private:
  std::string key_;
};

enum class NameKind {
  kModule,
  kDescriptor,
  kLock,
  kLockTemp,
  kTempDir,
  kDescriptorTemp,
  kDamaged,
  kProgress,
  kUnknown
};

struct ParsedName {
  NameKind kind = NameKind::kUnknown;
  std::string key;
  std::string uid;  // for the kinds that carry one
};

// What `name` (one entry of a cache dir) is; kUnknown for anything else.
ParsedName ParseName(std::string_view name);

// True for the kinds that are directories (module, temp dir, damaged dir).
bool IsDirectoryKind(NameKind kind);

}  // namespace tfhub::cache
