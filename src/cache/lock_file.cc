#include "cache/lock_file.h"

#include <signal.h>

#include <cerrno>
#include <cstdlib>

namespace tfhub::cache {

std::string LockContents(std::string_view host, long pid, std::string_view uid) {
  return std::string(host) + "." + std::to_string(pid) + "." + std::string(uid);
}

std::optional<LockOwner> ParseLockContents(std::string_view contents) {
  const auto last = contents.rfind('.');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  const auto prev = contents.rfind('.', last - 1);
  if (prev == std::string_view::npos) return std::nullopt;
  LockOwner owner;
  owner.host = std::string(contents.substr(0, prev));
  owner.uid = std::string(contents.substr(last + 1));
  const std::string pid(contents.substr(prev + 1, last - prev - 1));
  char* end = nullptr;
  owner.pid = std::strtol(pid.c_str(), &end, 10);
  if (pid.empty() || *end != '\0' || owner.pid <= 0) return std::nullopt;
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

}  // namespace tfhub::cache
