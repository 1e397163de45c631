// cache::Descriptor — the <sha1>.descriptor.txt beside a module dir.
//
// The first three lines are tensorflow_hub's, byte for byte:
//   Module: <handle>
//   Download Time: <local time, Python's str(datetime.today())>
//   Downloader Hostname: <host> (PID:<pid>)
// tfhub adds its own "tfhub-<Key>: <value>" lines after them, recording what
// it extracted so a later run can tell a damaged module dir: the file count,
// the bytes, a digest of every (path, size), and "tfhub-File: <size> <path>"
// lines for the files a cache hit checks (all files when there are at most
// kMaxCheckedFiles, else the largest ones). Python never reads the file
// back, so the extra lines are invisible to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tfhub/result.h"

namespace tfhub::cache {

struct Descriptor {
  std::string handle;
  std::string download_time;  // as written
  std::string hostname;
  long pid = 0;
  // tfhub's record; absent (has_record false) in descriptors Python wrote.
  bool has_record = false;
  std::string tfhub_version;
  uint64_t files = 0;
  uint64_t bytes = 0;
  std::string manifest_sha256;  // of "<path>\0<size>\n" for each file, sorted
  std::string archive_sha256;   // of the archive as downloaded; may be empty
  std::vector<std::pair<std::string, uint64_t>> checked_files;  // path, size
};

// How many files a cache hit stats at most (keeps a hit in the low ms).
inline constexpr size_t kMaxCheckedFiles = 64;

// The files a hit checks: all of them when there are at most
// kMaxCheckedFiles, else the largest ones (a temp cleaner that removed or
// truncated files almost surely touched those too).
std::vector<std::pair<std::string, uint64_t>> FilesToCheck(const std::map<std::string, uint64_t>& sizes);

// The manifest digest over relative path → size.
Result<std::string> ManifestSha256(const std::map<std::string, uint64_t>& sizes);

// Serialises `d`; no trailing newline after the last line (as Python).
std::string FormatDescriptor(const Descriptor& d);

// Parses what FormatDescriptor (or Python) wrote; unknown lines are ignored.
Descriptor ParseDescriptor(std::string_view text);

}  // namespace tfhub::cache
