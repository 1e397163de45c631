// io::LocalFileSystem — POSIX files, for plain paths and file:// URIs.
//
// "file:///tmp/x" and "/tmp/x" name the same file. Thread-safe.
#pragma once

#include <string>

#include "io/posix_file.h"
#include "tfhub/file_system.h"

namespace tfhub::io {

class LocalFileSystem final : public FileSystem {
 public:
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
  // Never follows a link below `dir` (see LocalDirFileSystem).
  Result<std::vector<TreeEntry>> ListTree(const std::string& dir) override;
  // A final symlink is refused (see FileSystem::OpenDirectory()).
  Result<std::unique_ptr<FileSystem>> OpenDirectory(const std::string& dir) override;
  Status SetAccessTime(const std::string& path, std::chrono::system_clock::time_point atime) override;
};

// The local path of `uri`: strips a leading "file://".
std::string LocalPath(std::string_view uri);

}  // namespace tfhub::io
