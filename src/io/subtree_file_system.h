// io::SubtreeFileSystem — FileSystem::OpenDirectory() for backends without
// links (object stores, in-memory filesystems): a directory of another
// filesystem, addressed by relative paths that are checked (see
// CheckRelativePath()) and joined to the directory's own path. Its own
// OpenDirectory() is the base's OpenDirectory() of the joined path (so a
// base that checks its directories checks them here too).
//
// Thread safety: as the base filesystem. Ownership: borrows `base`, which
// must outlive it.
#pragma once

#include <memory>
#include <string>

#include "tfhub/file_system.h"

namespace tfhub::io {

class SubtreeFileSystem final : public FileSystem {
 public:
  SubtreeFileSystem(FileSystem* base, std::string dir) : base_(base), dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }

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
  Status ReadStream(const std::string& path, StreamSink& sink) override;
  bool HasAtomicDirectoryRename() const override { return base_->HasAtomicDirectoryRename(); }
  bool RequestsAreBilled() const override { return base_->RequestsAreBilled(); }
  Result<std::unique_ptr<FileSystem>> OpenDirectory(const std::string& dir) override;
  Status SetAccessTime(const std::string& path, std::chrono::system_clock::time_point atime) override;

 private:
  // dir_ joined with `path`, or InvalidArgument.
  Result<std::string> Full(const std::string& path) const;

  FileSystem* base_;
  std::string dir_;
};

}  // namespace tfhub::io
