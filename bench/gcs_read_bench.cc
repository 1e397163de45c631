// Cloud Storage read benchmark helper (bench/gcs_read_bench.sh runs it).
//
//   tfhub_gcs_read_bench URI [--block BYTES] [--no-split]
//
// Opens URI through tfhub's file systems (gs://bucket/object, or a local
// path) and reads it completely, front to back, with RandomAccessFile::ReadAt
// into one reused buffer of BYTES (default 16MiB; suffixes K/KiB, M/MiB,
// G/GiB are powers of 1024, KB/MB/GB powers of 1000; the block is clamped
// to the object's size). The CRC32C of the bytes is computed as they arrive
// so the reads cannot be optimised away, and so the caller can compare it
// with the object's (the emulator's metadata, or the same program on the
// local copy).
//
// Default: the gs:// backend as registered by tfhub (MakeFileSystemRegistry,
// configured from STORAGE_EMULATOR_HOST etc. by OptionsFromEnvironment()): a ReadAt above
// 8 MiB is split into 4 MiB ranged GETs, 8 in flight at once.
// --no-split: a gs:// backend built the same way but with the split
// disabled, so each ReadAt is ONE ranged GET (with --block >= the size:
// one GET of the whole object, like `curl URL?alt=media`). Uses internal
// headers (src/gcs, src/net); for measuring only.
//
// Prints one line:
//   bytes=… seconds=… open_seconds=… read_seconds=… crc_seconds=… mb_per_s=…
//   reads=… block=… crc32c=0x… maxrss_kib=…
// seconds = open (one metadata GET for gs://) + all reads + CRC; MB/s is
// 10^6 bytes per second over `seconds`. Exit status 1 on any error, 2 on bad
// usage.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "base/crc32c.h"
#include "gcs/gcs_config.h"
#include "gcs/gcs_file_system.h"
#include "net/curl_http_client.h"
#include "net/retrying_http_client.h"
#include "tfhub/file_system.h"

namespace {

using tfhub::Result;
using tfhub::Status;
namespace crc32c = tfhub::base::crc32c;
namespace gcs = tfhub::gcs;
namespace io = tfhub::io;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "tfhub_gcs_read_bench: %s\n", message.c_str());
  std::exit(1);
}

[[noreturn]] void Usage(const std::string& message) {
  std::fprintf(stderr, "tfhub_gcs_read_bench: %s\nusage: tfhub_gcs_read_bench URI [--block BYTES] [--no-split]\n",
               message.c_str());
  std::exit(2);
}

// "16MiB", "4M", "1048576", "100MB" -> bytes; 0 on a malformed value.
uint64_t ParseBytes(const std::string& s) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str() || s[0] == '-') return 0;
  const std::string suffix(end);
  uint64_t mult = 1;
  if (suffix.empty() || suffix == "B") mult = 1;
  else if (suffix == "K" || suffix == "k" || suffix == "KiB") mult = 1ull << 10;
  else if (suffix == "M" || suffix == "m" || suffix == "MiB") mult = 1ull << 20;
  else if (suffix == "G" || suffix == "g" || suffix == "GiB") mult = 1ull << 30;
  else if (suffix == "KB" || suffix == "kB") mult = 1000ull;
  else if (suffix == "MB") mult = 1000ull * 1000;
  else if (suffix == "GB") mult = 1000ull * 1000 * 1000;
  else return 0;
  if (v > UINT64_MAX / mult) return 0;
  return v * mult;
}

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

int main(int argc, char** argv) {
  std::string uri;
  uint64_t block = 16ull << 20;
  bool no_split = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--block" || arg.rfind("--block=", 0) == 0) {
      std::string v;
      if (arg == "--block") {
        if (i + 1 >= argc) Usage("--block needs a value");
        v = argv[++i];
      } else {
        v = arg.substr(8);
      }
      block = ParseBytes(v);
      if (block == 0) Usage("bad --block value: " + v);
    } else if (arg == "--no-split") {
      no_split = true;
    } else if (arg == "-h" || arg == "--help") {
      Usage("reads URI completely and prints bytes, seconds, MB/s and its CRC32C");
    } else if (!arg.empty() && arg[0] == '-') {
      Usage("unknown option: " + arg);
    } else if (uri.empty()) {
      uri = arg;
    } else {
      Usage("more than one URI");
    }
  }
  if (uri.empty()) Usage("missing URI");
  if (Status s = crc32c::Init(); !s.ok()) Die("crc32c: " + s.ToString());

  io::FileSystem* fs = nullptr;
  std::shared_ptr<io::FileSystem> custom;
  auto env = tfhub::OptionsFromEnvironment();
  if (!env.ok()) Die(env.status().ToString());
  const auto registry = io::MakeFileSystemRegistry(*env);
  if (no_split) {
    if (io::UriScheme(uri) != "gs") Usage("--no-split is for gs:// URIs");
    gcs::GcsFileSystemOptions options;
    options.parallel_read_threshold = SIZE_MAX;
    custom = gcs::NewGcsFileSystem(
        std::shared_ptr<tfhub::net::HttpClient>(tfhub::net::NewRetryingHttpClient(&tfhub::net::SharedCurlHttpClient(), {}, nullptr)),
        gcs::GcsConfigFor(*env), options);
    fs = custom.get();
  } else {
    Result<io::FileSystem*> r = registry->ForUri(uri);
    if (!r.ok()) Die(r.status().ToString());
    fs = *r;
  }

  const Clock::time_point t0 = Clock::now();
  Result<std::unique_ptr<io::RandomAccessFile>> file = fs->NewRandomAccessFile(uri);
  if (!file.ok()) Die("open " + uri + ": " + file.status().ToString());
  const Clock::time_point t_open = Clock::now();

  const uint64_t size = (*file)->Size();
  const size_t buf_size = static_cast<size_t>(std::max<uint64_t>(1, std::min<uint64_t>(block, size)));
  std::unique_ptr<char[]> buffer(new char[buf_size]);
  uint32_t crc = 0;
  uint64_t done = 0;
  uint64_t reads = 0;
  double crc_seconds = 0;
  while (done < size) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf_size, size - done));
    Result<std::string_view> got = (*file)->ReadAt(done, n, buffer.get());
    if (!got.ok()) Die("read " + uri + " at " + std::to_string(done) + ": " + got.status().ToString());
    if (got->size() != n) {
      Die("read " + uri + " at " + std::to_string(done) + ": got " + std::to_string(got->size()) + " bytes, asked " +
          std::to_string(n));
    }
    const Clock::time_point c0 = Clock::now();
    crc = crc32c::Extend(crc, *got);
    crc_seconds += Seconds(c0, Clock::now());
    done += n;
    ++reads;
  }
  const Clock::time_point t_end = Clock::now();
  file->reset();

  const double total = Seconds(t0, t_end);
  const double open_s = Seconds(t0, t_open);
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "bytes=%" PRIu64 " seconds=%.3f open_seconds=%.3f read_seconds=%.3f crc_seconds=%.3f mb_per_s=%.1f reads=%" PRIu64
      " block=%zu crc32c=0x%08x maxrss_kib=%ld\n",
      done, total, open_s, total - open_s - crc_seconds, crc_seconds, total > 0 ? done / 1e6 / total : 0.0, reads,
      buf_size, crc, ru.ru_maxrss);
  return 0;
}
