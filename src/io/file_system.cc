#include "tfhub/file_system.h"

#include <cctype>

namespace tfhub::io {

Status FileSystem::WriteStringToFile(const std::string& path, std::string_view content) {
  TFHUB_ASSIGN_OR_RETURN(auto file, NewWritableFile(path));
  TFHUB_RETURN_IF_ERROR(file->Append(content));
  return file->Close();
}

std::string_view UriScheme(std::string_view uri) {
  const auto pos = uri.find("://");
  if (pos == std::string_view::npos || pos == 0) return {};
  if (!std::isalpha(static_cast<unsigned char>(uri[0]))) return {};
  for (size_t i = 1; i < pos; ++i) {
    const auto c = static_cast<unsigned char>(uri[i]);
    if (!std::isalnum(c) && c != '+' && c != '.' && c != '-') return {};
  }
  return uri.substr(0, pos);
}

std::string JoinPath(std::string_view base, std::string_view name) {
  std::string out(base);
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (out.empty()) return std::string(name);
  if (out.back() != '/') out += '/';
  out += name;
  return out;
}

FileSystemRegistry& FileSystemRegistry::Default() {
  static FileSystemRegistry* registry = [] {
    auto* r = new FileSystemRegistry();
    RegisterBuiltinFileSystems(*r);
    return r;
  }();
  return *registry;
}

void FileSystemRegistry::Register(std::string scheme, std::shared_ptr<FileSystem> fs) {
  for (auto& [s, backend] : backends_) {
    if (s == scheme) {
      backend = std::move(fs);
      return;
    }
  }
  backends_.emplace_back(std::move(scheme), std::move(fs));
}

Result<FileSystem*> FileSystemRegistry::ForUri(std::string_view uri) const {
  const std::string_view scheme = UriScheme(uri);
  for (const auto& [s, backend] : backends_) {
    if (s == scheme) return backend.get();
  }
  return UnimplementedError("File system scheme '" + std::string(scheme) +
                            "' not implemented (file: '" + std::string(uri) + "')");
}

Result<FileSystem*> FileSystemForUri(std::string_view uri) {
  return FileSystemRegistry::Default().ForUri(uri);
}

}  // namespace tfhub::io
