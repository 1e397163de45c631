// io::LocalDirFileSystem — a local directory held open by a file
// descriptor, every path resolved beneath it and no symlink ever followed
// (the contract of FileSystem::OpenDirectory()). It is what the cache works
// through, so that another user who can write the cache dir cannot steer
// what tfhub writes, deletes or reads there:
//
//  * paths resolve with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) on
//    kernels that have it (Linux >= 5.6), else component by component with
//    openat(O_NOFOLLOW); operations on a final name use the *at() calls
//    (mkdirat, unlinkat, renameat2, linkat, fstatat, utimensat) on its
//    parent's descriptor;
//  * Stat() is lstat-like (kSymlink); reads and NewRandomAccessFile() open
//    with O_NOFOLLOW | O_NONBLOCK and take regular files only (a FIFO fails
//    at once instead of hanging); NewWritableFile() never truncates or
//    writes a file with more than one link or another owner;
//  * DeleteRecursively() walks by descriptors (openat O_DIRECTORY |
//    O_NOFOLLOW, fdopendir, unlinkat), checks that each directory it opened
//    is the one it looked at, never follows a link (it removes the link)
//    and never leaves the tree; ListTree() never follows links either. Both
//    stop at kMaxDepth levels.
//
// Thread safety: safe for concurrent use. Ownership: owns its descriptor;
// filesystems from OpenDirectory() hold their own.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tfhub/file_system.h"

namespace tfhub::io {

class LocalDirFileSystem final : public FileSystem {
 public:
  static constexpr int kMaxDepth = 64;

  // Takes ownership of `fd`, an open directory; `path` names it in messages.
  LocalDirFileSystem(int fd, std::string path);
  ~LocalDirFileSystem() override;
  LocalDirFileSystem(const LocalDirFileSystem&) = delete;
  LocalDirFileSystem& operator=(const LocalDirFileSystem&) = delete;

  // The directory's path as it was opened (for messages and results).
  const std::string& path() const { return path_; }

  Result<FileInfo> Stat(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Status CreateDirs(const std::string& path) override;
  Status DeleteFile(const std::string& path) override;
  Status DeleteRecursively(const std::string& path) override;
  Status RenameNoReplace(const std::string& from, const std::string& to) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Status CreateExclusive(const std::string& path, std::string_view content) override;
  Result<std::string> ReadFileToString(const std::string& path, uint64_t max_bytes = kNoLimit) override;
  Result<std::vector<TreeEntry>> ListTree(const std::string& dir) override;
  Result<std::unique_ptr<FileSystem>> OpenDirectory(const std::string& dir) override;
  Status SetAccessTime(const std::string& path, std::chrono::system_clock::time_point atime) override;

 private:
  std::string Display(std::string_view rel) const;

  int fd_;
  std::string path_;
};

// Opens the local directory `path` (a plain path or file:// URI). A final
// symlink is followed only with `follow_final_symlink` (components before
// it always are: the caller named the path). Errors: NotFound,
// FailedPrecondition (not a directory; a symlink when not followed),
// PermissionDenied.
Result<std::unique_ptr<LocalDirFileSystem>> OpenLocalDirectory(std::string_view path, bool follow_final_symlink);

// FileInfo of a stat(2) result.
FileInfo FileInfoFromStat(const struct stat& st);

namespace testing {
// Test seams. Off: resolve paths component by component even where openat2
// exists (the fallback's tests). The hook runs whenever DeleteRecursively()
// has opened a directory and is about to list it, with its path (for
// tests that change the tree at that moment). Not thread-safe: set them
// before anything runs.
void SetUseOpenat2(bool use);
void SetDeleteTreeHook(std::function<void(const std::string& dir)> hook);
}  // namespace testing

}  // namespace tfhub::io
