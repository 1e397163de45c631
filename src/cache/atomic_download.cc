#include "cache/atomic_download.h"

#include <algorithm>
#include <chrono>

#include "base/cancellation.h"
#include "base/system.h"
#include "cache/descriptor.h"
#include "cache/lock_file.h"

namespace tfhub::cache {

bool ModuleDirPopulated(io::FileSystem& fs, const std::string& dir) {
  auto names = fs.ListDir(dir);  // fails for a missing dir or a file
  return names.ok() && !names->empty();
}

namespace {

using Clock = std::chrono::steady_clock;

bool Cancelled(const AtomicDownloadOptions& options) { return base::IsCancelled(options.cancel); }

Status CancelledError(std::string_view handle) {
  return AbortedError("resolving " + std::string(handle) + " was interrupted");
}

}  // namespace

ModuleState InspectModule(io::FileSystem& fs, const CacheLayout& layout, std::string* why) {
  if (!ModuleDirPopulated(fs, layout.module_dir())) return ModuleState::kMissing;
  auto text = fs.ReadFileToString(layout.descriptor_path());
  if (!fs.HasAtomicDirectoryRename()) {
    // The descriptor is written after the module is in place: without it,
    // the module may be a copy in progress (or one cut short).
    if (!text.ok()) {
      if (why != nullptr) *why = "no descriptor: the module was not completely copied into place";
      return ModuleState::kMissing;
    }
    return ModuleState::kComplete;
  }
  if (!text.ok()) return ModuleState::kComplete;  // Python-written or no descriptor: trusted
  const Descriptor d = ParseDescriptor(*text);
  if (!d.has_record || d.handle.empty()) return ModuleState::kComplete;
  for (const auto& [path, size] : d.checked_files) {
    auto info = fs.Stat(io::JoinPath(layout.module_dir(), path));
    const bool missing = !info.ok() || info->type != io::FileType::kFile;
    if (missing || info->size != size) {
      if (why != nullptr) {
        *why = path + (missing ? " is missing" : " has " + std::to_string(info->size) + " bytes, not " +
                                                   std::to_string(size));
      }
      return ModuleState::kDamaged;
    }
  }
  return ModuleState::kComplete;
}

namespace {

// Waits until the lock at `lock_path` disappears, taking it over when its
// holder is dead or shows no progress for options.lock_timeout. Returns
// OK when the caller should try to take the lock again.
Status WaitForLock(io::FileSystem& fs, const CacheLayout& layout, std::string_view handle,
                   const AtomicDownloadOptions& options) {
  const std::string lock = layout.lock_path();
  const std::string host = base::HostName();
  // The holder's progress (its temp dir's size, which means walking it) is
  // sampled a few times per timeout window, not at every poll: many waiters
  // must not walk a big temp dir ten times a second each. The lock is taken
  // over once nothing changed for a whole window (within a quarter window).
  const auto sample_every = std::max<Clock::duration>(
      options.poll_interval,
      std::min<Clock::duration>(options.lock_timeout / 4, std::chrono::seconds(5)));
  std::string baseline_contents;
  uint64_t baseline_size = 0;
  bool have_baseline = false;
  auto last_change = Clock::now();
  auto last_sample = Clock::now() - sample_every;
  bool announced = false;

  for (;;) {
    if (Cancelled(options)) return CancelledError(handle);
    auto contents = fs.ReadFileToString(lock);
    if (!contents.ok()) {
      if (contents.status().code() == StatusCode::kNotFound) return Status::Ok();  // released
      return contents.status().WithPrefix("cannot read lock file " + lock);
    }
    const auto owner = ParseLockContents(*contents);
    if (!announced) {
      options.log("Module '" + std::string(handle) + "' already being downloaded by '" + *contents +
                  "'. Waiting.");
      announced = true;
    }
    if (owner && IsDeadLocalOwner(*owner, host)) {
      options.log("Taking over lock file " + lock + " of process " + std::to_string(owner->pid) +
                  ", which no longer exists.");
      auto again = fs.ReadFileToString(lock);
      if (again.ok() && *again == *contents) {
        fs.DeleteFile(lock).IgnoreError();
        fs.DeleteRecursively(layout.temp_dir(owner->uid)).IgnoreError();
      }
      return Status::Ok();
    }
    if (Clock::now() - last_sample >= sample_every) {
      last_sample = Clock::now();
      const uint64_t size = owner ? DirectorySize(fs, layout.temp_dir(owner->uid)) : 0;
      if (!have_baseline || size != baseline_size || *contents != baseline_contents) {
        have_baseline = true;
        baseline_size = size;
        baseline_contents = *contents;
        last_change = last_sample;
      } else if (last_sample - last_change >= options.lock_timeout) {
        options.log("Deleting lock file " + lock + " due to inactivity.");
        fs.DeleteFile(lock).IgnoreError();
        if (owner) fs.DeleteRecursively(layout.temp_dir(owner->uid)).IgnoreError();
        return Status::Ok();
      }
    }
    if (!base::SleepUnlessCancelled(options.poll_interval, options.cancel)) return CancelledError(handle);
  }
}

}  // namespace

Result<std::string> AtomicDownload(io::FileSystem& fs, const CacheLayout& layout,
                                   std::string_view handle, const DownloadFn& download,
                                   const AtomicDownloadOptions& options) {
  const std::string& module_dir = layout.module_dir();
  std::string why;
  const ModuleState state = InspectModule(fs, layout, &why);
  if (state == ModuleState::kComplete) return module_dir;
  if (state == ModuleState::kDamaged) {
    options.log("Module " + module_dir + " for " + std::string(handle) + " is damaged (" + why +
                "); downloading it again.");
  }

  if (Status s = fs.CreateDirs(layout.cache_dir()); !s.ok()) {
    return s.WithPrefix("cannot create cache directory " + layout.cache_dir());
  }

  const std::string uid = base::RandomUid();
  const std::string contents = LockContents(base::HostName(), base::ProcessId(), uid);
  const std::string lock = layout.lock_path();
  const std::string temp_dir = layout.temp_dir(uid);

  // Take the lock.
  for (;;) {
    if (Cancelled(options)) return CancelledError(handle);
    Status s = fs.CreateExclusive(lock, contents);
    if (s.ok()) break;
    if (s.code() != StatusCode::kAlreadyExists) {
      return s.WithPrefix("cannot create lock file " + lock);
    }
    TFHUB_RETURN_IF_ERROR(WaitForLock(fs, layout, handle, options));
    if (InspectModule(fs, layout, nullptr) == ModuleState::kComplete) return module_dir;
  }

  // Holding the lock from here on: always clean up.
  auto release = [&] {
    fs.DeleteRecursively(temp_dir).IgnoreError();
    auto now = fs.ReadFileToString(lock);
    if (now.ok() && *now == contents) fs.DeleteFile(lock).IgnoreError();
  };

  // Another process may have finished between our check and our lock.
  Status status;
  switch (InspectModule(fs, layout, nullptr)) {
    case ModuleState::kComplete:
      release();
      return module_dir;
    case ModuleState::kDamaged:
      // Move it aside first so no reader ever sees it half deleted.
      status = fs.RenameNoReplace(module_dir, module_dir + "." + uid + ".damaged");
      if (status.ok()) status = fs.DeleteRecursively(module_dir + "." + uid + ".damaged");
      break;
    case ModuleState::kMissing:
      status = fs.DeleteRecursively(module_dir);  // an empty leftover dir, or a copy cut short
      break;
  }
  if (status.ok()) status = fs.CreateDirs(temp_dir);
  if (!status.ok()) {
    release();
    return status;
  }

  auto record = download(temp_dir);
  if (!record.ok()) {
    release();
    return Cancelled(options) ? CancelledError(handle) : record.status();
  }

  Descriptor d;
  d.handle = std::string(handle);
  d.download_time = base::PythonLocalTimeString(std::chrono::system_clock::now());
  d.hostname = base::HostName();
  d.pid = base::ProcessId();
  d.has_record = true;
  d.tfhub_version = TFHUB_VERSION;
  d.files = record->sizes.size();
  d.bytes = record->bytes;
  auto manifest = ManifestSha256(record->sizes);
  if (!manifest.ok()) {
    release();
    return manifest.status();
  }
  d.manifest_sha256 = *manifest;
  d.checked_files = FilesToCheck(record->sizes);
  d.archive_sha256 = record->archive_sha256;
  const std::string descriptor = layout.descriptor_path();
  const std::string descriptor_tmp = descriptor + "." + uid + ".tmp";
  auto write_descriptor = [&]() -> Status {
    Status st = fs.WriteStringToFile(descriptor_tmp, FormatDescriptor(d));
    if (st.ok()) st = fs.Rename(descriptor_tmp, descriptor);
    if (!st.ok()) {
      fs.DeleteFile(descriptor_tmp).IgnoreError();
      return st.WithPrefix("cannot write module descriptor " + descriptor);
    }
    return Status::Ok();
  };
  // Where directory renames are atomic, the descriptor goes first (as
  // Python writes it) and the rename publishes both. Elsewhere the module is
  // copied into place first and the descriptor, written last, marks it
  // complete (InspectModule).
  const bool atomic_rename = fs.HasAtomicDirectoryRename();
  if (atomic_rename) {
    if (status = write_descriptor(); !status.ok()) {
      release();
      return status;
    }
  }

  status = fs.RenameNoReplace(temp_dir, module_dir);
  if (status.code() == StatusCode::kAlreadyExists) {  // a rogue writer won: its module stays
    options.log("Module already exists in " + module_dir);
    release();
    return module_dir;
  }
  if (status.ok() && !atomic_rename) status = write_descriptor();
  if (!status.ok() && atomic_rename) fs.DeleteFile(descriptor).IgnoreError();
  release();
  if (!status.ok()) return status.WithPrefix("cannot move the download into place");
  return module_dir;
}

}  // namespace tfhub::cache
