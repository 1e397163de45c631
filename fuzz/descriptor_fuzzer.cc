// libFuzzer target: the cache descriptor (<sha1>.descriptor.txt).
//
// Two directions:
//  1. parse anything: ParseDescriptor(x) never fails; FormatDescriptor of
//     the result is a fixed point (format -> parse -> format is stable);
//  2. round trip a descriptor built from the input: every field tfhub
//     writes (handles, hostnames, times, paths without newlines; non-empty
//     paths) comes back unchanged from ParseDescriptor(FormatDescriptor(d)).
// Plus FilesToCheck(): at most kMaxCheckedFiles, sorted, a subset, and the
// largest files when it has to choose.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "cache/descriptor.h"
#include "fuzz_support.h"

namespace {

using tfhub::cache::Descriptor;

std::string NoNewline(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

bool Same(const Descriptor& a, const Descriptor& b) {
  if (a.handle != b.handle || a.download_time != b.download_time || a.hostname != b.hostname ||
      a.pid != b.pid || a.has_record != b.has_record) {
    return false;
  }
  if (!a.has_record) return true;
  return a.tfhub_version == b.tfhub_version && a.files == b.files && a.bytes == b.bytes &&
         a.manifest_sha256 == b.manifest_sha256 && a.archive_sha256 == b.archive_sha256 &&
         a.checked_files == b.checked_files;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // 1. Arbitrary text.
  const Descriptor parsed = tfhub::cache::ParseDescriptor(text);
  const std::string formatted = tfhub::cache::FormatDescriptor(parsed);
  const Descriptor reparsed = tfhub::cache::ParseDescriptor(formatted);
  FUZZ_CHECK(tfhub::cache::FormatDescriptor(reparsed) == formatted, "format/parse is not stable:\n" + formatted);
  FUZZ_CHECK(Same(parsed, reparsed) || !parsed.has_record, "a parsed descriptor does not round-trip:\n" + formatted);

  // 2. A descriptor as tfhub writes it.
  FuzzedDataProvider fdp(data, size);
  Descriptor d;
  d.handle = NoNewline(fdp.ConsumeRandomLengthString(256));
  d.download_time = NoNewline(fdp.ConsumeRandomLengthString(64));
  d.hostname = NoNewline(fdp.ConsumeRandomLengthString(64));
  d.pid = fdp.ConsumeIntegral<long>();
  d.has_record = fdp.ConsumeBool();
  if (d.has_record) {
    d.tfhub_version = NoNewline(fdp.ConsumeRandomLengthString(16));
    d.files = fdp.ConsumeIntegral<uint64_t>();
    d.bytes = fdp.ConsumeIntegral<uint64_t>();
    d.manifest_sha256 = NoNewline(fdp.ConsumeRandomLengthString(64));
    d.archive_sha256 = NoNewline(fdp.ConsumeRandomLengthString(64));
  }
  std::map<std::string, uint64_t> sizes;
  const size_t n = fdp.ConsumeIntegralInRange<size_t>(0, 100);
  for (size_t i = 0; i < n && fdp.remaining_bytes() > 0; ++i) {
    std::string path = NoNewline(fdp.ConsumeRandomLengthString(32));
    if (path.empty()) path = "f" + std::to_string(i);
    sizes[path] = fdp.ConsumeIntegralInRange<uint64_t>(0, 1000);
  }
  const auto checked = tfhub::cache::FilesToCheck(sizes);
  FUZZ_CHECK(checked.size() == std::min(sizes.size(), tfhub::cache::kMaxCheckedFiles), "FilesToCheck size");
  FUZZ_CHECK(std::is_sorted(checked.begin(), checked.end()), "FilesToCheck not sorted");
  uint64_t smallest_kept = UINT64_MAX;
  for (const auto& [path, sz] : checked) {
    auto it = sizes.find(path);
    FUZZ_CHECK(it != sizes.end() && it->second == sz, "FilesToCheck invented a file");
    smallest_kept = std::min(smallest_kept, sz);
  }
  if (checked.size() < sizes.size()) {
    std::map<std::string, uint64_t> kept(checked.begin(), checked.end());
    for (const auto& [path, sz] : sizes) {
      if (!kept.count(path)) FUZZ_CHECK(sz <= smallest_kept, "FilesToCheck dropped a larger file");
    }
  }
  if (d.has_record) d.checked_files = checked;

  const Descriptor back = tfhub::cache::ParseDescriptor(tfhub::cache::FormatDescriptor(d));
  FUZZ_CHECK(Same(d, back), "descriptor does not round-trip:\n" + tfhub::cache::FormatDescriptor(d));
  return 0;
}
