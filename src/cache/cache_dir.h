// cache::CacheDir — the cache directory, opened once, worked in only
// through a filesystem rooted at it (io::FileSystem::OpenDirectory(): on
// local disks a directory descriptor beneath which nothing follows a
// symlink), with the policy that decides which of its entries tfhub trusts.
//
// Which directory (ResolveOptions::cache_dir):
//  * Explicit (non-empty: TFHUB_CACHE_DIR, --tfhub_cache_dir, the option):
//    used as named, local or gs://. It may be shared on purpose (a team's
//    group-writable dir). A final symlink is followed only when it belongs
//    to this user or root (the kernel's protected_symlinks rule, everywhere).
//  * Default (empty): <temp dir>/tfhub_modules (DefaultCacheDir()), used only
//    if it is a real directory (not a link), owned by this user (or by root,
//    for root), and not writable by group or others — OpenSSH's StrictModes.
//    tfhub creates it 0700. Otherwise <temp dir>/tfhub_modules-<uid>,
//    checked the same way, with one warning per process that says why; if
//    that one is unsafe too, FailedPrecondition naming both and suggesting
//    TFHUB_CACHE_DIR.
//
// Trust (local dirs; gs:// and other backends have no owners, and their
// access control is the bucket's): an entry — module dir, descriptor, lock,
// temp dir — is trusted when it belongs to this user, root or the dir's
// owner, or, in a group-writable dir, to a member of the dir's group (a
// team's shared cache). An entry that is not trusted is never a hit, never
// taken over, never deleted; callers say so with Distrust().
//
// Thread safety: a CacheDir may be used from several threads. Movable.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tfhub/file_system.h"
#include "tfhub/result.h"

namespace tfhub::cache {

class CacheDir {
 public:
  using Log = std::function<void(std::string_view)>;

  // Opens the cache dir `dir` ("" = the default, see above) through
  // `registry`. With `create`, a missing dir is created (the default one
  // 0700); without, a missing dir gives a CacheDir whose exists() is false.
  // A remote dir on a billed backend (gs://) is not created: there a
  // directory is a prefix, which the first object written under it makes,
  // and a hit then costs no write.
  // Warnings (the default dir's fallback) go to `log`. Errors: the unsafe
  // default dirs (FailedPrecondition), a symlink of another user as an
  // explicit dir (FailedPrecondition), the filesystem's errors prefixed
  // "cannot create cache directory <dir>" or "cannot open cache directory".
  static Result<CacheDir> Open(const std::string& dir, bool create, io::FileSystemRegistry& registry,
                               const Log& log);

  CacheDir(CacheDir&&) noexcept;
  CacheDir& operator=(CacheDir&&) noexcept;
  ~CacheDir();

  // The path as it was chosen (after the default's fallback): what module
  // paths start with, and what messages name.
  const std::string& path() const { return path_; }
  // path() joined with a name in it.
  std::string PathOf(std::string_view name) const;
  bool exists() const { return fs_ != nullptr; }
  // Rooted at the dir: takes names relative to it. Requires exists().
  io::FileSystem& fs() const { return *fs_; }

  // Whether entries have owners tfhub judges (local dirs); false for remote
  // ones (gs://: the bucket's permissions decide who writes).
  bool HasOwners() const { return policy_ != nullptr; }
  // Whether the entry `info` describes may be used (see above); true where
  // the backend reports no owner.
  bool Trusts(const io::FileInfo& info) const;
  // For messages about an entry Trusts() refused: "<name> belongs to uid N
  // (user), whom tfhub does not trust in <dir> (a directory other users can
  // write); left alone".
  std::string Distrust(std::string_view name, const io::FileInfo& info) const;

 private:
  struct Policy;
  CacheDir(std::string path, std::unique_ptr<io::FileSystem> fs, std::shared_ptr<Policy> policy);
  static Result<CacheDir> OpenDefault(bool create, const Log& log);
  static Result<CacheDir> OpenLocal(const std::string& dir, bool create);
  static Result<CacheDir> OpenRemote(const std::string& dir, bool create, io::FileSystemRegistry& registry);
  static std::shared_ptr<Policy> PolicyOf(const io::FileInfo& dir);

  std::string path_;
  std::unique_ptr<io::FileSystem> fs_;
  std::shared_ptr<Policy> policy_;  // null: trust everything
};

}  // namespace tfhub::cache
