#include "cachetools/cache_ops.h"

#include <algorithm>

#include "base/strings.h"
#include "base/system.h"
#include "cache/atomic_download.h"
#include "cache/descriptor.h"
#include "cache/lock_file.h"

namespace tfhub::cachetools {

namespace {

bool IsModuleRow(const Entry& e) {
  return e.state == EntryState::kComplete || e.state == EntryState::kDamaged || e.state == EntryState::kEmpty;
}

std::string LockPath(const std::string& cache_dir, const std::string& key) {
  return io::JoinPath(cache_dir, key) + ".lock";
}

// Holds <sha1>.lock for the lifetime of the object (released only if it
// still holds our contents, as the resolver does).
class HeldLock {
 public:
  static Result<HeldLock> Take(io::FileSystem& fs, const std::string& lock, const Identity& me) {
    const std::string uid = base::RandomUid();
    const std::string contents = cache::LockContents(me.host, me.pid, uid);
    Status s = fs.CreateExclusive(lock, contents);
    if (s.code() == StatusCode::kAlreadyExists) {
      auto other = fs.ReadFileToString(lock);
      return FailedPreconditionError(lock + " is held by " + (other.ok() ? "'" + *other + "'" : "another process") +
                                     " (being downloaded or removed; if its holder is gone, `tfhub cache clean` removes the "
                                     "lock); left alone");
    }
    if (!s.ok()) return s.WithPrefix("cannot create lock file " + lock);
    return HeldLock(&fs, lock, contents, uid);
  }
  HeldLock(HeldLock&& o) noexcept : fs_(o.fs_), lock_(std::move(o.lock_)), contents_(std::move(o.contents_)),
                                     uid_(std::move(o.uid_)) {
    o.fs_ = nullptr;
  }
  HeldLock& operator=(HeldLock&&) = delete;
  ~HeldLock() {
    if (fs_ == nullptr) return;
    auto now = fs_->ReadFileToString(lock_);
    if (now.ok() && *now == contents_) fs_->DeleteFile(lock_).IgnoreError();
  }
  const std::string& uid() const { return uid_; }

 private:
  HeldLock(io::FileSystem* fs, std::string lock, std::string contents, std::string uid)
      : fs_(fs), lock_(std::move(lock)), contents_(std::move(contents)), uid_(std::move(uid)) {}
  io::FileSystem* fs_;
  std::string lock_;
  std::string contents_;
  std::string uid_;
};

}  // namespace

Status RemoveModule(io::FileSystem& fs, const std::string& cache_dir, const Entry& entry, const Identity& me) {
  if (!IsModuleRow(entry)) {
    return InvalidArgumentError(entry.path + " is not a module (" + std::string(EntryStateName(entry.state)) + ")");
  }
  if (UnderLiveLock(entry)) {
    return FailedPreconditionError(entry.path + " is locked by '" + entry.lock_contents +
                                   "' (being downloaded); left alone");
  }
  const std::string lock_path = LockPath(cache_dir, entry.key);
  TFHUB_ASSIGN_OR_RETURN(HeldLock lock, HeldLock::Take(fs, lock_path, me));
  const std::string module_dir = io::JoinPath(cache_dir, entry.key);
  const std::string aside = module_dir + "." + lock.uid() + ".damaged";
  TFHUB_ASSIGN_OR_RETURN(const io::FileInfo info, fs.Stat(module_dir));
  if (info.type == io::FileType::kDirectory) {
    TFHUB_RETURN_IF_ERROR(fs.RenameNoReplace(module_dir, aside).WithPrefix("cannot move " + module_dir + " aside"));
  }
  TFHUB_RETURN_IF_ERROR(fs.DeleteRecursively(module_dir + ".descriptor.txt"));
  return fs.DeleteRecursively(aside);
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

Status CleanEntry(io::FileSystem& fs, const std::string& cache_dir, const Entry& entry, const Identity& me) {
  const std::string lock_path = LockPath(cache_dir, entry.key);
  switch (entry.state) {
    case EntryState::kEmpty:
      return RemoveModule(fs, cache_dir, entry, me);
    case EntryState::kOrphanedDescriptor: {
      // Under the lock: a download that starts meanwhile writes its own.
      TFHUB_ASSIGN_OR_RETURN(HeldLock lock, HeldLock::Take(fs, lock_path, me));
      TFHUB_ASSIGN_OR_RETURN(const io::FileInfo module, fs.Stat(io::JoinPath(cache_dir, entry.key)));
      if (module.type != io::FileType::kNotFound) {
        return FailedPreconditionError(entry.path + " has its module again; left alone");
      }
      return fs.DeleteRecursively(entry.path);
    }
    case EntryState::kOrphanedTemp:
    case EntryState::kDamagedLeftover: {
      auto now = fs.ReadFileToString(lock_path);
      if (now.ok()) {
        const auto owner = cache::ParseLockContents(base::TrimWhitespace(*now));
        if (!owner || owner->uid == entry.uid) {
          return FailedPreconditionError(entry.path + " belongs to the lock '" + *now + "' now; left alone");
        }
      } else if (now.status().code() != StatusCode::kNotFound) {
        return now.status();
      }
      return fs.DeleteRecursively(entry.path);
    }
    case EntryState::kAbandonedLock: {
      auto now = fs.ReadFileToString(lock_path);
      if (!now.ok() || *now != entry.lock_contents) {
        return FailedPreconditionError(lock_path + " changed since it was looked at; left alone");
      }
      for (const auto& path : entry.paths) {
        if (path == lock_path) continue;
        TFHUB_RETURN_IF_ERROR(fs.DeleteRecursively(path));
      }
      auto again = fs.ReadFileToString(lock_path);
      if (again.ok() && *again == entry.lock_contents) return fs.DeleteRecursively(lock_path);
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
