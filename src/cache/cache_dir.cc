#include "cache/cache_dir.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "base/strings.h"
#include "io/local_dir_file_system.h"
#include "io/local_file_system.h"
#include "tfhub/options.h"

namespace tfhub::cache {

namespace {

// "uid 1001 (mallory)", or "uid 1001" for a user without a passwd entry.
std::string UserName(uint32_t uid) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  std::string text = "uid " + std::to_string(uid);
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    text += " (" + std::string(found->pw_name) + ")";
  }
  return text;
}

bool IsLocal(std::string_view dir) {
  const std::string_view scheme = io::UriScheme(dir);
  return scheme.empty() || scheme == "file";
}

}  // namespace

// Who may have made entries tfhub trusts in a local cache dir.
struct CacheDir::Policy {
  uint32_t me = ::geteuid();
  uint32_t dir_owner = 0;
  uint32_t dir_group = 0;
  uint32_t dir_mode = 0;

  mutable std::mutex mu;
  mutable std::map<uint32_t, bool> members;  // uid → member of dir_group

  bool IsGroupMember(uint32_t uid) const {
    std::lock_guard lock(mu);
    if (auto it = members.find(uid); it != members.end()) return it->second;
    bool member = false;
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
      member = found->pw_gid == dir_group;
      int n = 64;
      std::vector<gid_t> groups(static_cast<size_t>(n));
      if (!member && ::getgrouplist(found->pw_name, found->pw_gid, groups.data(), &n) < 0) {
        groups.resize(static_cast<size_t>(n));
        ::getgrouplist(found->pw_name, found->pw_gid, groups.data(), &n);
      }
      for (int i = 0; !member && i < n && i < static_cast<int>(groups.size()); ++i) member = groups[i] == dir_group;
    }
    members.emplace(uid, member);
    return member;
  }

  bool Trusts(uint32_t uid) const {
    if (uid == me || uid == 0 || uid == dir_owner) return true;
    return (dir_mode & S_IWGRP) != 0 && IsGroupMember(uid);
  }
};

CacheDir::CacheDir(std::string path, std::unique_ptr<io::FileSystem> fs, std::shared_ptr<Policy> policy)
    : path_(std::move(path)), fs_(std::move(fs)), policy_(std::move(policy)) {}
CacheDir::CacheDir(CacheDir&&) noexcept = default;
CacheDir& CacheDir::operator=(CacheDir&&) noexcept = default;
CacheDir::~CacheDir() = default;

std::string CacheDir::PathOf(std::string_view name) const { return io::JoinPath(path_, name); }

bool CacheDir::Trusts(const io::FileInfo& info) const {
  return policy_ == nullptr || !info.owner || policy_->Trusts(*info.owner);
}

std::string CacheDir::Distrust(std::string_view name, const io::FileInfo& info) const {
  std::string text = PathOf(name) + " belongs to " + (info.owner ? UserName(*info.owner) : "another user") +
                     ", whom tfhub does not trust in " + path_;
  if (policy_ != nullptr && (policy_->dir_mode & (S_IWGRP | S_IWOTH)) != 0) {
    text += " (a directory other users can write)";
  }
  return text + "; left alone. Remove it, or use a cache dir of your own (TFHUB_CACHE_DIR)";
}

namespace {

struct Opened {
  std::unique_ptr<io::LocalDirFileSystem> fs;  // null: missing (not created), or unsafe
  std::string unsafe;                          // why it may not be used (default dirs)
};

// The default dir's rule: a real directory owned by this user (or root, for
// root), not writable by group or others. Creates it 0700 with `create`.
Result<Opened> OpenStrict(const std::string& path, bool create) {
  Opened out;
  const uid_t me = ::geteuid();
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      auto fs = std::make_unique<io::LocalDirFileSystem>(fd, path);
      struct stat st;
      if (::fstat(fd, &st) != 0) return io::PosixError("stat", path, errno);
      if (st.st_uid != me && st.st_uid != 0) {
        out.unsafe = "it belongs to " + UserName(st.st_uid) + ", not to you or root";
      } else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        out.unsafe = std::string("other users can write to it (mode ") + mode + ")";
      } else {
        out.fs = std::move(fs);
      }
      return out;
    }
    const int err = errno;
    if (err == ENOENT) {
      if (!create) return out;
      if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) continue;
      if (errno == EACCES || errno == EPERM) {
        out.unsafe = "it cannot be created: " + base::ErrnoText(errno);
        return out;
      }
      return io::PosixError("cannot create cache directory", path, errno);
    }
    if (err == ELOOP || err == ENOTDIR) {
      struct stat st;
      const bool link = ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
      out.unsafe = link ? "it is a symbolic link" : "it is not a directory";
      return out;
    }
    if (err == EACCES) {
      out.unsafe = "you cannot open it (" + base::ErrnoText(err) + ")";
      return out;
    }
    return io::PosixError("cannot open cache directory", path, err);
  }
  return io::PosixError("cannot create cache directory", path, EEXIST);
}

// Opens an explicitly named local cache dir. A final symlink is followed
// only when it belongs to this user or root (the kernel's protected_symlinks
// rule, everywhere), and only if it is still that same link once the
// directory is open: a link swapped in between is refused, not followed.
Result<std::unique_ptr<io::LocalDirFileSystem>> OpenExplicitLocalDir(const std::string& dir) {
  auto fs = io::OpenLocalDirectory(dir, /*follow_final_symlink=*/false);
  if (fs.ok() || fs.status().code() != StatusCode::kFailedPrecondition) return fs;
  const std::string local = io::LocalPath(dir);
  struct stat before;
  if (::lstat(local.c_str(), &before) != 0 || !S_ISLNK(before.st_mode)) return fs;
  if (before.st_uid != ::geteuid() && before.st_uid != 0) {
    return FailedPreconditionError("the cache dir " + dir + " is a symbolic link that belongs to " +
                                   UserName(before.st_uid) + "; not followed");
  }
  fs = io::OpenLocalDirectory(dir, /*follow_final_symlink=*/true);
  struct stat after;
  if (fs.ok() && (::lstat(local.c_str(), &after) != 0 || after.st_dev != before.st_dev ||
                  after.st_ino != before.st_ino || after.st_uid != before.st_uid)) {
    return FailedPreconditionError("the cache dir " + dir + " (a symbolic link) changed while it was opened; not used");
  }
  return fs;
}

// One warning per process and reason.
void WarnOnce(const CacheDir::Log& log, const std::string& text) {
  static std::mutex mu;
  static std::set<std::string> said;
  {
    std::lock_guard lock(mu);
    if (!said.insert(text).second) return;
  }
  if (log) log(text);
}

}  // namespace

std::shared_ptr<CacheDir::Policy> CacheDir::PolicyOf(const io::FileInfo& dir) {
  auto p = std::make_shared<Policy>();
  p->dir_owner = dir.owner.value_or(0);
  p->dir_group = dir.group.value_or(0);
  p->dir_mode = dir.mode;
  return p;
}

Result<CacheDir> CacheDir::OpenDefault(bool create, const Log& log) {
  const std::string preferred = DefaultCacheDir();
  const std::string fallback = preferred + "-" + std::to_string(::geteuid());
  std::string why;  // "<path>: <reason>" of each dir refused, "; "-separated
  for (const std::string& path : {preferred, fallback}) {
    TFHUB_ASSIGN_OR_RETURN(Opened opened, OpenStrict(path, create));
    if (!opened.unsafe.empty()) {
      why += (why.empty() ? "" : "; ") + path + ": " + opened.unsafe;
      continue;
    }
    if (path != preferred) {
      WarnOnce(log, "WARNING: not using the default cache dir " + why + ". Using " + fallback +
                        "; set TFHUB_CACHE_DIR to choose another.");
    }
    if (opened.fs == nullptr) return CacheDir(path, nullptr, nullptr);  // missing
    TFHUB_ASSIGN_OR_RETURN(io::FileInfo info, opened.fs->Stat(""));
    return CacheDir(path, std::move(opened.fs), PolicyOf(info));
  }
  return FailedPreconditionError("no safe default cache dir (" + why +
                                 "). Set TFHUB_CACHE_DIR to a directory of your own");
}

Result<CacheDir> CacheDir::OpenLocal(const std::string& dir, bool create) {
  if (create) {
    io::LocalFileSystem local_fs;
    if (Status s = local_fs.CreateDirs(dir); !s.ok()) return s.WithPrefix("cannot create cache directory " + dir);
  }
  auto fs = OpenExplicitLocalDir(dir);
  if (!fs.ok()) {
    if (!create && fs.status().code() == StatusCode::kNotFound) return CacheDir(dir, nullptr, nullptr);
    return fs.status().WithPrefix("cannot open cache directory " + dir);
  }
  TFHUB_ASSIGN_OR_RETURN(io::FileInfo info, (*fs)->Stat(""));
  return CacheDir(dir, std::move(*fs), PolicyOf(info));
}

Result<CacheDir> CacheDir::OpenRemote(const std::string& dir, bool create, io::FileSystemRegistry& registry) {
  TFHUB_ASSIGN_OR_RETURN(io::FileSystem * base, registry.ForUri(dir));
  // On a billed backend the dir is created only if it cannot be opened as
  // it is (gs:// opens a prefix without a request, whether or not it exists).
  const bool lazy = create && base->RequestsAreBilled();
  auto opened = lazy ? base->OpenDirectory(dir) : Result<std::unique_ptr<io::FileSystem>>(NotFoundError(dir));
  if (create && !opened.ok()) {
    if (Status s = base->CreateDirs(dir); !s.ok()) return s.WithPrefix("cannot create cache directory " + dir);
  }
  TFHUB_ASSIGN_OR_RETURN(std::unique_ptr<io::FileSystem> fs,
                         opened.ok() ? std::move(opened) : base->OpenDirectory(dir));
  if (!create) {
    TFHUB_ASSIGN_OR_RETURN(io::FileInfo info, fs->Stat(""));
    if (info.type == io::FileType::kNotFound) return CacheDir(dir, nullptr, nullptr);
    if (info.type != io::FileType::kDirectory) {
      return FailedPreconditionError("the cache dir " + dir + " is not a directory");
    }
  }
  return CacheDir(dir, std::move(fs), nullptr);  // no owners: the bucket decides who writes
}

Result<CacheDir> CacheDir::Open(const std::string& dir, bool create, io::FileSystemRegistry& registry,
                                const Log& log) {
  if (dir.empty()) return OpenDefault(create, log);
  if (IsLocal(dir)) return OpenLocal(dir, create);
  return OpenRemote(dir, create, registry);
}

}  // namespace tfhub::cache
