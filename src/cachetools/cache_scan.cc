#include "cachetools/cache_scan.h"

#include <algorithm>
#include <cctype>

#include "base/sha1.h"
#include "base/strings.h"
#include "cache/atomic_download.h"
#include "cache/cache_layout.h"
#include "cache/lock_file.h"

namespace tfhub::cachetools {

std::string_view EntryStateName(EntryState state) {
  switch (state) {
    case EntryState::kComplete: return "complete";
    case EntryState::kDamaged: return "damaged";
    case EntryState::kEmpty: return "empty";
    case EntryState::kDownloading: return "downloading";
    case EntryState::kAbandonedLock: return "abandoned_lock";
    case EntryState::kOrphanedTemp: return "orphaned_temp";
    case EntryState::kDamagedLeftover: return "damaged_leftover";
    case EntryState::kOrphanedDescriptor: return "orphaned_descriptor";
  }
  return "unknown";
}

namespace {

bool IsLowerHex(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsUid(std::string_view s) { return IsLowerHex(s, 32); }

enum class NameKind { kModule, kDescriptor, kLock, kLockTemp, kTempDir, kDescriptorTemp, kDamaged, kUnknown };

struct ParsedName {
  NameKind kind = NameKind::kUnknown;
  std::string key;
  std::string uid;
};

ParsedName ParseName(std::string_view name) {
  ParsedName p;
  if (name.size() < 40 || !IsKey(name.substr(0, 40))) return p;
  p.key = std::string(name.substr(0, 40));
  const std::string_view rest = name.substr(40);
  auto uid_between = [&](std::string_view prefix, std::string_view suffix) -> bool {
    if (rest.size() != prefix.size() + 32 + suffix.size()) return false;
    if (rest.substr(0, prefix.size()) != prefix || rest.substr(rest.size() - suffix.size()) != suffix) {
      return false;
    }
    const std::string_view uid = rest.substr(prefix.size(), 32);
    if (!IsUid(uid)) return false;
    p.uid = std::string(uid);
    return true;
  };
  if (rest.empty()) {
    p.kind = NameKind::kModule;
  } else if (rest == ".descriptor.txt") {
    p.kind = NameKind::kDescriptor;
  } else if (rest == ".lock") {
    p.kind = NameKind::kLock;
  } else if (uid_between(".lock.tmp", "")) {  // io::LocalFileSystem::CreateExclusive's temp file
    p.kind = NameKind::kLockTemp;
  } else if (uid_between(".", ".tmp")) {
    p.kind = NameKind::kTempDir;
  } else if (uid_between(".descriptor.txt.", ".tmp")) {
    p.kind = NameKind::kDescriptorTemp;
  } else if (uid_between(".", ".damaged")) {
    p.kind = NameKind::kDamaged;
  }
  return p;
}

bool WantsDirectory(NameKind kind) {
  return kind == NameKind::kModule || kind == NameKind::kTempDir || kind == NameKind::kDamaged;
}

// What one key has in the cache dir.
struct KeyGroup {
  bool module = false;
  bool descriptor = false;
  bool lock = false;
  std::vector<std::string> temp_dirs, descriptor_temps, damaged, lock_temps;  // uids
};


// Newest mtime of `path` and everything under it (a directory gets a new
// mtime when entries are added; files when written).
std::optional<std::chrono::system_clock::time_point> NewestMtime(io::FileSystem& fs, TimesSource& times,
                                                                 const std::string& path, int depth = 0) {
  auto t = times.Get(path);
  if (!t) return std::nullopt;
  auto newest = t->mtime;
  auto info = fs.Stat(path);
  if (depth < 64 && info.ok() && info->type == io::FileType::kDirectory) {
    auto names = fs.ListDir(path);
    if (names.ok()) {
      for (const auto& name : *names) {
        if (auto sub = NewestMtime(fs, times, io::JoinPath(path, name), depth + 1)) newest = std::max(newest, *sub);
      }
    }
  }
  return newest;
}

void AddSizes(Entry& e, const std::map<std::string, uint64_t>& sizes) {
  for (const auto& [path, size] : sizes) {
    e.bytes += size;
    ++e.files;
  }
}

// Python's str(datetime.today()) back to a time point (local time); nullopt
// if it does not parse.
std::optional<std::chrono::system_clock::time_point> ParseDownloadTime(const std::string& text) {
  std::tm tm{};
  int micros = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  if (const auto dot = text.find('.'); dot != std::string::npos) micros = std::atoi(text.c_str() + dot + 1);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_isdst = -1;
  const std::time_t t = std::mktime(&tm);
  if (t == -1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t) + std::chrono::microseconds(micros);
}

}  // namespace

bool IsKey(std::string_view s) { return IsLowerHex(s, 40); }

std::string KeyForArgument(std::string_view handle_or_sha1) {
  std::string lower(handle_or_sha1);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (IsKey(lower)) return lower;
  return base::Sha1Hex(handle_or_sha1);
}

std::map<std::string, uint64_t> FileSizes(io::FileSystem& fs, const std::string& dir, bool* failed) {
  std::map<std::string, uint64_t> out;
  auto files = fs.ListTree(dir);
  if (!files.ok()) {
    if (failed != nullptr) *failed = true;
    return out;
  }
  for (auto& f : *files) out.emplace(std::move(f.path), f.size);
  return out;
}

Result<CacheScan> ScanCache(io::FileSystem& fs, TimesSource& times, const std::string& cache_dir,
                            const ScanOptions& options) {
  CacheScan scan;
  scan.cache_dir = cache_dir;
  TFHUB_ASSIGN_OR_RETURN(const io::FileInfo dir_info, fs.Stat(cache_dir));
  if (dir_info.type == io::FileType::kNotFound) return scan;
  if (dir_info.type != io::FileType::kDirectory) {
    return FailedPreconditionError("the cache dir " + cache_dir + " is not a directory");
  }
  TFHUB_ASSIGN_OR_RETURN(std::vector<std::string> names, fs.ListDir(cache_dir));
  scan.exists = true;
  std::sort(names.begin(), names.end());

  std::map<std::string, KeyGroup> groups;
  for (const auto& name : names) {
    const ParsedName p = ParseName(name);
    if (p.kind == NameKind::kUnknown) {
      scan.unrecognized.push_back(name);
      continue;
    }
    auto info = fs.Stat(io::JoinPath(cache_dir, name));
    if (!info.ok() || info->type == io::FileType::kNotFound) continue;  // vanished
    const bool is_dir = info->type == io::FileType::kDirectory;
    if (is_dir != WantsDirectory(p.kind) || (!is_dir && info->type != io::FileType::kFile)) {
      scan.unrecognized.push_back(name);
      continue;
    }
    KeyGroup& g = groups[p.key];
    switch (p.kind) {
      case NameKind::kModule: g.module = true; break;
      case NameKind::kDescriptor: g.descriptor = true; break;
      case NameKind::kLock: g.lock = true; break;
      case NameKind::kLockTemp: g.lock_temps.push_back(p.uid); break;
      case NameKind::kTempDir: g.temp_dirs.push_back(p.uid); break;
      case NameKind::kDescriptorTemp: g.descriptor_temps.push_back(p.uid); break;
      case NameKind::kDamaged: g.damaged.push_back(p.uid); break;
      case NameKind::kUnknown: break;
    }
  }

  for (auto& group : groups) {
    // Named references, not structured bindings: lambdas below capture them
    // (clang before 16 cannot capture structured bindings).
    const auto& key = group.first;
    auto& g = group.second;
    const std::string base = io::JoinPath(cache_dir, key);
    const std::string module_dir = base;
    const std::string descriptor_path = base + ".descriptor.txt";
    const std::string lock_path = base + ".lock";
    auto temp_dir = [&](const std::string& uid) { return base + "." + uid + ".tmp"; };
    auto descriptor_temp = [&](const std::string& uid) { return base + ".descriptor.txt." + uid + ".tmp"; };
    auto damaged_dir = [&](const std::string& uid) { return base + "." + uid + ".damaged"; };

    // The descriptor (read before anything else of the key).
    bool has_descriptor = false;
    cache::Descriptor descriptor;
    if (g.descriptor) {
      if (auto text = fs.ReadFileToString(descriptor_path); text.ok()) {
        has_descriptor = true;
        descriptor = cache::ParseDescriptor(*text);
      }
    }

    // The lock, and how alive its holder is.
    std::string lock_contents;
    LockHolder holder = LockHolder::kNone;
    std::optional<cache::LockOwner> owner;
    std::string lock_why;
    if (g.lock) {
      auto contents = fs.ReadFileToString(lock_path);
      if (contents.ok()) {
        lock_contents = *contents;
        // A stray trailing newline (a lock written by hand) must not hide the uid.
        owner = cache::ParseLockContents(base::TrimWhitespace(lock_contents));
        holder = LockHolder::kAlive;
        if (owner && cache::IsDeadLocalOwner(*owner, options.host)) {
          holder = LockHolder::kDeadLocal;
          lock_why = "process " + std::to_string(owner->pid) + " on this host no longer exists";
        } else if (!owner || owner->host != options.host) {
          // Another host (or contents we cannot read): stale when nothing
          // changed for the lock timeout — the waiter's own test.
          auto newest = NewestMtime(fs, times, lock_path);
          if (owner) {
            if (auto t = NewestMtime(fs, times, temp_dir(owner->uid)); t && newest) newest = std::max(*newest, *t);
          }
          if (newest && options.now - *newest >= options.lock_timeout) {
            holder = LockHolder::kStale;
            const auto idle = std::chrono::duration_cast<std::chrono::seconds>(options.now - *newest);
            lock_why = "no progress for " + std::to_string(idle.count()) + " s (lock timeout " +
                       std::to_string(options.lock_timeout.count()) + " s)";
          }
        }
      } else if (contents.status().code() != StatusCode::kNotFound) {
        holder = LockHolder::kAlive;  // unreadable: assume held
        lock_contents = "";
      } else {
        g.lock = false;  // released meanwhile
      }
    }
    const std::string lock_uid = owner ? owner->uid : "";

    // The module row.
    if (g.module) {
      Entry e;
      e.key = key;
      e.path = module_dir;
      e.paths.push_back(module_dir);
      if (g.descriptor) e.paths.push_back(descriptor_path);
      e.has_descriptor = has_descriptor;
      e.descriptor = descriptor;
      e.lock_contents = lock_contents;
      e.lock_holder = holder;
      const auto before = times.Get(module_dir);
      e.file_sizes = FileSizes(fs, module_dir, &e.walk_failed);
      AddSizes(e, e.file_sizes);
      if (!cache::ModuleDirPopulated(fs, module_dir)) {
        e.state = EntryState::kEmpty;
      } else if (has_descriptor && !descriptor.handle.empty() && base::Sha1Hex(descriptor.handle) == key) {
        std::string why;
        const cache::CacheLayout layout(cache_dir, descriptor.handle);
        e.state = cache::InspectModule(fs, layout, &why) == cache::ModuleState::kDamaged ? EntryState::kDamaged
                                                                                        : EntryState::kComplete;
        e.why = why;
      } else {
        e.state = EntryState::kComplete;  // Python-written or no descriptor: trusted, as Python does
        if (has_descriptor && !descriptor.handle.empty()) {
          e.why = "the descriptor names a handle whose SHA-1 is not " + key;
        }
      }
      if (before) {
        times.RestoreAccessTime(module_dir, *before);
        e.last_used = before->atime;
      } else if (has_descriptor) {
        e.last_used = ParseDownloadTime(descriptor.download_time);
      }
      scan.entries.push_back(std::move(e));
    }

    // The lock row: the lock with whatever of its uid lies around.
    if (g.lock) {
      Entry e;
      e.key = key;
      e.uid = lock_uid;
      e.path = lock_path;
      e.lock_contents = lock_contents;
      e.lock_holder = holder;
      e.state = holder == LockHolder::kAlive ? EntryState::kDownloading : EntryState::kAbandonedLock;
      e.why = lock_why;
      if (!g.module && has_descriptor) {  // written just before the final rename
        e.has_descriptor = true;
        e.descriptor = descriptor;
      }
      for (const auto& uid : g.temp_dirs) {
        if (uid != lock_uid) continue;
        e.paths.push_back(temp_dir(uid));
        bool failed = false;
        AddSizes(e, FileSizes(fs, temp_dir(uid), &failed));
      }
      for (const auto& uid : g.descriptor_temps) {
        if (uid == lock_uid) e.paths.push_back(descriptor_temp(uid));
      }
      for (const auto& uid : g.damaged) {
        if (uid != lock_uid) continue;
        e.paths.push_back(damaged_dir(uid));
        bool failed = false;
        AddSizes(e, FileSizes(fs, damaged_dir(uid), &failed));
      }
      e.paths.push_back(lock_path);  // last: removed after what it covers
      scan.entries.push_back(std::move(e));
    }

    // Leftovers of other uids.
    auto leftover = [&](EntryState state, const std::string& uid, const std::string& path, bool dir) {
      if (g.lock && uid == lock_uid) return;  // part of the lock row
      Entry e;
      e.state = state;
      e.key = key;
      e.uid = uid;
      e.path = path;
      e.paths.push_back(path);
      e.lock_contents = lock_contents;
      e.lock_holder = holder;
      if (dir) {
        bool failed = false;
        AddSizes(e, FileSizes(fs, path, &failed));
      } else if (auto info = fs.Stat(path); info.ok()) {
        e.bytes = info->size;
        e.files = 1;
      }
      scan.entries.push_back(std::move(e));
    };
    for (const auto& uid : g.temp_dirs) leftover(EntryState::kOrphanedTemp, uid, temp_dir(uid), true);
    for (const auto& uid : g.descriptor_temps) {
      leftover(EntryState::kOrphanedTemp, uid, descriptor_temp(uid), false);
    }
    for (const auto& uid : g.damaged) leftover(EntryState::kDamagedLeftover, uid, damaged_dir(uid), true);
    // A lock temp lives for microseconds while a lock is written and linked
    // into place; one older than a minute was left by a killed process.
    for (const auto& uid : g.lock_temps) {
      const std::string path = lock_path + ".tmp" + uid;
      const auto t = times.Get(path);
      if (t && options.now - t->mtime > std::chrono::minutes(1)) leftover(EntryState::kOrphanedTemp, uid, path, false);
    }
    if (g.descriptor && !g.module && !g.lock) {
      Entry e;
      e.state = EntryState::kOrphanedDescriptor;
      e.key = key;
      e.path = descriptor_path;
      e.paths.push_back(descriptor_path);
      e.has_descriptor = has_descriptor;
      e.descriptor = descriptor;
      if (auto info = fs.Stat(descriptor_path); info.ok()) {
        e.bytes = info->size;
        e.files = 1;
      }
      scan.entries.push_back(std::move(e));
    }
  }
  return scan;
}

}  // namespace tfhub::cachetools
