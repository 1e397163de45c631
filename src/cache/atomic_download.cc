#include "cache/atomic_download.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "base/clock.h"
#include "base/strings.h"
#include "base/system.h"
#include "cache/lock_file.h"
#include "cache/lock_progress.h"

namespace tfhub::cache {

bool ModuleDirPopulated(io::FileSystem& fs, const std::string& dir) {
  auto names = fs.ListDir(dir);  // fails for a missing dir, a file or a link
  return names.ok() && !names->empty();
}

std::optional<Descriptor> ReadDescriptor(const CacheDir& dir, const EntryNames& names) {
  if (!dir.HasOwners()) {
    // No owner to judge and no hard links (gs://): one read, which a
    // missing descriptor fails.
    auto text = dir.fs().ReadFileToString(names.descriptor(), kMaxDescriptorBytes);
    if (!text.ok()) return std::nullopt;
    return ParseDescriptor(*text);
  }
  auto info = dir.fs().Stat(names.descriptor());
  // Another hard link could be anyone's file (its owner says nothing of who
  // put the link here): never read.
  if (!info.ok() || info->type != io::FileType::kFile || !dir.Trusts(*info) || info->links > 1) return std::nullopt;
  auto text = dir.fs().ReadFileToString(names.descriptor(), kMaxDescriptorBytes);
  if (!text.ok()) return std::nullopt;
  return ParseDescriptor(*text);
}

namespace {

bool Cancelled(const AtomicDownloadOptions& options) { return base::IsCancelled(options.cancel); }

Status CancelledError(std::string_view handle) {
  return AbortedError("resolving " + std::string(handle) + " was interrupted");
}

ModuleState Say(std::string* why, std::string text, ModuleState state) {
  if (why != nullptr) *why = std::move(text);
  return state;
}

// A file tfhub recorded that is missing or has another size, or "".
std::string FirstDifference(io::FileSystem& fs, const std::string& module, const Descriptor& d) {
  // Each directory is opened once and its files stat'ed in it: a hit costs
  // one call per checked file, not a path resolution each.
  std::map<std::string, Result<std::unique_ptr<io::FileSystem>>> dirs;
  for (const auto& [path, size] : d.checked_files) {
    const auto slash = path.rfind('/');
    const std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
    auto it = dirs.find(parent);
    if (it == dirs.end()) {
      it = dirs.emplace(parent, fs.OpenDirectory(parent.empty() ? module : io::JoinPath(module, parent))).first;
    }
    Result<io::FileInfo> info = it->second.ok()
                                    ? (*it->second)->Stat(slash == std::string::npos ? path : path.substr(slash + 1))
                                    : Result<io::FileInfo>(it->second.status());
    const bool missing = !info.ok() || info->type != io::FileType::kFile;
    if (missing || info->size != size) {
      return base::EscapeForTerminal(path) +
             (missing ? " is missing" : " has " + std::to_string(info->size) + " bytes, not " + std::to_string(size));
    }
  }
  return "";
}

}  // namespace

// kComplete, unless a pin is given that `d` does not prove.
static ModuleState CheckPin(const std::optional<Descriptor>& d, std::string_view pin, std::string* why) {
  if (pin.empty()) return ModuleState::kComplete;
  const bool recorded = d && d->has_record && !d->handle.empty();
  if (!recorded || d->archive_sha256.empty()) {
    return Say(why, "no archive SHA-256 is recorded for it (not downloaded by tfhub), so the pin cannot be checked",
               ModuleState::kUnpinned);
  }
  if (d->archive_sha256 != pin) {
    return Say(why, "it was downloaded from an archive with SHA-256 " + base::EscapeForTerminal(d->archive_sha256) +
                        ", not " + std::string(pin),
               ModuleState::kUnpinned);
  }
  return ModuleState::kComplete;
}

ModuleState InspectModule(const CacheDir& dir, const EntryNames& names, std::string_view pin, std::string* why) {
  io::FileSystem& fs = dir.fs();
  if (!fs.HasAtomicDirectoryRename() && !dir.HasOwners()) {
    // An object store (gs://): the descriptor, written last, marks a
    // complete module, so it is read first (a miss costs one request); then
    // one listing shows the module's files are there. No owner to judge,
    // and no size check (that is a listing of the whole module).
    const std::optional<Descriptor> d = ReadDescriptor(dir, names);
    if (!d) return Say(why, "no descriptor: the module is not (completely) in place", ModuleState::kMissing);
    if (!ModuleDirPopulated(fs, names.module())) {
      return Say(why, "a descriptor without module files", ModuleState::kMissing);
    }
    return CheckPin(d, pin, why);
  }
  auto info = fs.Stat(names.module());
  if (!info.ok() || info->type == io::FileType::kNotFound) return ModuleState::kMissing;
  if (!dir.Trusts(*info)) return Say(why, dir.Distrust(names.module(), *info), ModuleState::kUntrusted);
  if (info->type != io::FileType::kDirectory) {
    return Say(why, dir.PathOf(names.module()) + " is not a directory", ModuleState::kMissing);
  }
  if (!ModuleDirPopulated(fs, names.module())) return ModuleState::kMissing;
  const std::optional<Descriptor> d = ReadDescriptor(dir, names);
  if (!fs.HasAtomicDirectoryRename() && !d) {
    // The descriptor is written after the module is in place: without it,
    // the module may be a copy in progress (or one cut short).
    return Say(why, "no descriptor: the module was not completely copied into place", ModuleState::kMissing);
  }
  const bool recorded = d && d->has_record && !d->handle.empty();
  if (recorded && fs.HasAtomicDirectoryRename()) {
    if (std::string diff = FirstDifference(fs, names.module(), *d); !diff.empty()) {
      return Say(why, std::move(diff), ModuleState::kDamaged);
    }
  }
  return CheckPin(d, pin, why);
}

namespace {

// Deletes `name` if it is there and trusted (another user's entry is left).
void DeleteIfTrusted(const CacheDir& dir, const std::string& name) {
  auto info = dir.fs().Stat(name);
  if (info.ok() && info->type != io::FileType::kNotFound && dir.Trusts(*info)) {
    dir.fs().DeleteRecursively(name).IgnoreError();
  }
}

// Outcome of looking at the lock once (LookAtLock).
enum class LockLook { kHeld, kReleased };

// What a waiter has seen of a foreign lock so far: what changed last, for
// the takeover of a holder that shows no progress.
struct LockWatch {
  base::Clock::TimePoint last_change;
  base::Clock::TimePoint last_sample;
  std::string contents;
  std::optional<LockOwner> owner;
  uint64_t size = 0;
  bool have_contents = false;
  bool have_size = false;
  bool announced = false;
};

// Reads the lock once: released, or still held (after the checks — dead
// local holder, takeover after lock_timeout without progress — that may
// end the wait with OK). Errors for locks that are not to be waited on.
// The holder's temp dir is walked at most every `sample_every`.
Result<LockLook> LookAtLock(const CacheDir& dir, const EntryNames& names, std::string_view handle,
                            const AtomicDownloadOptions& options, base::Clock& clock, const std::string& host,
                            std::chrono::steady_clock::duration sample_every, LockWatch& watch) {
  io::FileSystem& fs = dir.fs();
  const std::string lock_path = dir.PathOf(names.lock());
  TFHUB_ASSIGN_OR_RETURN(LockState lock, ReadLock(dir, names));
  if (!lock.exists) return LockLook::kReleased;
  if (!lock.trusted) return FailedPreconditionError(dir.Distrust(names.lock(), lock.info));
  if (!lock.unreadable.ok()) {
    return FailedPreconditionError(lock.unreadable.message() + "; left alone. If no download of " +
                                   std::string(handle) + " is running, remove " + lock_path);
  }
  const std::optional<LockOwner>& owner = lock.owner;
  if (!watch.announced) {
    options.log("Module '" + std::string(handle) + "' already being downloaded by '" +
                base::EscapeForTerminal(lock.contents) + "'. Waiting.");
    watch.announced = true;
  }
  if (owner && IsDeadLocalOwner(*owner, host)) {
    options.log("Taking over lock file " + lock_path + " of process " + std::to_string(owner->pid) +
                ", which no longer exists.");
    auto again = fs.ReadFileToString(names.lock(), kMaxLockBytes);
    if (again.ok() && *again == lock.contents) {
      fs.DeleteFile(names.lock()).IgnoreError();
      DeleteIfTrusted(dir, names.temp_dir(owner->uid));
      DeleteIfTrusted(dir, names.progress(owner->uid));
    }
    return LockLook::kReleased;
  }
  const auto now = clock.Now();
  if (!watch.have_contents || lock.contents != watch.contents) {
    if (watch.have_contents) watch.last_change = now;  // another holder
    watch.have_contents = true;
    watch.contents = lock.contents;
    watch.owner = owner;
    watch.have_size = false;
  }
  if (now - watch.last_sample >= sample_every) {
    watch.last_sample = now;
    const uint64_t size = owner ? DirectorySize(fs, names.temp_dir(owner->uid)) : 0;
    if (!watch.have_size || size != watch.size) {
      if (watch.have_size) watch.last_change = now;
      watch.have_size = true;
      watch.size = size;
    } else if (now - watch.last_change >= options.lock_timeout) {
      options.log("Deleting lock file " + lock_path + " due to inactivity.");
      fs.DeleteFile(names.lock()).IgnoreError();
      if (owner) {
        DeleteIfTrusted(dir, names.temp_dir(owner->uid));
        DeleteIfTrusted(dir, names.progress(owner->uid));
      }
      return LockLook::kReleased;
    }
  }
  return LockLook::kHeld;
}

// The holder's progress is measured (its temp dir's size, which means
// walking it) a few times per timeout window, not at every poll: many
// waiters must not walk a big temp dir ten times a second each. The lock is
// taken over once nothing changed for a whole window (within a quarter
// window).
std::chrono::steady_clock::duration SampleEvery(const AtomicDownloadOptions& options) {
  using Duration = std::chrono::steady_clock::duration;
  return std::max<Duration>(options.poll_interval,
                            std::min<Duration>(options.lock_timeout / 4, std::chrono::seconds(5)));
}

// Waits until the lock disappears, taking it over when its holder is dead
// or shows no progress for options.lock_timeout. Returns OK when the caller
// should try to take the lock again. Local filesystems: the lock is read
// every poll_interval.
Status WaitForLockPolling(const CacheDir& dir, const EntryNames& names, std::string_view handle,
                          const AtomicDownloadOptions& options, base::Clock& clock) {
  const std::string host = base::HostName();
  const auto sample_every = SampleEvery(options);
  LockWatch watch;
  watch.last_change = clock.Now();
  watch.last_sample = clock.Now() - sample_every;
  for (;;) {
    if (Cancelled(options)) return CancelledError(handle);
    TFHUB_ASSIGN_OR_RETURN(LockLook look, LookAtLock(dir, names, handle, options, clock, host, sample_every, watch));
    if (look == LockLook::kReleased) return Status::Ok();
    if (!clock.SleepUnlessCancelled(options.poll_interval, options.cancel)) return CancelledError(handle);
  }
}

// The same on a billed backend: a look is one read of the holder's progress
// record while it keeps changing (the holder's heartbeat); the lock itself
// is read (and the temp dir walked, at most every SampleEvery) only while
// there is no record or it has not changed for a while — a Python holder,
// a holder that just started or finishes, or one that died. WaitSchedule
// says when to look next.
Status WaitForLockBilled(const CacheDir& dir, const EntryNames& names, std::string_view handle,
                         const AtomicDownloadOptions& options, base::Clock& clock) {
  using std::chrono::milliseconds;
  io::FileSystem& fs = dir.fs();
  const std::string host = base::HostName();
  const auto sample_every = SampleEvery(options);
  // A record that has not changed for this long (the holder writes every
  // progress_every while bytes arrive) no longer vouches for the lock.
  using Duration = std::chrono::steady_clock::duration;
  const auto stale_after = std::min<Duration>(
      std::max<Duration>(3 * options.progress_every,
                         std::min<Duration>(options.lock_timeout / 4, std::chrono::seconds(10))),
      options.lock_timeout / 2);
  const auto cap = std::chrono::duration_cast<milliseconds>(
      std::max<std::chrono::steady_clock::duration>(options.poll_interval, options.lock_timeout / 4));
  WaitSchedule schedule(options.wait_schedule, options.jitter_seed);
  LockWatch watch;
  watch.last_change = clock.Now();
  watch.last_sample = clock.Now() - sample_every;
  std::string record_text;   // the last record read, of watch.owner
  bool record_seen = false;  // a record of watch.owner was read
  auto last_record_change = clock.Now();
  for (;;) {
    if (Cancelled(options)) return CancelledError(handle);
    std::optional<LockProgress> record;
    if (watch.owner) {
      auto text = fs.ReadFileToString(names.progress(watch.owner->uid), kMaxProgressBytes);
      if (text.ok()) record = ParseLockProgress(*text);
      if (record && *text != record_text) {
        record_text = std::move(*text);
        record_seen = true;
        last_record_change = watch.last_change = clock.Now();
      }
    }
    const bool fresh = record && clock.Now() - last_record_change < stale_after;
    if (!fresh) {
      const std::optional<LockOwner> before = watch.owner;
      TFHUB_ASSIGN_OR_RETURN(LockLook look,
                             LookAtLock(dir, names, handle, options, clock, host, sample_every, watch));
      if (look == LockLook::kReleased) return Status::Ok();
      if (!before || !watch.owner || before->uid != watch.owner->uid) {  // a new holder: its own record
        record_text.clear();
        record_seen = false;
        record.reset();
      }
    }
    auto delay = schedule.Next(record, record_seen && !record, cap);
    if (!fresh) delay = std::min(delay, std::chrono::duration_cast<milliseconds>(sample_every));
    if (!clock.SleepUnlessCancelled(delay, options.cancel)) return CancelledError(handle);
  }
}

Status WaitForLock(const CacheDir& dir, const EntryNames& names, std::string_view handle,
                   const AtomicDownloadOptions& options) {
  base::Clock& clock = options.clock != nullptr ? *options.clock : base::Clock::Real();
  if (dir.fs().RequestsAreBilled()) return WaitForLockBilled(dir, names, handle, options, clock);
  return WaitForLockPolling(dir, names, handle, options, clock);
}

// The lock's own temp dir, held open while the download fills it, removed
// when this goes out of scope unless it was renamed into place (and only if
// what carries its name is still that same directory).
class TempDir {
 public:
  static Result<TempDir> Create(const CacheDir& dir, std::string name) {
    TFHUB_RETURN_IF_ERROR(dir.fs().CreateDirs(name));
    TempDir temp(&dir, std::move(name));
    TFHUB_ASSIGN_OR_RETURN(temp.fs_, dir.fs().OpenDirectory(temp.name_));
    TFHUB_ASSIGN_OR_RETURN(temp.info_, temp.fs_->Stat(""));
    if (temp.info_.owner && *temp.info_.owner != ::geteuid()) {
      return FailedPreconditionError(dir.PathOf(temp.name_) + " is not the directory this process created");
    }
    return temp;
  }
  TempDir(TempDir&& o) noexcept
      : dir_(o.dir_), name_(std::move(o.name_)), fs_(std::move(o.fs_)), info_(o.info_), installed_(o.installed_) {
    o.dir_ = nullptr;
  }
  ~TempDir() {
    if (dir_ != nullptr && !installed_ && IsOurs(name_)) dir_->fs().DeleteRecursively(name_).IgnoreError();
  }

  io::FileSystem& fs() { return *fs_; }
  const std::string& name() const { return name_; }

  // True when `name` in the cache dir is this very directory (where the
  // backend can tell; elsewhere, when it is a directory).
  bool IsOurs(const std::string& name) const {
    auto info = dir_->fs().Stat(name);
    if (!info.ok() || info->type != io::FileType::kDirectory) return false;
    return info_.inode == 0 || (info->device == info_.device && info->inode == info_.inode);
  }
  void MarkInstalled() { installed_ = true; }

 private:
  TempDir(const CacheDir* dir, std::string name) : dir_(dir), name_(std::move(name)) {}
  const CacheDir* dir_;
  std::string name_;
  std::unique_ptr<io::FileSystem> fs_;
  io::FileInfo info_;
  bool installed_ = false;
};

Descriptor DescriptorFor(std::string_view handle, const DownloadRecord& record, std::string manifest) {
  Descriptor d;
  d.handle = std::string(handle);
  d.download_time = base::PythonLocalTimeString(std::chrono::system_clock::now());
  d.hostname = base::HostName();
  d.pid = base::ProcessId();
  d.has_record = true;
  d.tfhub_version = TFHUB_VERSION;
  d.files = record.sizes.size();
  d.bytes = record.bytes;
  d.manifest_sha256 = std::move(manifest);
  d.checked_files = FilesToCheck(record.sizes);
  d.archive_sha256 = record.archive_sha256;
  return d;
}

Status WriteDescriptor(const CacheDir& dir, const EntryNames& names, std::string_view uid, const Descriptor& d) {
  io::FileSystem& fs = dir.fs();
  const std::string temp = names.descriptor_temp(uid);
  Status st = fs.WriteStringToFile(temp, FormatDescriptor(d));
  if (st.ok()) st = fs.Rename(temp, names.descriptor());
  if (!st.ok()) {
    fs.DeleteFile(temp).IgnoreError();
    return st.WithPrefix("cannot write module descriptor " + dir.PathOf(names.descriptor()));
  }
  return Status::Ok();
}

}  // namespace

namespace {

// Takes the lock of `names`, waiting for (or taking over) another holder.
// nullopt when a complete module appeared meanwhile.
Result<std::optional<CacheLock>> TakeLock(const CacheDir& dir, const EntryNames& names, std::string_view handle,
                                          const AtomicDownloadOptions& options) {
  for (;;) {
    if (Cancelled(options)) return CancelledError(handle);
    auto taken = CacheLock::Take(dir, names, base::HostName(), base::ProcessId());
    if (taken.ok()) return std::optional<CacheLock>(std::move(*taken));
    if (taken.status().code() != StatusCode::kAlreadyExists) return taken.status();
    TFHUB_RETURN_IF_ERROR(WaitForLock(dir, names, handle, options));
    if (InspectModule(dir, names, options.archive_sha256, nullptr) == ModuleState::kComplete) {
      return std::optional<CacheLock>();
    }
  }
}

// Puts the filled temp dir in place as <sha1>/ with descriptor `d`
// (holding the lock whose uid is `uid`). With `replacing`, a module there
// (damaged, or not of the pinned archive) is moved aside first and deleted
// at the end — or put back if the new one cannot be installed.
Result<std::string> Install(const CacheDir& dir, const EntryNames& names, std::string_view handle, TempDir& temp,
                            const std::string& uid, bool replacing, const Descriptor& d,
                            const AtomicDownloadOptions& options) {
  io::FileSystem& fs = dir.fs();
  const std::string module_path = dir.PathOf(names.module());
  const std::string aside = names.damaged_dir(uid);
  bool moved_aside = false;
  if (replacing) {
    Status s = fs.RenameNoReplace(names.module(), aside);
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s.WithPrefix("cannot move " + module_path + " aside");
    moved_aside = s.ok();
  }

  // Where directory renames are atomic, the descriptor goes first (as
  // Python writes it) and the rename publishes both. Elsewhere the module is
  // copied into place first and the descriptor, written last, marks it
  // complete (InspectModule).
  const bool atomic_rename = fs.HasAtomicDirectoryRename();
  Status status = atomic_rename ? WriteDescriptor(dir, names, uid, d) : Status::Ok();
  if (status.ok()) status = fs.RenameNoReplace(temp.name(), names.module());
  if (status.code() == StatusCode::kAlreadyExists) {  // a rogue writer won: its module stays
    options.log("Module already exists in " + module_path);
    std::string why;
    if (InspectModule(dir, names, options.archive_sha256, &why) == ModuleState::kComplete) return module_path;
    return FailedPreconditionError("another writer put " + module_path + " in place meanwhile, and it cannot be used: " +
                                   why);
  }
  if (status.ok()) {
    temp.MarkInstalled();
    if (!temp.IsOurs(names.module())) {
      // Someone swapped the temp dir's name for something of their own
      // between the download and the rename: never hand that out.
      status = FailedPreconditionError(module_path + " is not the directory " + std::string(handle) +
                                       " was downloaded into: the temp dir was replaced while it was installed");
    }
  }
  if (status.ok() && !atomic_rename) status = WriteDescriptor(dir, names, uid, d);
  if (!status.ok()) {
    if (atomic_rename) fs.DeleteFile(names.descriptor()).IgnoreError();
    if (moved_aside && fs.RenameNoReplace(aside, names.module()).ok()) moved_aside = false;  // put it back
  }
  if (moved_aside) fs.DeleteRecursively(aside).IgnoreError();
  if (!status.ok()) return status.WithPrefix("cannot move the download into place");
  return module_path;
}

}  // namespace

Result<std::string> AtomicDownload(const CacheDir& dir, std::string_view handle, const DownloadFn& download,
                                   const AtomicDownloadOptions& options) {
  const EntryNames names = EntryNames::ForHandle(handle);
  const std::string module_path = dir.PathOf(names.module());
  std::string why;
  switch (InspectModule(dir, names, options.archive_sha256, &why)) {
    case ModuleState::kComplete: return module_path;
    case ModuleState::kUntrusted: return FailedPreconditionError(why);
    case ModuleState::kDamaged:
      options.log("Module " + module_path + " for " + std::string(handle) + " is damaged (" + why +
                  "); downloading it again.");
      break;
    case ModuleState::kUnpinned:
      options.log("Module " + module_path + " for " + std::string(handle) + " does not match the pinned archive (" +
                  why + "); downloading it again.");
      break;
    case ModuleState::kMissing: break;
  }

  TFHUB_ASSIGN_OR_RETURN(std::optional<CacheLock> lock, TakeLock(dir, names, handle, options));
  if (!lock) return module_path;
  // Holding the lock from here on (released when `lock` goes out of scope).
  // Another process may have finished between our check and our lock.
  const ModuleState state = InspectModule(dir, names, options.archive_sha256, &why);
  if (state == ModuleState::kComplete) return module_path;
  if (state == ModuleState::kUntrusted) return FailedPreconditionError(why);
  if (state == ModuleState::kMissing) {
    // An empty leftover dir, a link, or a copy cut short: nothing to keep.
    TFHUB_RETURN_IF_ERROR(dir.fs().DeleteRecursively(names.module()));
  }
  TFHUB_ASSIGN_OR_RETURN(TempDir temp, TempDir::Create(dir, names.temp_dir(lock->uid())));
  // Destroyed before `lock`: the record goes before the lock is released.
  ProgressPublisher publisher(dir, names, lock->uid(),
                              options.clock != nullptr ? *options.clock : base::Clock::Real(),
                              options.progress_every);
  auto record = download(temp.fs(), [&publisher](uint64_t done, uint64_t total) { publisher.Report(done, total); });
  if (!record.ok()) return Cancelled(options) ? CancelledError(handle) : record.status();
  TFHUB_ASSIGN_OR_RETURN(std::string manifest, ManifestSha256(record->sizes));
  const bool replacing = state == ModuleState::kDamaged || state == ModuleState::kUnpinned;
  publisher.Installing();
  auto installed = Install(dir, names, handle, temp, lock->uid(), replacing,
                           DescriptorFor(handle, *record, std::move(manifest)), options);
  publisher.Finish();
  return installed;
}

}  // namespace tfhub::cache
