#include "cachetools/cache_scan.h"

#include <algorithm>
#include <cctype>

#include "base/sha1.h"
#include "base/strings.h"
#include "cache/atomic_download.h"
#include "cache/entry_names.h"
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

using cache::EntryNames;
using cache::NameKind;
using cache::ParsedName;
using std::chrono::system_clock;

// What one key has in the cache dir.
struct KeyGroup {
  bool module = false;
  bool descriptor = false;
  bool lock = false;
  std::vector<std::string> temp_dirs, descriptor_temps, damaged, lock_temps, progress;  // uids
};

// Newest mtime of `name` and everything under it (a directory gets a new
// mtime when entries are added; files when written). Links are not followed.
std::optional<system_clock::time_point> NewestMtime(io::FileSystem& fs, const std::string& name, int depth = 0) {
  auto info = fs.Stat(name);
  if (!info.ok() || info->type == io::FileType::kNotFound || !info->mtime) return std::nullopt;
  auto newest = *info->mtime;
  if (depth < 64 && info->type == io::FileType::kDirectory) {
    if (auto names = fs.ListDir(name); names.ok()) {
      for (const auto& child : *names) {
        if (auto sub = NewestMtime(fs, io::JoinPath(name, child), depth + 1)) newest = std::max(newest, *sub);
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
std::optional<system_clock::time_point> ParseDownloadTime(const std::string& text) {
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
  return system_clock::from_time_t(t) + std::chrono::microseconds(micros);
}

// Sorts every name of the cache dir into its key's group, or into
// scan.unrecognized / scan.untrusted.
std::map<std::string, KeyGroup> GroupNames(const cache::CacheDir& dir, const std::vector<std::string>& names,
                                           CacheScan& scan) {
  std::map<std::string, KeyGroup> groups;
  for (const auto& name : names) {
    const ParsedName p = cache::ParseName(name);
    if (p.kind == NameKind::kUnknown) {
      scan.unrecognized.push_back(name);
      continue;
    }
    auto info = dir.fs().Stat(name);
    if (!info.ok() || info->type == io::FileType::kNotFound) continue;  // vanished
    const bool is_dir = info->type == io::FileType::kDirectory;
    if (is_dir != cache::IsDirectoryKind(p.kind) || (!is_dir && info->type != io::FileType::kFile)) {
      scan.unrecognized.push_back(name);
      continue;
    }
    if (!dir.Trusts(*info)) {
      scan.untrusted.push_back({name, info->owner.value_or(0)});
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
      case NameKind::kProgress: g.progress.push_back(p.uid); break;
      case NameKind::kUnknown: break;
    }
  }
  return groups;
}

// A key's lock as the scan judges it.
struct JudgedLock {
  bool exists = false;
  std::string contents;
  std::optional<cache::LockOwner> owner;
  LockHolder holder = LockHolder::kNone;
  std::string why;
};

JudgedLock JudgeLock(const cache::CacheDir& dir, const EntryNames& names, const ScanOptions& options) {
  JudgedLock j;
  auto lock = cache::ReadLock(dir, names);
  if (lock.ok() && !lock->exists) return j;  // released meanwhile
  j.exists = true;
  j.holder = LockHolder::kAlive;  // unreadable: assume held
  if (!lock.ok() || !lock->unreadable.ok()) return j;
  j.contents = lock->contents;
  j.owner = lock->owner;
  if (j.owner && cache::IsDeadLocalOwner(*j.owner, options.host)) {
    j.holder = LockHolder::kDeadLocal;
    j.why = "process " + std::to_string(j.owner->pid) + " on this host no longer exists";
  } else if (!j.owner || j.owner->host != options.host) {
    // Another host (or contents of another shape): stale when nothing
    // changed for the lock timeout — the waiter's own test.
    auto newest = NewestMtime(dir.fs(), names.lock());
    if (j.owner) {
      if (auto t = NewestMtime(dir.fs(), names.temp_dir(j.owner->uid)); t && newest) newest = std::max(*newest, *t);
    }
    if (newest && options.now - *newest >= options.lock_timeout) {
      j.holder = LockHolder::kStale;
      const auto idle = std::chrono::duration_cast<std::chrono::seconds>(options.now - *newest);
      j.why = "no progress for " + std::to_string(idle.count()) + " s (lock timeout " +
              std::to_string(options.lock_timeout.count()) + " s)";
    }
  }
  return j;
}

// An entry of `key` consisting of `names` (the first is its main one).
Entry NewEntry(const cache::CacheDir& dir, EntryState state, const std::string& key, std::vector<std::string> names) {
  Entry e;
  e.state = state;
  e.key = key;
  e.path = dir.PathOf(names.front());
  for (const auto& n : names) e.paths.push_back(dir.PathOf(n));
  e.names = std::move(names);
  return e;
}

void SetLock(Entry& e, const JudgedLock& lock) {
  e.lock_contents = lock.contents;
  e.lock_holder = lock.holder;
}

Entry ModuleEntry(const cache::CacheDir& dir, const EntryNames& names, const KeyGroup& g,
                  const std::optional<cache::Descriptor>& descriptor, const JudgedLock& lock) {
  io::FileSystem& fs = dir.fs();
  std::vector<std::string> parts = {names.module()};
  if (g.descriptor) parts.push_back(names.descriptor());
  Entry e = NewEntry(dir, EntryState::kComplete, names.key(), std::move(parts));
  e.has_descriptor = descriptor.has_value();
  if (descriptor) e.descriptor = *descriptor;
  SetLock(e, lock);
  auto before = fs.Stat(names.module());
  e.file_sizes = FileSizes(fs, names.module(), &e.walk_failed);
  AddSizes(e, e.file_sizes);
  if (!cache::ModuleDirPopulated(fs, names.module())) {
    e.state = EntryState::kEmpty;
  } else if (descriptor && !descriptor->handle.empty() && base::Sha1Hex(descriptor->handle) == names.key()) {
    std::string why;
    if (cache::InspectModule(dir, names, "", &why) == cache::ModuleState::kDamaged) {
      e.state = EntryState::kDamaged;
      e.why = why;
    }
  } else if (descriptor && !descriptor->handle.empty()) {
    // Python-written or no descriptor: trusted, as Python does.
    e.why = "the descriptor names a handle whose SHA-1 is not " + names.key();
  }
  if (before.ok() && before->atime) {
    if (auto after = fs.Stat(names.module()); after.ok() && after->atime != before->atime) {
      fs.SetAccessTime(names.module(), *before->atime).IgnoreError();
    }
    e.last_used = before->atime;
  } else if (descriptor) {
    e.last_used = ParseDownloadTime(descriptor->download_time);
  }
  return e;
}

// The lock with whatever of its uid lies around.
Entry LockEntry(const cache::CacheDir& dir, const EntryNames& names, const KeyGroup& g,
                const std::optional<cache::Descriptor>& descriptor, const JudgedLock& lock) {
  const std::string uid = lock.owner ? lock.owner->uid : "";
  std::vector<std::string> parts;
  uint64_t bytes = 0, files = 0;
  auto add_dir = [&](const std::string& name) {
    parts.push_back(name);
    for (const auto& f : FileSizes(dir.fs(), name, nullptr)) {
      bytes += f.second;
      ++files;
    }
  };
  for (const auto& u : g.temp_dirs) {
    if (u == uid) add_dir(names.temp_dir(u));
  }
  for (const auto& u : g.descriptor_temps) {
    if (u == uid) parts.push_back(names.descriptor_temp(u));
  }
  for (const auto& u : g.damaged) {
    if (u == uid) add_dir(names.damaged_dir(u));
  }
  for (const auto& u : g.progress) {
    if (u == uid) parts.push_back(names.progress(u));
  }
  parts.push_back(names.lock());  // last: removed after what it covers
  Entry e = NewEntry(dir, lock.holder == LockHolder::kAlive ? EntryState::kDownloading : EntryState::kAbandonedLock,
                     names.key(), std::move(parts));
  e.path = dir.PathOf(names.lock());
  e.uid = uid;
  e.bytes = bytes;
  e.files = files;
  e.why = lock.why;
  SetLock(e, lock);
  if (!g.module && descriptor) {  // written just before the final rename
    e.has_descriptor = true;
    e.descriptor = *descriptor;
  }
  return e;
}

// Everything of `key` in the cache dir, as rows.
void ScanKey(const cache::CacheDir& dir, const std::string& key, KeyGroup& g, const ScanOptions& options,
             CacheScan& scan) {
  const EntryNames names(key);
  // The descriptor (read before anything else of the key).
  const std::optional<cache::Descriptor> descriptor =
      g.descriptor ? cache::ReadDescriptor(dir, names) : std::nullopt;
  const JudgedLock lock = g.lock ? JudgeLock(dir, names, options) : JudgedLock{};
  g.lock = lock.exists;
  const std::string lock_uid = lock.owner ? lock.owner->uid : "";

  if (g.module) scan.entries.push_back(ModuleEntry(dir, names, g, descriptor, lock));
  if (g.lock) scan.entries.push_back(LockEntry(dir, names, g, descriptor, lock));

  // Leftovers of other uids.
  auto leftover = [&](EntryState state, const std::string& uid, const std::string& name, bool is_dir) {
    if (g.lock && uid == lock_uid) return;  // part of the lock row
    Entry e = NewEntry(dir, state, key, {name});
    e.uid = uid;
    SetLock(e, lock);
    if (is_dir) {
      AddSizes(e, FileSizes(dir.fs(), name, nullptr));
    } else if (auto info = dir.fs().Stat(name); info.ok()) {
      e.bytes = info->size;
      e.files = 1;
    }
    scan.entries.push_back(std::move(e));
  };
  for (const auto& uid : g.temp_dirs) leftover(EntryState::kOrphanedTemp, uid, names.temp_dir(uid), true);
  for (const auto& uid : g.descriptor_temps) {
    leftover(EntryState::kOrphanedTemp, uid, names.descriptor_temp(uid), false);
  }
  for (const auto& uid : g.damaged) leftover(EntryState::kDamagedLeftover, uid, names.damaged_dir(uid), true);
  // A progress record whose holder no longer holds the lock (killed).
  for (const auto& uid : g.progress) leftover(EntryState::kOrphanedTemp, uid, names.progress(uid), false);
  // A lock temp lives for microseconds while a lock is written and linked
  // into place; one older than a minute was left by a killed process.
  for (const auto& uid : g.lock_temps) {
    auto info = dir.fs().Stat(names.lock_temp(uid));
    if (info.ok() && info->mtime && options.now - *info->mtime > std::chrono::minutes(1)) {
      leftover(EntryState::kOrphanedTemp, uid, names.lock_temp(uid), false);
    }
  }
  if (g.descriptor && !g.module && !g.lock) {
    Entry e = NewEntry(dir, EntryState::kOrphanedDescriptor, key, {names.descriptor()});
    e.has_descriptor = descriptor.has_value();
    if (descriptor) e.descriptor = *descriptor;
    if (auto info = dir.fs().Stat(names.descriptor()); info.ok()) {
      e.bytes = info->size;
      e.files = 1;
    }
    scan.entries.push_back(std::move(e));
  }
}

}  // namespace

std::string KeyForArgument(std::string_view handle_or_sha1) {
  std::string lower(handle_or_sha1);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (cache::IsKey(lower)) return lower;
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

Result<CacheScan> ScanCache(const cache::CacheDir& dir, const ScanOptions& options) {
  CacheScan scan;
  scan.cache_dir = dir.path();
  if (!dir.exists()) return scan;
  TFHUB_ASSIGN_OR_RETURN(std::vector<std::string> names, dir.fs().ListDir(""));
  scan.exists = true;
  std::sort(names.begin(), names.end());
  std::map<std::string, KeyGroup> groups = GroupNames(dir, names, scan);
  for (auto& [key, group] : groups) ScanKey(dir, key, group, options, scan);
  return scan;
}

}  // namespace tfhub::cachetools
