#include "io/local_dir_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>  // RENAME_NOREPLACE
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "base/system.h"
#include "io/local_file_system.h"
#include "io/posix_file.h"

namespace tfhub::io {

namespace testing {
namespace {
std::atomic<bool> use_openat2{true};
std::function<void(const std::string&)>& DeleteTreeHook() {
  static auto* hook = new std::function<void(const std::string&)>();
  return *hook;
}
}  // namespace
void SetUseOpenat2(bool use) { use_openat2 = use; }
void SetDeleteTreeHook(std::function<void(const std::string& dir)> hook) { DeleteTreeHook() = std::move(hook); }
}  // namespace testing

FileInfo FileInfoFromStat(const struct stat& st) {
  auto time = [](const timespec& ts) {
    return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
  };
  FileInfo info;
  info.type = S_ISDIR(st.st_mode)   ? FileType::kDirectory
              : S_ISREG(st.st_mode) ? FileType::kFile
              : S_ISLNK(st.st_mode) ? FileType::kSymlink
                                    : FileType::kOther;
  info.size = static_cast<uint64_t>(st.st_size);
  info.owner = st.st_uid;
  info.group = st.st_gid;
  info.mode = st.st_mode & 07777;
  info.atime = time(st.st_atim);
  info.mtime = time(st.st_mtim);
  info.device = st.st_dev;
  info.inode = st.st_ino;
  info.links = st.st_nlink;
  return info;
}

namespace {

// openat2 where the kernel has it: 1 yes, 0 not yet known, -1 no.
std::atomic<int> openat2_state{0};

// Opens `rel` (checked, may be "") beneath `root` with `flags` (O_NOFOLLOW
// and O_CLOEXEC added), following no symlink anywhere. Returns the
// descriptor, or -errno (ELOOP for a symlink on the way).
int OpenBeneath(int root, const std::string& rel, int flags, mode_t mode = 0) {
  const char* path = rel.empty() ? "." : rel.c_str();
  flags |= O_NOFOLLOW | O_CLOEXEC;
  if (testing::use_openat2 && openat2_state.load(std::memory_order_relaxed) >= 0) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    for (;;) {
      const long fd = ::syscall(SYS_openat2, root, path, &how, sizeof how);
      if (fd >= 0) {
        openat2_state.store(1, std::memory_order_relaxed);
        return static_cast<int>(fd);
      }
      if (errno == EINTR || errno == EAGAIN) continue;  // EAGAIN: a rename raced the lookup
      break;
    }
    const int err = errno;
    if (err == ENOSYS || err == E2BIG) {
      openat2_state.store(-1, std::memory_order_relaxed);  // an old kernel, or a seccomp filter
    } else if (!(err == EPERM && openat2_state.load(std::memory_order_relaxed) == 0)) {
      return -err;
    }
  }
  // Component by component, never following a symlink.
  UniqueFd owned;
  int dir = root;
  size_t start = 0;
  for (;;) {
    const size_t slash = rel.find('/', start);
    if (slash == std::string::npos) break;
    const std::string part = rel.substr(start, slash - start);
    const int next = ::openat(dir, part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) return errno == ENOTDIR ? -ELOOP : -errno;  // a symlink (or a file) on the way
    struct stat st;
    if (::fstat(next, &st) != 0 || !S_ISDIR(st.st_mode)) {
      ::close(next);
      return -ELOOP;
    }
    owned = UniqueFd(next);
    dir = next;
    start = slash + 1;
  }
  const std::string last = rel.empty() ? "." : rel.substr(start);
  const int fd = ::openat(dir, last.c_str(), flags, mode);
  return fd >= 0 ? fd : -errno;
}

// The directory holding a path's final name, and that name.
struct Parent {
  UniqueFd owned;  // when the parent is not the root itself
  int fd = -1;
  std::string name;
};

}  // namespace

LocalDirFileSystem::LocalDirFileSystem(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

LocalDirFileSystem::~LocalDirFileSystem() { ::close(fd_); }

std::string LocalDirFileSystem::Display(std::string_view rel) const {
  return rel.empty() ? path_ : JoinPath(path_, rel);
}

namespace {

// Resolves the parent of `rel` (checked, not "") beneath `root`.
Result<Parent> ResolveParent(int root, const std::string& rel, const std::string& display) {
  TFHUB_RETURN_IF_ERROR(CheckRelativePath(rel));
  if (rel.empty()) return InvalidArgumentError("'" + display + "' is the directory itself, not a name in it");
  Parent p;
  const size_t slash = rel.rfind('/');
  if (slash == std::string::npos) {
    p.fd = root;
    p.name = rel;
    return p;
  }
  const int fd = OpenBeneath(root, rel.substr(0, slash), O_PATH | O_DIRECTORY);
  if (fd < 0) return PosixError("open the directory of", display, -fd);
  p.owned = UniqueFd(fd);
  p.fd = fd;
  p.name = rel.substr(slash + 1);
  return p;
}

// Removes `name` in `dir` and, if it is a directory, everything below it,
// by descriptors (see the header). `display` names it in messages.
Status RemoveTreeAt(int dir, const std::string& name, const std::string& display, int depth) {
  struct stat st;
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? Status::Ok() : PosixError("stat", display, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT) return PosixError("delete", display, errno);
    return Status::Ok();
  }
  if (depth >= LocalDirFileSystem::kMaxDepth) {
    return FailedPreconditionError("'" + display + "': directories nested more than " +
                                   std::to_string(LocalDirFileSystem::kMaxDepth) + " deep; not deleted");
  }
  const int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return Status::Ok();
    if (err == ELOOP || err == ENOTDIR) {
      // Replaced by a link or a file since it was looked at: remove that
      // entry itself, never what a link points to.
      if (::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT) return PosixError("delete", display, errno);
      return Status::Ok();
    }
    return PosixError("open directory", display, err);
  }
  struct stat opened;
  if (::fstat(fd, &opened) != 0 || opened.st_dev != st.st_dev || opened.st_ino != st.st_ino) {
    ::close(fd);
    return FailedPreconditionError("'" + display + "' was replaced while being deleted; left alone");
  }
  if (const auto& hook = testing::DeleteTreeHook()) hook(display);
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    const int err = errno;
    ::close(fd);
    return PosixError("list directory", display, err);
  }
  Status status;
  while (dirent* e = ::readdir(d)) {
    const std::string_view child = e->d_name;
    if (child == "." || child == "..") continue;
    Status s = RemoveTreeAt(::dirfd(d), std::string(child), JoinPath(display, child), depth + 1);
    if (!s.ok() && status.ok()) status = s;
  }
  ::closedir(d);
  if (!status.ok()) return status;
  if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return PosixError("delete directory", display, errno);
  }
  return Status::Ok();
}

// Every regular file below the open directory `fd` (symlinks and other
// types are not followed nor listed).
Status WalkTreeAt(int fd, const std::string& prefix, const std::string& display, int depth,
                  std::vector<TreeEntry>& out) {
  if (depth > LocalDirFileSystem::kMaxDepth) {
    return FailedPreconditionError("'" + display + "': directories nested more than " +
                                   std::to_string(LocalDirFileSystem::kMaxDepth) + " deep");
  }
  const int dup = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup < 0) return PosixError("list directory", display, errno);
  DIR* d = ::fdopendir(dup);
  if (d == nullptr) {
    const int err = errno;
    ::close(dup);
    return PosixError("list directory", display, err);
  }
  Status status;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(::dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // vanished
    if (S_ISREG(st.st_mode)) {
      out.push_back({prefix + name, static_cast<uint64_t>(st.st_size)});
    } else if (S_ISDIR(st.st_mode)) {
      const int sub = ::openat(::dirfd(d), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) continue;  // vanished or replaced
        status = PosixError("list directory", JoinPath(display, name), errno);
        break;
      }
      Status s = WalkTreeAt(sub, prefix + name + "/", JoinPath(display, name), depth + 1, out);
      ::close(sub);
      if (!s.ok()) {
        status = s;
        break;
      }
    }
  }
  ::closedir(d);
  return status;
}

timespec ToTimespec(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  if (ts.tv_nsec < 0) {
    ts.tv_nsec += 1'000'000'000;
    ts.tv_sec -= 1;
  }
  return ts;
}

}  // namespace

Result<FileInfo> LocalDirFileSystem::Stat(const std::string& rel) {
  struct stat st;
  if (rel.empty()) {
    if (::fstat(fd_, &st) != 0) return PosixError("stat", path_, errno);
    return FileInfoFromStat(st);
  }
  auto parent = ResolveParent(fd_, rel, Display(rel));
  if (!parent.ok()) {
    if (parent.status().code() == StatusCode::kNotFound) return FileInfo{};
    return parent.status();
  }
  if (::fstatat(parent->fd, parent->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return FileInfo{};
    return PosixError("stat", Display(rel), errno);
  }
  return FileInfoFromStat(st);
}

Result<std::vector<std::string>> LocalDirFileSystem::ListDir(const std::string& rel) {
  TFHUB_RETURN_IF_ERROR(CheckRelativePath(rel));
  const int fd = OpenBeneath(fd_, rel, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return PosixError("list directory", Display(rel), -fd);
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    const int err = errno;
    ::close(fd);
    return PosixError("list directory", Display(rel), err);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(d);
  return names;
}

Status LocalDirFileSystem::CreateDirs(const std::string& rel) {
  TFHUB_RETURN_IF_ERROR(CheckRelativePath(rel));
  if (rel.empty()) return Status::Ok();
  // The common case, a new directory in an existing one, is two calls: open
  // the parent beneath the root, mkdirat in it. A missing parent is made
  // first.
  auto parent = ResolveParent(fd_, rel, Display(rel));
  if (!parent.ok() && parent.status().code() == StatusCode::kNotFound) {
    TFHUB_RETURN_IF_ERROR(CreateDirs(rel.substr(0, rel.rfind('/'))));
    parent = ResolveParent(fd_, rel, Display(rel));
  }
  if (!parent.ok()) return parent.status();
  if (::mkdirat(parent->fd, parent->name.c_str(), 0777) == 0) return Status::Ok();
  if (errno != EEXIST) return PosixError("create directory", Display(rel), errno);
  struct stat st;
  if (::fstatat(parent->fd, parent->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
    return Status::Ok();
  }
  return PosixError("create directory", Display(rel), ENOTDIR);
}

Status LocalDirFileSystem::DeleteFile(const std::string& rel) {
  TFHUB_ASSIGN_OR_RETURN(Parent p, ResolveParent(fd_, rel, Display(rel)));
  if (::unlinkat(p.fd, p.name.c_str(), 0) != 0) return PosixError("delete", Display(rel), errno);
  return Status::Ok();
}

Status LocalDirFileSystem::DeleteRecursively(const std::string& rel) {
  auto p = ResolveParent(fd_, rel, Display(rel));
  if (!p.ok()) return p.status().code() == StatusCode::kNotFound ? Status::Ok() : p.status();
  return RemoveTreeAt(p->fd, p->name, Display(rel), 0);
}

namespace {
Status RenameAt(const Parent& from, const Parent& to, unsigned flags, const std::string& from_display,
                const std::string& to_display) {
  if (::syscall(SYS_renameat2, from.fd, from.name.c_str(), to.fd, to.name.c_str(), flags) == 0) return Status::Ok();
  const int err = errno;
  if ((flags & RENAME_NOREPLACE) && (err == EEXIST || err == ENOTEMPTY)) {
    return AlreadyExistsError("rename '" + from_display + "' to '" + to_display + "': target exists");
  }
  return PosixError("rename '" + from_display + "' to", to_display, err);
}
}  // namespace

Status LocalDirFileSystem::RenameNoReplace(const std::string& from, const std::string& to) {
  TFHUB_ASSIGN_OR_RETURN(Parent a, ResolveParent(fd_, from, Display(from)));
  TFHUB_ASSIGN_OR_RETURN(Parent b, ResolveParent(fd_, to, Display(to)));
  return RenameAt(a, b, RENAME_NOREPLACE, Display(from), Display(to));
}

Status LocalDirFileSystem::Rename(const std::string& from, const std::string& to) {
  TFHUB_ASSIGN_OR_RETURN(Parent a, ResolveParent(fd_, from, Display(from)));
  TFHUB_ASSIGN_OR_RETURN(Parent b, ResolveParent(fd_, to, Display(to)));
  return RenameAt(a, b, 0, Display(from), Display(to));
}

namespace {
// Opens a regular file for reading beneath `root` (never a FIFO, device or
// link), with its stat.
Result<UniqueFd> OpenRegularForRead(int root, const std::string& rel, const std::string& display, struct stat* st) {
  TFHUB_RETURN_IF_ERROR(CheckRelativePath(rel));
  UniqueFd fd(OpenBeneath(root, rel, O_RDONLY | O_NONBLOCK));
  if (!fd.valid()) return PosixError("open", display, -fd.release());
  if (::fstat(fd.get(), st) != 0) return PosixError("stat", display, errno);
  if (!S_ISREG(st->st_mode)) {
    return FailedPreconditionError("'" + display + "' is not a regular file" +
                                   (S_ISDIR(st->st_mode) ? " (a directory)" : ""));
  }
  return fd;
}
}  // namespace

Result<std::unique_ptr<RandomAccessFile>> LocalDirFileSystem::NewRandomAccessFile(const std::string& rel) {
  struct stat st;
  TFHUB_ASSIGN_OR_RETURN(UniqueFd fd, OpenRegularForRead(fd_, rel, Display(rel), &st));
  return NewPosixRandomAccessFile(Display(rel), fd.release(), static_cast<uint64_t>(st.st_size));
}

Result<std::string> LocalDirFileSystem::ReadFileToString(const std::string& rel, uint64_t max_bytes) {
  struct stat st;
  TFHUB_ASSIGN_OR_RETURN(UniqueFd fd, OpenRegularForRead(fd_, rel, Display(rel), &st));
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return FailedPreconditionError("'" + Display(rel) + "' has " + std::to_string(st.st_size) +
                                   " bytes, more than such a file holds (" + std::to_string(max_bytes) + ")");
  }
  return ReadFdToString(fd.get(), Display(rel), max_bytes);
}

Result<std::unique_ptr<WritableFile>> LocalDirFileSystem::NewWritableFile(const std::string& rel) {
  TFHUB_RETURN_IF_ERROR(CheckRelativePath(rel));
  if (rel.empty()) return PosixError("create file", path_, EISDIR);
  // A new file is ours alone (one call: the extractor's common case).
  const int created = OpenBeneath(fd_, rel, O_WRONLY | O_CREAT | O_EXCL, 0666);
  if (created >= 0) return NewPosixWritableFile(Display(rel), created);
  if (created != -EEXIST) return PosixError("create file", Display(rel), -created);
  // An existing one is looked at before anything is changed (no O_TRUNC).
  UniqueFd fd(OpenBeneath(fd_, rel, O_WRONLY | O_NONBLOCK));
  if (!fd.valid()) return PosixError("create file", Display(rel), -fd.release());
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return PosixError("stat", Display(rel), errno);
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != ::geteuid()) {
    return FailedPreconditionError("'" + Display(rel) +
                                   "' exists and is not a file of this user's own with a single link; not written");
  }
  if (st.st_size != 0 && ::ftruncate(fd.get(), 0) != 0) return PosixError("truncate", Display(rel), errno);
  return NewPosixWritableFile(Display(rel), fd.release());
}

Status LocalDirFileSystem::CreateExclusive(const std::string& rel, std::string_view content) {
  TFHUB_ASSIGN_OR_RETURN(Parent p, ResolveParent(fd_, rel, Display(rel)));
  // A private temp file, then link(2) into place: linkat fails with EEXIST
  // atomically, and readers never see the file half written.
  const std::string tmp = p.name + ".tmp" + base::RandomUid();
  const std::string tmp_display = Display(rel) + ".tmp";
  {
    const int fd = ::openat(p.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) return PosixError("create file", tmp_display, errno);
    auto file = NewPosixWritableFile(tmp_display, fd);
    Status s = file->Append(content);
    if (s.ok()) s = file->Close();
    if (!s.ok()) {
      ::unlinkat(p.fd, tmp.c_str(), 0);
      return s;
    }
  }
  const int rc = ::linkat(p.fd, tmp.c_str(), p.fd, p.name.c_str(), 0);
  const int err = errno;
  ::unlinkat(p.fd, tmp.c_str(), 0);
  if (rc == 0) return Status::Ok();
  if (err == EEXIST) return AlreadyExistsError("create '" + Display(rel) + "': already exists");
  if (err == EPERM || err == EMLINK || err == ENOTSUP) {
    // Filesystems without hard links: O_EXCL on the final name.
    const int fd = ::openat(p.fd, p.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) return PosixError("create file", Display(rel), errno);
    auto file = NewPosixWritableFile(Display(rel), fd);
    TFHUB_RETURN_IF_ERROR(file->Append(content));
    return file->Close();
  }
  return PosixError("create file", Display(rel), err);
}

Result<std::vector<TreeEntry>> LocalDirFileSystem::ListTree(const std::string& rel) {
  TFHUB_RETURN_IF_ERROR(CheckRelativePath(rel));
  UniqueFd fd(OpenBeneath(fd_, rel, O_RDONLY | O_DIRECTORY));
  if (!fd.valid()) return PosixError("list directory", Display(rel), -fd.release());
  std::vector<TreeEntry> out;
  TFHUB_RETURN_IF_ERROR(WalkTreeAt(fd.get(), "", Display(rel), 0, out));
  return out;
}

Result<std::unique_ptr<FileSystem>> LocalDirFileSystem::OpenDirectory(const std::string& rel) {
  TFHUB_RETURN_IF_ERROR(CheckRelativePath(rel));
  const int fd = OpenBeneath(fd_, rel, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return PosixError("open directory", Display(rel), -fd == ELOOP ? ENOTDIR : -fd);
  return std::unique_ptr<FileSystem>(new LocalDirFileSystem(fd, Display(rel)));
}

Status LocalDirFileSystem::SetAccessTime(const std::string& rel, std::chrono::system_clock::time_point atime) {
  const timespec times[2] = {ToTimespec(atime), {0, UTIME_OMIT}};
  if (rel.empty()) {
    if (::futimens(fd_, times) != 0) return PosixError("set access time of", path_, errno);
    return Status::Ok();
  }
  TFHUB_ASSIGN_OR_RETURN(Parent p, ResolveParent(fd_, rel, Display(rel)));
  if (::utimensat(p.fd, p.name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return PosixError("set access time of", Display(rel), errno);
  }
  return Status::Ok();
}

Result<std::unique_ptr<LocalDirFileSystem>> OpenLocalDirectory(std::string_view uri, bool follow_final_symlink) {
  std::string path = LocalPath(uri);
  if (path.empty()) path = ".";
  int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  if (!follow_final_symlink) flags |= O_NOFOLLOW;
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    const int err = errno;
    if (!follow_final_symlink && (err == ELOOP || err == ENOTDIR)) {
      struct stat st;
      if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
        return FailedPreconditionError("'" + path + "' is a symbolic link; not followed");
      }
    }
    return PosixError("open directory", path, err);
  }
  std::string shown(uri);
  while (shown.size() > 1 && shown.back() == '/') shown.pop_back();
  return std::make_unique<LocalDirFileSystem>(fd, std::move(shown));
}

}  // namespace tfhub::io
