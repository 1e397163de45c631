#include "gcs/gcs_path.h"

namespace tfhub::gcs {

std::string GcsPath::Uri() const { return "gs://" + bucket + (object.empty() ? "" : "/" + object); }

Result<GcsPath> ParseGcsPath(std::string_view uri) {
  constexpr std::string_view kScheme = "gs://";
  if (uri.substr(0, kScheme.size()) != kScheme) {
    return InvalidArgumentError("not a gs:// URI: " + std::string(uri));
  }
  std::string_view rest = uri.substr(kScheme.size());
  const auto slash = rest.find('/');
  GcsPath path;
  path.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) path.object = std::string(rest.substr(slash + 1));
  const auto& b = path.bucket;
  bool valid = b.size() >= 3 && b.size() <= 222;
  for (char c : b) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
  }
  if (!valid) {
    return InvalidArgumentError("invalid Cloud Storage bucket name '" + b + "' in " + std::string(uri) +
                                " (3 to 222 characters of a-z, 0-9, '-', '_' and '.')");
  }
  return path;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string DirPrefix(std::string_view object) {
  if (object.empty() || object.back() == '/') return std::string(object);
  return std::string(object) + "/";
}

}  // namespace tfhub::gcs
