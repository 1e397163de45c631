// cache lock files: "<host>.<pid>.<uid>" in <sha1>.lock, tensorflow_hub's
// protocol. The lock is taken by an atomic exclusive create
// (FileSystem::CreateExclusive), released by deleting it if it still holds
// the taker's contents.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cache/cache_dir.h"
#include "cache/entry_names.h"
#include "tfhub/file_system.h"
#include "tfhub/result.h"

namespace tfhub::cache {

// A lock file holds a few hundred bytes at most; anything larger is not one.
inline constexpr uint64_t kMaxLockBytes = 4096;

struct LockOwner {
  std::string host;
  long pid = 0;
  std::string uid;  // 32 lowercase hex digits
};

// "<host>.<pid>.<uid>".
std::string LockContents(std::string_view host, long pid, std::string_view uid);

// Splits lock contents (surrounding whitespace ignored: a lock written by
// hand). Hostnames may themselves contain dots: the uid is after the last
// '.', the pid before it. nullopt unless the uid is exactly 32 lowercase hex
// digits, the pid a positive decimal number that fits a pid, and the host
// non-empty, without '/' or control characters: a lock of any other shape
// is foreign, and nothing of it is ever used to build a path.
std::optional<LockOwner> ParseLockContents(std::string_view contents);

// True when `owner` names a process on this host (by hostname) that no
// longer exists.
bool IsDeadLocalOwner(const LockOwner& owner, std::string_view this_host);

// Summed size of the regular files under `dir`, recursively; 0 if missing
// (Python's _locked_tmp_dir_size). Files vanishing meanwhile are skipped.
uint64_t DirectorySize(io::FileSystem& fs, const std::string& dir);

// What a cache dir's <sha1>.lock is, as far as reading it safely tells.
struct LockState {
  bool exists = false;
  io::FileInfo info;       // when it exists
  bool trusted = true;     // CacheDir::Trusts(info)
  std::string contents;    // when readable (not read from a lock with other hard links)
  std::optional<LockOwner> owner;  // when the contents have the lock's shape
  Status unreadable;       // not a regular file, too large, ... (never its contents)
};

// Reads `names`' lock in `dir`: without following a link, without blocking
// on a FIFO, at most kMaxLockBytes. Errors only for failures other than
// those (they are in LockState::unreadable).
Result<LockState> ReadLock(const CacheDir& dir, const EntryNames& names);

// <sha1>.lock held by this process; released (deleted if it still holds
// our contents) on Release() or destruction.
class CacheLock {
 public:
  // Takes the lock with contents "<host>.<pid>.<new uid>". AlreadyExists
  // when someone holds it; the filesystem's error otherwise (prefixed
  // "cannot create lock file <path>").
  static Result<CacheLock> Take(const CacheDir& dir, const EntryNames& names, std::string_view host, long pid);

  CacheLock(CacheLock&& o) noexcept;
  CacheLock& operator=(CacheLock&&) = delete;
  ~CacheLock() { Release(); }

  const std::string& uid() const { return uid_; }
  const std::string& contents() const { return contents_; }
  // Deletes the lock if it still holds our contents. Idempotent.
  void Release();

 private:
  CacheLock(const CacheDir* dir, std::string name, std::string contents, std::string uid)
      : dir_(dir), name_(std::move(name)), contents_(std::move(contents)), uid_(std::move(uid)) {}
  const CacheDir* dir_;
  std::string name_;
  std::string contents_;
  std::string uid_;
};

}  // namespace tfhub::cache
