// libFuzzer target: handle, URL and path parsing — resolve/handle.h
// (IsHttpUrl, IsTarArchiveName, AppendFormatQuery, ChinaMirrorArchiveUrl),
// io::UriScheme / io::JoinPath, archive::NormalizeMemberName and
// cache::ParseLockContents. Each is checked against its documented contract.
//
// Input: the whole input is the handle / URL / name; for the two-argument
// functions it is split at the first NUL byte (after it: the second argument).
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "archive/member_name.h"
#include "cache/lock_file.h"
#include "fuzz_support.h"
#include "tfhub/file_system.h"
#include "resolve/handle.h"

namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

void CheckHandle(std::string_view h) {
  using namespace tfhub::resolvers;
  FUZZ_CHECK(IsHttpUrl(h) == (StartsWith(h, "http://") || StartsWith(h, "https://")), "IsHttpUrl");
  FUZZ_CHECK(IsTarArchiveName(h) == (EndsWith(h, ".tar") || EndsWith(h, ".tar.gz") || EndsWith(h, ".tgz")),
             "IsTarArchiveName");

  for (std::string_view format : {std::string_view("compressed"), std::string_view("uncompressed")}) {
    const std::string url = AppendFormatQuery(h, format);
    const std::string_view base = h.substr(0, h.find('#'));
    const std::string param = "tf-hub-format=" + std::string(format);
    FUZZ_CHECK(StartsWith(url, base), "AppendFormatQuery dropped part of the URL: " + url);
    FUZZ_CHECK(EndsWith(url, param), "AppendFormatQuery: no parameter at the end: " + url);
    FUZZ_CHECK(url.find('#') == std::string::npos, "AppendFormatQuery kept a fragment: " + url);
    // Exactly one separator between what was there and the new parameter.
    const std::string_view between = std::string_view(url).substr(base.size(), url.size() - base.size() - param.size());
    const size_t q = base.find('?');
    if (q == std::string_view::npos) {
      FUZZ_CHECK(between == "?", "AppendFormatQuery without a query must add '?': " + url);
    } else if (q + 1 == base.size() || base.back() == '&') {  // empty query, or one ending in &
      FUZZ_CHECK(between.empty(), "AppendFormatQuery doubled a separator: " + url);
    } else {
      FUZZ_CHECK(between == "&", "AppendFormatQuery must add '&': " + url);
    }
  }

  const auto mirror = ChinaMirrorArchiveUrl(h);
  FUZZ_CHECK(mirror.has_value() == StartsWith(h, "https://hub.tensorflow.google.cn/"), "ChinaMirrorArchiveUrl");
  if (mirror) {
    FUZZ_CHECK(StartsWith(*mirror, "https://gcs.tensorflow.google.cn/tfhub-modules/"), *mirror);
    FUZZ_CHECK(EndsWith(*mirror, ".tar.gz"), *mirror);
    FUZZ_CHECK(mirror->find_first_of("?#") == std::string::npos, "query or fragment kept: " + *mirror);
    FUZZ_CHECK(!EndsWith(*mirror, "/.tar.gz") || *mirror == "https://gcs.tensorflow.google.cn/tfhub-modules/.tar.gz",
               "trailing slash kept: " + *mirror);
    FUZZ_CHECK(IsHttpUrl(*mirror) && IsTarArchiveName(*mirror), *mirror);
  }

  const std::string_view scheme = tfhub::io::UriScheme(h);
  if (!scheme.empty()) {
    FUZZ_CHECK(StartsWith(h, std::string(scheme) + "://"), "UriScheme not a prefix");
    FUZZ_CHECK(std::isalpha(static_cast<unsigned char>(scheme[0])), "scheme must start with a letter");
    for (char c : scheme) {
      const auto u = static_cast<unsigned char>(c);
      FUZZ_CHECK(std::isalnum(u) || c == '+' || c == '.' || c == '-', "bad scheme character");
    }
    FUZZ_CHECK(scheme.find("://") == std::string_view::npos, "scheme contains ://");
  }
  if (IsHttpUrl(h)) FUZZ_CHECK(scheme == "http" || scheme == "https", "an http URL has another scheme");
}

void CheckMemberName(std::string_view name) {
  auto norm = tfhub::archive::NormalizeMemberName(name);
  bool has_control = false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    has_control |= u < 0x20 || u == 0x7f;
  }
  if (has_control) FUZZ_CHECK(!norm.ok(), "control characters accepted");
  if (!norm.ok()) return;
  const std::string& p = *norm;
  if (p.empty()) return;  // the root itself
  FUZZ_CHECK(p.front() != '/', "absolute result: " + p);
  FUZZ_CHECK(!StartsWith(p, ".."), "result starts with ..: " + p);
  size_t start = 0;
  for (;;) {
    const size_t slash = p.find('/', start);
    const std::string_view comp = std::string_view(p).substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    FUZZ_CHECK(!comp.empty() && comp != "." && comp != "..", "bad component in result: " + p);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  auto again = tfhub::archive::NormalizeMemberName(p);
  FUZZ_CHECK(again.ok() && *again == p, "NormalizeMemberName is not idempotent on " + p);
  // A leading "/" or "./" changes nothing.
  auto rooted = tfhub::archive::NormalizeMemberName("/" + std::string(name));
  FUZZ_CHECK(rooted.ok() && *rooted == p, "a leading / changed the result");
  auto dotted = tfhub::archive::NormalizeMemberName("./" + std::string(name));
  FUZZ_CHECK(dotted.ok() && *dotted == p, "a leading ./ changed the result");
}

void CheckLock(std::string_view contents) {
  auto owner = tfhub::cache::ParseLockContents(contents);
  if (!owner) return;
  FUZZ_CHECK(owner->pid > 0, "non-positive pid accepted");
  FUZZ_CHECK(owner->uid.find('.') == std::string::npos, "uid holds a dot");
  // (The text need not come back byte for byte: strtol also reads "+12", " 12", "012".)
  auto again = tfhub::cache::ParseLockContents(tfhub::cache::LockContents(owner->host, owner->pid, owner->uid));
  FUZZ_CHECK(again && again->host == owner->host && again->pid == owner->pid && again->uid == owner->uid,
             "LockContents/ParseLockContents do not round-trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckHandle(input);
  CheckMemberName(input);
  CheckLock(input);

  const size_t nul = input.find('\0');
  const std::string_view a = input.substr(0, nul);
  const std::string_view b = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  const std::string joined = tfhub::io::JoinPath(a, b);
  std::string_view rel = b;
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  if (a.empty()) {
    FUZZ_CHECK(joined == rel, "JoinPath with an empty base");
  } else {
    FUZZ_CHECK(StartsWith(joined, a) && EndsWith(joined, rel), "JoinPath lost a part");
    FUZZ_CHECK(joined.size() == a.size() + rel.size() + (a.back() == '/' ? 0 : 1), "JoinPath separator");
    FUZZ_CHECK(joined[a.size() - (a.back() == '/' ? 1 : 0)] == '/', "JoinPath: no '/' between");
  }
  return 0;
}
