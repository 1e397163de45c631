#include "resolve/handle.h"

namespace tfhub::resolvers {

namespace {
bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
}  // namespace

bool IsHttpUrl(std::string_view handle) {
  return StartsWith(handle, "http://") || StartsWith(handle, "https://");
}

bool IsTarArchiveName(std::string_view handle) {
  return EndsWith(handle, ".tar") || EndsWith(handle, ".tar.gz") || EndsWith(handle, ".tgz");
}

std::string AppendFormatQuery(std::string_view url, std::string_view format) {
  const auto hash = url.find('#');
  std::string out(url.substr(0, hash));
  const auto q = out.find('?');
  if (q == std::string::npos) {
    out += '?';
  } else if (q + 1 != out.size() && out.back() != '&') {
    out += '&';
  }
  out += "tf-hub-format=";
  out += format;
  return out;
}

std::optional<std::string> ChinaMirrorArchiveUrl(std::string_view handle) {
  constexpr std::string_view kPrefix = "https://hub.tensorflow.google.cn/";
  if (!StartsWith(handle, kPrefix)) return std::nullopt;
  std::string_view path = handle.substr(kPrefix.size());
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return "https://gcs.tensorflow.google.cn/tfhub-modules/" + std::string(path) + ".tar.gz";
}

}  // namespace tfhub::resolvers
