// cachetools::TimesSource — access and modification times of cache paths,
// which io::FileSystem does not expose (its FileInfo has type and size only).
//
// The cache tools use times for two things:
//  * "last used" of a module, for `tfhub cache prune`: the access time of
//    the module dir <sha1>/. Every cache hit lists that directory — tfhub's
//    ModuleDirPopulated() and Python's tf.io.gfile.listdir() alike — and
//    listing a directory updates its atime. Under the usual `relatime` mount
//    option the kernel updates it only when it is older than the mtime or
//    ctime, or more than 24 h old, so "last used" is exact to about a day;
//    under `noatime` it stays at the download time.
//  * staleness of a foreign lock: the newest mtime of the lock and its temp
//    dir.
// The tools themselves list module dirs (to size them), which would count
// as a use: they read the atime first and put it back afterwards
// (RestoreAccessTime), so `tfhub cache list` never changes what prune does.
//
// Only local paths and file:// URIs have times; for other schemes Get()
// returns nullopt and callers fall back (prune uses the descriptor's
// download time). When io::FileInfo grows atime/mtime this class goes away.
//
// Thread safety: implementations are stateless and safe for concurrent use.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tfhub::cachetools {

struct PathTimes {
  std::chrono::system_clock::time_point atime;
  std::chrono::system_clock::time_point mtime;
};

class TimesSource {
 public:
  virtual ~TimesSource() = default;
  // The times of `path` (not following a final symlink); nullopt when
  // unknown (missing path, no times for this scheme).
  virtual std::optional<PathTimes> Get(const std::string& path) = 0;
  // Sets the atime of `path` back to `before.atime` if it changed since;
  // mtime is left alone. Best effort: failures are ignored.
  virtual void RestoreAccessTime(const std::string& path, const PathTimes& before) = 0;
};

// Times for the paths of the cache dir `cache_dir`: stat(2) for plain paths
// and file:// URIs, nothing for other schemes.
std::unique_ptr<TimesSource> TimesSourceFor(std::string_view cache_dir);

}  // namespace tfhub::cachetools
