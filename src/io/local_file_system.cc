#include "io/local_file_system.h"

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
#include "io/local_dir_file_system.h"
#include "io/posix_file.h"

namespace tfhub::io {

std::string LocalPath(std::string_view uri) {
  constexpr std::string_view kFile = "file://";
  if (uri.substr(0, kFile.size()) == kFile) uri.remove_prefix(kFile.size());
  return std::string(uri);
}


Result<FileInfo> LocalFileSystem::Stat(const std::string& uri) {
  const std::string path = LocalPath(uri);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return FileInfo{};
    return PosixError("stat", path, errno);
  }
  return FileInfoFromStat(st);
}

Result<std::vector<std::string>> LocalFileSystem::ListDir(const std::string& uri) {
  TFHUB_ASSIGN_OR_RETURN(auto dir, OpenLocalDirectory(uri, /*follow_final_symlink=*/true));
  return dir->ListDir("");
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
  // Through the parent's descriptor: never follows a link below `uri` (nor
  // a final one: a link is removed, not its target).
  std::string path = LocalPath(uri);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const auto slash = path.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") return InvalidArgumentError("cannot delete '" + path + "'");
  auto dir = OpenLocalDirectory(parent, /*follow_final_symlink=*/true);
  if (!dir.ok()) return dir.status().code() == StatusCode::kNotFound ? Status::Ok() : dir.status();
  return (*dir)->DeleteRecursively(name);
}

Result<std::vector<TreeEntry>> LocalFileSystem::ListTree(const std::string& uri) {
  TFHUB_ASSIGN_OR_RETURN(auto dir, OpenLocalDirectory(uri, /*follow_final_symlink=*/true));
  return dir->ListTree("");
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
  return NewPosixRandomAccessFile(path, fd, static_cast<uint64_t>(st.st_size));
}

Result<std::unique_ptr<WritableFile>> LocalFileSystem::NewWritableFile(const std::string& uri) {
  const std::string path = LocalPath(uri);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0) return PosixError("create file", path, errno);
  return NewPosixWritableFile(path, fd);
}

Status LocalFileSystem::CreateExclusive(const std::string& uri, std::string_view content) {
  const std::string path = LocalPath(uri);
  // Write a private temp file, then link(2) it into place: link fails with
  // EEXIST atomically, and readers never see the file half written.
  const std::string tmp = path + ".tmp" + base::RandomUid();
  {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) return PosixError("create file", tmp, errno);
    auto file = NewPosixWritableFile(tmp, fd);
    Status s = file->Append(content);
    if (s.ok()) s = file->Close();
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
    auto file = NewPosixWritableFile(path, fd);
    TFHUB_RETURN_IF_ERROR(file->Append(content));
    return file->Close();
  }
  return PosixError("create file", path, err);
}

Result<std::string> LocalFileSystem::ReadFileToString(const std::string& uri, uint64_t max_bytes) {
  const std::string path = LocalPath(uri);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return PosixError("open", path, errno);
  return ReadFdToString(fd.get(), path, max_bytes);
}

Result<std::unique_ptr<FileSystem>> LocalFileSystem::OpenDirectory(const std::string& dir) {
  TFHUB_ASSIGN_OR_RETURN(auto opened, OpenLocalDirectory(dir, /*follow_final_symlink=*/false));
  return std::unique_ptr<FileSystem>(std::move(opened));
}

Status LocalFileSystem::SetAccessTime(const std::string& uri, std::chrono::system_clock::time_point atime) {
  const std::string path = LocalPath(uri);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(atime.time_since_epoch()).count();
  const timespec times[2] = {{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)},
                             {0, UTIME_OMIT}};
  if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return PosixError("set access time of", path, errno);
  }
  return Status::Ok();
}

}  // namespace tfhub::io
