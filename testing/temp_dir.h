// Test-support: temporary directories and small file helpers.
//
// Contract:
//  * TempDir creates a fresh, private (0700) directory with mkdtemp() under
//    $TMPDIR (or /tmp when unset/empty). The destructor removes it
//    recursively (symlinks are removed, never followed). Errors during
//    removal are ignored. Movable, not copyable; a moved-from TempDir owns
//    nothing and its path() is empty.
//  * The free helpers throw std::runtime_error (with path and strerror) on
//    failure. They are meant for tests only.
#ifndef TFHUB_TESTING_TEMP_DIR_H_
#define TFHUB_TESTING_TEMP_DIR_H_

#include <string>
#include <vector>

namespace tfhub::test {

class TempDir {
 public:
  // `prefix` becomes the start of the directory's basename.
  explicit TempDir(const std::string& prefix = "tfhub_test");
  ~TempDir();

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Absolute path of the directory, without a trailing '/'.
  const std::string& path() const { return path_; }
  // path() + "/" + relative.
  std::string Sub(const std::string& relative) const;

 private:
  std::string path_;
};

// Reads a whole file (binary-safe). Throws if it cannot be opened/read.
std::string ReadFileToString(const std::string& path);

// Writes `content` to `path` (truncating), creating missing parent
// directories first (mode 0755). Throws on failure.
void WriteStringToFile(const std::string& path, const std::string& content);

// Creates `path` and all missing parents (like mkdir -p). Throws on failure.
void MakeDirs(const std::string& path);

// Recursively removes `path` (file, symlink or directory tree); no-op if it
// does not exist. Never follows symlinks. Throws on other failures.
void RemoveTree(const std::string& path);

// True if something (any type, including a dangling symlink) exists at path.
bool PathExists(const std::string& path);

// Sorted entry names of directory `path`, without "." and "..". Throws if
// `path` is not a readable directory.
std::vector<std::string> ListDir(const std::string& path);

// Sorted relative paths of everything below `path` (recursively), with
// directories suffixed by '/'. Symlinks are listed (no trailing '/') but not
// followed. Example: {"a/", "a/b.txt", "c"}.
std::vector<std::string> ListTree(const std::string& path);

}  // namespace tfhub::test

#endif  // TFHUB_TESTING_TEMP_DIR_H_
