#include "io/local_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>  // RENAME_NOREPLACE
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"
#include "base/system.h"

namespace tfhub::io {

std::string LocalPath(std::string_view uri) {
  constexpr std::string_view kFile = "file://";
  if (uri.substr(0, kFile.size()) == kFile) uri.remove_prefix(kFile.size());
  return std::string(uri);
}

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

namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

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
  PosixRandomAccessFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  uint64_t Size() const override { return size_; }

  Result<std::string_view> ReadAt(uint64_t offset, size_t n, char* scratch) const override {
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
      return OutOfRangeError("read " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                             " of '" + path_ + "': only " + std::to_string(got) + " bytes before end of file");
    }
    return std::string_view(scratch, got);
  }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

Status DeleteTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return PosixError("stat", path, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return PosixError("delete", path, errno);
    return Status::Ok();
  }
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return Status::Ok();
    return PosixError("open directory", path, errno);
  }
  Status status;
  while (dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    Status s = DeleteTree(JoinPath(path, name));
    if (!s.ok() && status.ok()) status = s;
  }
  ::closedir(dir);
  if (!status.ok()) return status;
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) return PosixError("delete directory", path, errno);
  return Status::Ok();
}

}  // namespace

Result<FileInfo> LocalFileSystem::Stat(const std::string& uri) {
  const std::string path = LocalPath(uri);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return FileInfo{};
    return PosixError("stat", path, errno);
  }
  FileInfo info;
  info.type = S_ISDIR(st.st_mode) ? FileType::kDirectory
              : S_ISREG(st.st_mode) ? FileType::kFile
                                    : FileType::kOther;
  info.size = static_cast<uint64_t>(st.st_size);
  return info;
}

Result<std::vector<std::string>> LocalFileSystem::ListDir(const std::string& uri) {
  const std::string path = LocalPath(uri);
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return PosixError("list directory", path, errno);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(dir);
  return names;
}

Status LocalFileSystem::CreateDirs(const std::string& uri) {
  const std::string path = LocalPath(uri);
  if (path.empty()) return Status::Ok();
  if (::mkdir(path.c_str(), 0777) == 0) return Status::Ok();
  int err = errno;
  if (err == EEXIST) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::Ok();
    return PosixError("create directory", path, ENOTDIR);
  }
  if (err != ENOENT) return PosixError("create directory", path, err);
  // Create the parent first, then retry.
  std::string parent = path;
  while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
  const auto slash = parent.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return PosixError("create directory", path, err);
  TFHUB_RETURN_IF_ERROR(CreateDirs(parent.substr(0, slash)));
  if (::mkdir(path.c_str(), 0777) == 0 || errno == EEXIST) return Status::Ok();
  return PosixError("create directory", path, errno);
}

Status LocalFileSystem::DeleteFile(const std::string& uri) {
  const std::string path = LocalPath(uri);
  if (::unlink(path.c_str()) != 0) return PosixError("delete", path, errno);
  return Status::Ok();
}

Status LocalFileSystem::DeleteRecursively(const std::string& uri) {
  return DeleteTree(LocalPath(uri));
}

Status LocalFileSystem::RenameNoReplace(const std::string& from_uri, const std::string& to_uri) {
  const std::string from = LocalPath(from_uri);
  const std::string to = LocalPath(to_uri);
  // renameat2(RENAME_NOREPLACE): plain rename(2) would silently replace an
  // empty target directory.
  if (::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return Status::Ok();
  }
  const int err = errno;
  if (err == EEXIST || err == ENOTEMPTY) {
    return AlreadyExistsError("rename '" + from + "' to '" + to + "': target exists");
  }
  return PosixError("rename '" + from + "' to", to, err);
}

Status LocalFileSystem::Rename(const std::string& from_uri, const std::string& to_uri) {
  const std::string from = LocalPath(from_uri);
  const std::string to = LocalPath(to_uri);
  if (::rename(from.c_str(), to.c_str()) != 0) return PosixError("rename '" + from + "' to", to, errno);
  return Status::Ok();
}

Result<std::unique_ptr<RandomAccessFile>> LocalFileSystem::NewRandomAccessFile(const std::string& uri) {
  const std::string path = LocalPath(uri);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return PosixError("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return PosixError("stat", path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return PosixError("open", path, EISDIR);
  }
  return std::unique_ptr<RandomAccessFile>(
      new PosixRandomAccessFile(path, fd, static_cast<uint64_t>(st.st_size)));
}

Result<std::unique_ptr<WritableFile>> LocalFileSystem::NewWritableFile(const std::string& uri) {
  const std::string path = LocalPath(uri);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0) return PosixError("create file", path, errno);
  return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
}

Status LocalFileSystem::CreateExclusive(const std::string& uri, std::string_view content) {
  const std::string path = LocalPath(uri);
  // Write a private temp file, then link(2) it into place: link fails with
  // EEXIST atomically, and readers never see the file half written.
  const std::string tmp = path + ".tmp" + base::RandomUid();
  {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) return PosixError("create file", tmp, errno);
    PosixWritableFile file(tmp, fd);
    Status s = file.Append(content);
    if (s.ok()) s = file.Close();
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  const int rc = ::link(tmp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(tmp.c_str());
  if (rc == 0) return Status::Ok();
  if (err == EEXIST) return AlreadyExistsError("create '" + path + "': already exists");
  if (err == EPERM || err == EMLINK || err == ENOTSUP) {
    // Filesystems without hard links: fall back to O_EXCL on the final name.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) return PosixError("create file", path, errno);
    PosixWritableFile file(path, fd);
    TFHUB_RETURN_IF_ERROR(file.Append(content));
    return file.Close();
  }
  return PosixError("create file", path, err);
}

Result<std::string> LocalFileSystem::ReadFileToString(const std::string& uri) {
  const std::string path = LocalPath(uri);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return PosixError("open", path, errno);
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return PosixError("read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace tfhub::io
