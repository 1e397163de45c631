#include "archive/member_name.h"

#include <vector>

#include "base/strings.h"

namespace tfhub::archive {

namespace {
// posixpath.normpath for a path that no longer starts with "/".
std::string NormPathRelative(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view comp = path.substr(i, j - i);
    i = j + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else {
        parts.push_back(comp);  // relative path: ".." stays
      }
      continue;
    }
    parts.push_back(comp);
  }
  if (parts.empty()) return ".";
  std::string out;
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k) out += '/';
    out += parts[k];
  }
  return out;
}
}  // namespace

Result<std::string> NormalizeMemberName(std::string_view name) {
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return InvalidArgumentError("Relative path " + base::PythonRepr(name) +
                                  " is invalid: it contains control characters.");
    }
  }
  std::string_view rel = name;
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  std::string norm = NormPathRelative(rel);
  if (norm == ".") return std::string();
  if (norm.rfind("..", 0) == 0) {
    return InvalidArgumentError("Relative path " + base::PythonRepr(name) + " is invalid.");
  }
  return norm;
}

}  // namespace tfhub::archive
