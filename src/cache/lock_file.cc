#include "cache/lock_file.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "base/strings.h"
#include "base/system.h"

namespace tfhub::cache {

std::string LockContents(std::string_view host, long pid, std::string_view uid) {
  return std::string(host) + "." + std::to_string(pid) + "." + std::string(uid);
}

std::optional<LockOwner> ParseLockContents(std::string_view contents) {
  contents = base::TrimWhitespace(contents);
  const auto last = contents.rfind('.');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  const auto prev = contents.rfind('.', last - 1);
  if (prev == std::string_view::npos || prev == 0) return std::nullopt;
  const std::string_view host = contents.substr(0, prev);
  const std::string_view pid = contents.substr(prev + 1, last - prev - 1);
  const std::string_view uid = contents.substr(last + 1);
  if (!IsUid(uid)) return std::nullopt;
  if (pid.empty() || pid.size() > 10 || pid.front() == '0' ||
      !std::all_of(pid.begin(), pid.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  if (std::any_of(host.begin(), host.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return c == '/' || u < 0x20 || u == 0x7f;
      })) {
    return std::nullopt;
  }
  LockOwner owner;
  owner.host = std::string(host);
  owner.pid = std::stol(std::string(pid));
  if (owner.pid > INT_MAX) return std::nullopt;
  owner.uid = std::string(uid);
  return owner;
}

bool IsDeadLocalOwner(const LockOwner& owner, std::string_view this_host) {
  if (owner.host != this_host || owner.pid <= 0) return false;
  return ::kill(static_cast<pid_t>(owner.pid), 0) != 0 && errno == ESRCH;
}

uint64_t DirectorySize(io::FileSystem& fs, const std::string& dir) {
  auto files = fs.ListTree(dir);
  if (!files.ok()) return 0;
  uint64_t total = 0;
  for (const auto& f : *files) total += f.size;
  return total;
}

Result<LockState> ReadLock(const CacheDir& dir, const EntryNames& names) {
  LockState state;
  TFHUB_ASSIGN_OR_RETURN(state.info, dir.fs().Stat(names.lock()));
  if (state.info.type == io::FileType::kNotFound) return state;
  state.exists = true;
  state.trusted = dir.Trusts(state.info);
  if (state.info.type != io::FileType::kFile) {
    state.unreadable = FailedPreconditionError("the lock file " + dir.PathOf(names.lock()) + " is not a regular file");
    return state;
  }
  // A lock with other hard links: being linked into place right now
  // (CreateExclusive), or a link to someone else's file, whose owner says
  // nothing of who put it here. Its contents are not read (nor shown).
  if (state.info.links > 1) return state;
  auto contents = dir.fs().ReadFileToString(names.lock(), kMaxLockBytes);
  if (!contents.ok()) {
    if (contents.status().code() == StatusCode::kNotFound) return LockState{};  // released meanwhile
    if (contents.status().code() != StatusCode::kFailedPrecondition) return contents.status();
    state.unreadable = contents.status();
    return state;
  }
  state.contents = std::move(*contents);
  state.owner = ParseLockContents(state.contents);
  return state;
}

Result<CacheLock> CacheLock::Take(const CacheDir& dir, const EntryNames& names, std::string_view host, long pid) {
  std::string uid = base::RandomUid();
  std::string contents = LockContents(host, pid, uid);
  Status s = dir.fs().CreateExclusive(names.lock(), contents);
  if (s.code() == StatusCode::kAlreadyExists) return s;
  if (!s.ok()) return s.WithPrefix("cannot create lock file " + dir.PathOf(names.lock()));
  return CacheLock(&dir, names.lock(), std::move(contents), std::move(uid));
}

CacheLock::CacheLock(CacheLock&& o) noexcept
    : dir_(o.dir_), name_(std::move(o.name_)), contents_(std::move(o.contents_)), uid_(std::move(o.uid_)) {
  o.dir_ = nullptr;
}

void CacheLock::Release() {
  if (dir_ == nullptr) return;
  auto now = dir_->fs().ReadFileToString(name_, kMaxLockBytes);
  if (now.ok() && *now == contents_) dir_->fs().DeleteFile(name_).IgnoreError();
  dir_ = nullptr;
}

}  // namespace tfhub::cache
