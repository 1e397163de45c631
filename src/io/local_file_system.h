// io::LocalFileSystem — POSIX files, for plain paths and file:// URIs.
//
// "file:///tmp/x" and "/tmp/x" name the same file. Thread-safe.
#pragma once

#include <string>

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
  Result<std::string> ReadFileToString(const std::string& path) override;
};

// The local path of `uri`: strips a leading "file://".
std::string LocalPath(std::string_view uri);

// The one place errno becomes a Status: "<op> <path>: <strerror>", with
// ENOENT → NotFound, EEXIST → AlreadyExists, EACCES/EPERM/EROFS →
// PermissionDenied, ENOSPC/EDQUOT → ResourceExhausted, EISDIR/ENOTDIR →
// FailedPrecondition, anything else → Internal... (see .cc).
Status PosixError(std::string_view op, std::string_view path, int err);

}  // namespace tfhub::io
