// cache lock files: "<host>.<pid>.<uid>" in <sha1>.lock, tensorflow_hub's
// protocol. The lock is taken by an atomic exclusive create.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tfhub/file_system.h"
#include "tfhub/result.h"

namespace tfhub::cache {

struct LockOwner {
  std::string host;
  long pid = 0;
  std::string uid;  // the text after the last '.', as Python reads it
};

// "<host>.<pid>.<uid>".
std::string LockContents(std::string_view host, long pid, std::string_view uid);

// Splits lock contents; nullopt when they do not have the three parts.
// Hostnames may themselves contain dots: the uid is after the last '.', the
// pid before it.
std::optional<LockOwner> ParseLockContents(std::string_view contents);

// True when `owner` names a process on this host (by hostname) that no
// longer exists.
bool IsDeadLocalOwner(const LockOwner& owner, std::string_view this_host);

// Summed size of the regular files under `dir`, recursively; 0 if missing
// (Python's _locked_tmp_dir_size). Files vanishing meanwhile are skipped.
uint64_t DirectorySize(io::FileSystem& fs, const std::string& dir);

}  // namespace tfhub::cache
