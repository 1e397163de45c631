#include "cachetools/cache_ops.h"

#include <algorithm>

#include "base/strings.h"
#include "base/system.h"
#include "cache/atomic_download.h"
#include "cache/descriptor.h"
#include "cache/entry_names.h"
#include "cache/lock_file.h"

namespace tfhub::cachetools {

namespace {

bool IsModuleRow(const Entry& e) {
  return e.state == EntryState::kComplete || e.state == EntryState::kDamaged || e.state == EntryState::kEmpty;
}

// Takes the key's lock for a removal, or says who holds it.
Result<cache::CacheLock> TakeLock(const cache::CacheDir& dir, const cache::EntryNames& names, const Identity& me) {
  auto lock = cache::CacheLock::Take(dir, names, me.host, me.pid);
  if (lock.ok() || lock.status().code() != StatusCode::kAlreadyExists) return lock;
  auto other = cache::ReadLock(dir, names);
  const bool readable = other.ok() && other->exists && other->unreadable.ok();
  return FailedPreconditionError(dir.PathOf(names.lock()) + " is held by " +
                                 (readable ? "'" + base::EscapeForTerminal(other->contents) + "'" : "another process") +
                                 " (being downloaded or removed; if its holder is gone, `tfhub cache clean` removes the "
                                 "lock); left alone");
}

// Deletes `name` unless it now belongs to a user the cache dir does not trust.
Status DeleteTrusted(const cache::CacheDir& dir, const std::string& name) {
  TFHUB_ASSIGN_OR_RETURN(const io::FileInfo info, dir.fs().Stat(name));
  if (info.type == io::FileType::kNotFound) return Status::Ok();
  if (!dir.Trusts(info)) return FailedPreconditionError(dir.Distrust(name, info));
  return dir.fs().DeleteRecursively(name);
}

}  // namespace

Status RemoveModule(const cache::CacheDir& dir, const Entry& entry, const Identity& me) {
  if (!IsModuleRow(entry)) {
    return InvalidArgumentError(entry.path + " is not a module (" + std::string(EntryStateName(entry.state)) + ")");
  }
  if (UnderLiveLock(entry)) {
    return FailedPreconditionError(entry.path + " is locked by '" + base::EscapeForTerminal(entry.lock_contents) +
                                   "' (being downloaded); left alone");
  }
  const cache::EntryNames names(entry.key);
  TFHUB_ASSIGN_OR_RETURN(cache::CacheLock lock, TakeLock(dir, names, me));
  const std::string aside = names.damaged_dir(lock.uid());
  TFHUB_ASSIGN_OR_RETURN(const io::FileInfo info, dir.fs().Stat(names.module()));
  if (info.type != io::FileType::kNotFound && !dir.Trusts(info)) {
    return FailedPreconditionError(dir.Distrust(names.module(), info));
  }
  if (info.type == io::FileType::kDirectory) {
    TFHUB_RETURN_IF_ERROR(dir.fs().RenameNoReplace(names.module(), aside)
                              .WithPrefix("cannot move " + dir.PathOf(names.module()) + " aside"));
  }
  TFHUB_RETURN_IF_ERROR(DeleteTrusted(dir, names.descriptor()));
  return dir.fs().DeleteRecursively(aside);
}

bool IsCleanable(const Entry& entry, bool include_stale_locks) {
  switch (entry.state) {
    case EntryState::kOrphanedTemp:
    case EntryState::kDamagedLeftover:
    case EntryState::kOrphanedDescriptor:
      return true;
    case EntryState::kEmpty:
      return !UnderLiveLock(entry);
    case EntryState::kAbandonedLock:
      return entry.lock_holder == LockHolder::kDeadLocal ||
             (include_stale_locks && entry.lock_holder == LockHolder::kStale);
    case EntryState::kComplete:
    case EntryState::kDamaged:
    case EntryState::kDownloading:
      return false;
  }
  return false;
}

Status CleanEntry(const cache::CacheDir& dir, const Entry& entry, const Identity& me) {
  const cache::EntryNames names(entry.key);
  const std::string lock_path = dir.PathOf(names.lock());
  switch (entry.state) {
    case EntryState::kEmpty:
      return RemoveModule(dir, entry, me);
    case EntryState::kOrphanedDescriptor: {
      // Under the lock: a download that starts meanwhile writes its own.
      TFHUB_ASSIGN_OR_RETURN(cache::CacheLock lock, TakeLock(dir, names, me));
      TFHUB_ASSIGN_OR_RETURN(const io::FileInfo module, dir.fs().Stat(names.module()));
      if (module.type != io::FileType::kNotFound) {
        return FailedPreconditionError(entry.path + " has its module again; left alone");
      }
      return DeleteTrusted(dir, names.descriptor());
    }
    case EntryState::kOrphanedTemp:
    case EntryState::kDamagedLeftover: {
      TFHUB_ASSIGN_OR_RETURN(const cache::LockState now, cache::ReadLock(dir, names));
      if (now.exists && (!now.owner || now.owner->uid == entry.uid)) {
        return FailedPreconditionError(entry.path + " belongs to the lock '" + base::EscapeForTerminal(now.contents) +
                                       "' now; left alone");
      }
      for (const auto& name : entry.names) TFHUB_RETURN_IF_ERROR(DeleteTrusted(dir, name));
      return Status::Ok();
    }
    case EntryState::kAbandonedLock: {
      auto unchanged = [&]() {
        auto now = cache::ReadLock(dir, names);
        return now.ok() && now->exists && now->trusted && now->unreadable.ok() && now->contents == entry.lock_contents;
      };
      if (!unchanged()) return FailedPreconditionError(lock_path + " changed since it was looked at; left alone");
      for (const auto& name : entry.names) {
        if (name == names.lock()) continue;
        TFHUB_RETURN_IF_ERROR(DeleteTrusted(dir, name));
      }
      if (unchanged()) return dir.fs().DeleteFile(names.lock());
      return Status::Ok();
    }
    case EntryState::kComplete:
    case EntryState::kDamaged:
    case EntryState::kDownloading:
      break;
  }
  return InvalidArgumentError(entry.path + " (" + std::string(EntryStateName(entry.state)) +
                              ") is not something clean removes");
}

std::vector<const Entry*> PlanPrune(const CacheScan& scan, const PruneCriteria& criteria,
                                    std::chrono::system_clock::time_point now) {
  std::vector<const Entry*> modules;
  uint64_t total = 0;
  for (const auto& e : scan.entries) {
    if (!IsModuleRow(e)) continue;
    total += e.bytes;
    if (!UnderLiveLock(e)) modules.push_back(&e);
  }
  auto used = [](const Entry* e) { return e->last_used.value_or(std::chrono::system_clock::time_point{}); };
  std::stable_sort(modules.begin(), modules.end(), [&](const Entry* a, const Entry* b) { return used(a) < used(b); });

  std::vector<const Entry*> chosen;
  std::vector<const Entry*> kept;
  for (const Entry* e : modules) {
    if (criteria.older_than && now - used(e) >= *criteria.older_than) {
      chosen.push_back(e);
      total -= e->bytes;
    } else {
      kept.push_back(e);
    }
  }
  if (criteria.max_size) {
    for (const Entry* e : kept) {
      if (total <= *criteria.max_size) break;
      chosen.push_back(e);
      total -= e->bytes;
    }
  }
  return chosen;
}

std::string_view VerifyResultName(VerifyResult r) {
  switch (r) {
    case VerifyResult::kOk: return "ok";
    case VerifyResult::kDamaged: return "damaged";
    case VerifyResult::kUnverifiable: return "unverifiable";
  }
  return "unknown";
}

VerifyResult VerifyModule(const Entry& entry, std::string* why) {
  auto fail = [&](std::string text) {
    if (why != nullptr) *why = std::move(text);
    return VerifyResult::kDamaged;
  };
  if (entry.state == EntryState::kEmpty) return fail("the module dir is empty");
  if (entry.walk_failed) return fail("some directory of the module could not be listed");
  const cache::Descriptor& d = entry.descriptor;
  if (!entry.has_descriptor || !d.has_record) {
    if (why != nullptr) *why = entry.has_descriptor ? "written by Python tensorflow_hub (no tfhub record)" : "no descriptor";
    return VerifyResult::kUnverifiable;
  }
  for (const auto& [path, size] : d.checked_files) {
    auto it = entry.file_sizes.find(path);
    if (it == entry.file_sizes.end()) return fail(path + " is missing");
    if (it->second != size) {
      return fail(path + " has " + std::to_string(it->second) + " bytes, not " + std::to_string(size));
    }
  }
  if (entry.files != d.files) {
    return fail(std::to_string(entry.files) + " files, recorded " + std::to_string(d.files));
  }
  if (entry.bytes != d.bytes) {
    return fail(std::to_string(entry.bytes) + " bytes, recorded " + std::to_string(d.bytes));
  }
  auto manifest = cache::ManifestSha256(entry.file_sizes);
  if (!manifest.ok()) return fail(manifest.status().message());
  if (*manifest != d.manifest_sha256) {
    return fail("the files' names and sizes do not match the recorded manifest (same count and bytes)");
  }
  if (why != nullptr) why->clear();
  return VerifyResult::kOk;
}

}  // namespace tfhub::cachetools
