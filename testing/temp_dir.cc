#include "testing/temp_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace tfhub::test {
namespace {

[[noreturn]] void ThrowErrno(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " '" + path + "': " + std::strerror(errno));
}

// Removes a tree; returns false on the first error (errno set) unless the
// entry simply vanished.
bool RemoveTreeImpl(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return errno == ENOENT;
  if (!S_ISDIR(st.st_mode)) {
    return unlink(path.c_str()) == 0 || errno == ENOENT;
  }
  // Make sure we can list and delete inside (tests may chmod things).
  if ((st.st_mode & 0700) != 0700) chmod(path.c_str(), st.st_mode | 0700);
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return false;
  bool ok = true;
  std::vector<std::string> names;
  while (struct dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    names.push_back(std::move(name));
  }
  closedir(dir);
  for (const std::string& name : names) {
    if (!RemoveTreeImpl(path + "/" + name)) ok = false;
  }
  if (rmdir(path.c_str()) != 0 && errno != ENOENT) ok = false;
  return ok;
}

void ListTreeImpl(const std::string& root, const std::string& rel,
                  std::vector<std::string>* out) {
  std::string dir_path = rel.empty() ? root : root + "/" + rel;
  for (const std::string& name : ListDir(dir_path)) {
    std::string child_rel = rel.empty() ? name : rel + "/" + name;
    struct stat st;
    if (lstat((root + "/" + child_rel).c_str(), &st) != 0) {
      ThrowErrno("lstat", root + "/" + child_rel);
    }
    if (S_ISDIR(st.st_mode)) {
      out->push_back(child_rel + "/");
      ListTreeImpl(root, child_rel, out);
    } else {
      out->push_back(child_rel);
    }
  }
}

}  // namespace

TempDir::TempDir(const std::string& prefix) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string base = (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  std::string tmpl = base + "/" + prefix + ".XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) ThrowErrno("mkdtemp", tmpl);
  path_ = buf.data();
}

TempDir::~TempDir() {
  if (!path_.empty()) RemoveTreeImpl(path_);
}

TempDir::TempDir(TempDir&& other) noexcept
    : path_(std::exchange(other.path_, std::string())) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) RemoveTreeImpl(path_);
    path_ = std::exchange(other.path_, std::string());
  }
  return *this;
}

std::string TempDir::Sub(const std::string& relative) const {
  return path_ + "/" + relative;
}

std::string ReadFileToString(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) ThrowErrno("cannot open", path);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      close(fd);
      errno = saved;
      ThrowErrno("cannot read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

void MakeDirs(const std::string& path) {
  if (path.empty()) return;
  size_t pos = 0;
  for (;;) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    if (!prefix.empty() && mkdir(prefix.c_str(), 0755) != 0 &&
        errno != EEXIST) {
      ThrowErrno("cannot create directory", prefix);
    }
    if (pos == std::string::npos) break;
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0) ThrowErrno("cannot stat", path);
  if (!S_ISDIR(st.st_mode)) {
    throw std::runtime_error("not a directory: '" + path + "'");
  }
}

void WriteStringToFile(const std::string& path, const std::string& content) {
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) MakeDirs(path.substr(0, slash));
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) ThrowErrno("cannot create", path);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      close(fd);
      errno = saved;
      ThrowErrno("cannot write", path);
    }
    off += static_cast<size_t>(n);
  }
  if (close(fd) != 0) ThrowErrno("cannot close", path);
}

void RemoveTree(const std::string& path) {
  if (!RemoveTreeImpl(path)) ThrowErrno("cannot remove", path);
}

bool PathExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> ListDir(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) ThrowErrno("cannot open directory", path);
  std::vector<std::string> names;
  while (struct dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    names.push_back(std::move(name));
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> ListTree(const std::string& path) {
  std::vector<std::string> out;
  ListTreeImpl(path, "", &out);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tfhub::test
