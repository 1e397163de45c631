// Files over POSIX descriptors, shared by the local backends
// (LocalFileSystem, LocalDirFileSystem), and the one place errno becomes a
// Status.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tfhub/file_system.h"

namespace tfhub::io {

// Owns `fd` (open for writing); `path` names it in messages.
std::unique_ptr<WritableFile> NewPosixWritableFile(std::string path, int fd);

// Owns `fd` (open for reading) of a file of `size` bytes.
std::unique_ptr<RandomAccessFile> NewPosixRandomAccessFile(std::string path, int fd, uint64_t size);

// Reads `fd` to its end (at most `max_bytes`, else FailedPrecondition naming
// `path`); does not close it.
Result<std::string> ReadFdToString(int fd, const std::string& path, uint64_t max_bytes);

// Writes all of `data` to `fd`.
Status WriteAll(int fd, std::string_view data, const std::string& path);

// The one place errno becomes a Status: "<op> <path>: <strerror>", with
// ENOENT → NotFound, EEXIST/ENOTEMPTY → AlreadyExists, EACCES/EPERM/EROFS →
// PermissionDenied, ENOSPC/EDQUOT → ResourceExhausted, EISDIR/ENOTDIR/ELOOP/
// ENAMETOOLONG → FailedPrecondition, EINVAL → InvalidArgument, EINTR/EAGAIN/
// EBUSY → Unavailable, anything else → Internal.
Status PosixError(std::string_view op, std::string_view path, int err);

// A descriptor closed when it goes out of scope.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace tfhub::io
