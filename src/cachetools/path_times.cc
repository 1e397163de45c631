#include "cachetools/path_times.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "tfhub/file_system.h"

namespace tfhub::cachetools {

namespace {

using std::chrono::system_clock;

system_clock::time_point FromTimespec(const timespec& ts) {
  return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(
      std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

timespec ToTimespec(system_clock::time_point t) {
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

std::string LocalPath(const std::string& uri) {
  return uri.rfind("file://", 0) == 0 ? uri.substr(7) : uri;
}

class LocalTimes final : public TimesSource {
 public:
  std::optional<PathTimes> Get(const std::string& path) override {
    struct stat st;
    if (::lstat(LocalPath(path).c_str(), &st) != 0) return std::nullopt;
    return PathTimes{FromTimespec(st.st_atim), FromTimespec(st.st_mtim)};
  }

  void RestoreAccessTime(const std::string& path, const PathTimes& before) override {
    const auto now = Get(path);
    if (!now || now->atime == before.atime) return;
    const timespec times[2] = {ToTimespec(before.atime), {0, UTIME_OMIT}};
    ::utimensat(AT_FDCWD, LocalPath(path).c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
};

class NoTimes final : public TimesSource {
 public:
  std::optional<PathTimes> Get(const std::string&) override { return std::nullopt; }
  void RestoreAccessTime(const std::string&, const PathTimes&) override {}
};

}  // namespace

std::unique_ptr<TimesSource> TimesSourceFor(std::string_view cache_dir) {
  const std::string_view scheme = io::UriScheme(cache_dir);
  if (scheme.empty() || scheme == "file") return std::make_unique<LocalTimes>();
  return std::make_unique<NoTimes>();
}

}  // namespace tfhub::cachetools
