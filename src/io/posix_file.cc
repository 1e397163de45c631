#include "io/posix_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/strings.h"

namespace tfhub::io {

Status PosixError(std::string_view op, std::string_view path, int err) {
  std::string msg = std::string(op) + " '" + std::string(path) + "': " + base::ErrnoText(err);
  switch (err) {
    case ENOENT: return NotFoundError(std::move(msg));
    case EEXIST:
    case ENOTEMPTY: return AlreadyExistsError(std::move(msg));
    case EACCES:
    case EPERM:
    case EROFS: return PermissionDeniedError(std::move(msg));
    case ENOSPC:
    case EDQUOT: return ResourceExhaustedError(std::move(msg));
    case EISDIR:
    case ENOTDIR:
    case ELOOP:
    case ENAMETOOLONG: return FailedPreconditionError(std::move(msg));
    case EINVAL: return InvalidArgumentError(std::move(msg));
    case EINTR:
    case EAGAIN:
    case EBUSY: return UnavailableError(std::move(msg));
    default: return InternalError(std::move(msg));
  }
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<std::string> ReadFdToString(int fd, const std::string& path, uint64_t max_bytes) {
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError("read", path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      return FailedPreconditionError("'" + path + "' is larger than " + std::to_string(max_bytes) +
                                     " bytes, more than such a file holds");
    }
  }
  return out;
}

namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override { return WriteAll(fd_, data, path_); }

  Status Close() override {
    const int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) return PosixError("close", path_, errno);
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  uint64_t Size() const override { return size_; }

  Result<std::string_view> ReadAt(uint64_t offset, size_t n, char* scratch) const override {
    // The EOF contract is against Size(), as for every backend (an empty
    // read past the end included); a file that shrank since is a short read.
    if (offset > size_ || n > size_ - offset) {
      return OutOfRangeError("read " + std::to_string(n) + " bytes at offset " + std::to_string(offset) + " of '" +
                             path_ + "', which has " + std::to_string(size_) + " bytes");
    }
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd_, scratch + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError("read", path_, errno);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    if (got < n) {
      return OutOfRangeError("read " + std::to_string(n) + " bytes at offset " + std::to_string(offset) + " of '" +
                             path_ + "': only " + std::to_string(got) + " bytes before end of file");
    }
    return std::string_view(scratch, got);
  }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

}  // namespace

std::unique_ptr<WritableFile> NewPosixWritableFile(std::string path, int fd) {
  return std::make_unique<PosixWritableFile>(std::move(path), fd);
}

std::unique_ptr<RandomAccessFile> NewPosixRandomAccessFile(std::string path, int fd, uint64_t size) {
  return std::make_unique<PosixRandomAccessFile>(std::move(path), fd, size);
}

}  // namespace tfhub::io
