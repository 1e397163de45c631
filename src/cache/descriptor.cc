#include "cache/descriptor.h"

#include <algorithm>
#include <cstdlib>

#include "base/crypto_api.h"

namespace tfhub::cache {

Result<std::string> ManifestSha256(const std::map<std::string, uint64_t>& sizes) {
  base::Sha256 sha;
  for (const auto& [path, size] : sizes) {
    std::string line = path;
    line += '\0';
    line += std::to_string(size);
    line += '\n';
    sha.Update(line);
  }
  return sha.HexDigest();
}

std::vector<std::pair<std::string, uint64_t>> FilesToCheck(const std::map<std::string, uint64_t>& sizes) {
  std::vector<std::pair<std::string, uint64_t>> files(sizes.begin(), sizes.end());
  if (files.size() > kMaxCheckedFiles) {
    std::partial_sort(files.begin(), files.begin() + kMaxCheckedFiles, files.end(),
                      [](const auto& a, const auto& b) {
                        return a.second != b.second ? a.second > b.second : a.first < b.first;
                      });
    files.resize(kMaxCheckedFiles);
    std::sort(files.begin(), files.end());
  }
  return files;
}

std::string FormatDescriptor(const Descriptor& d) {
  std::string out = "Module: " + d.handle + "\nDownload Time: " + d.download_time +
                    "\nDownloader Hostname: " + d.hostname + " (PID:" + std::to_string(d.pid) + ")";
  if (d.has_record) {
    out += "\ntfhub-Version: " + d.tfhub_version;
    out += "\ntfhub-Files: " + std::to_string(d.files);
    out += "\ntfhub-Bytes: " + std::to_string(d.bytes);
    out += "\ntfhub-Manifest-SHA256: " + d.manifest_sha256;
    if (!d.archive_sha256.empty()) out += "\ntfhub-Archive-SHA256: " + d.archive_sha256;
    for (const auto& [path, size] : d.checked_files) {
      out += "\ntfhub-File: " + std::to_string(size) + " " + path;
    }
  }
  return out;
}

Descriptor ParseDescriptor(std::string_view text) {
  Descriptor d;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const auto colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    const std::string value(line.substr(colon + 2));
    if (key == "Module") {
      d.handle = value;
    } else if (key == "Download Time") {
      d.download_time = value;
    } else if (key == "Downloader Hostname") {
      const auto paren = value.rfind(" (PID:");
      d.hostname = value.substr(0, paren);
      if (paren != std::string::npos) d.pid = std::strtol(value.c_str() + paren + 6, nullptr, 10);
    } else if (key == "tfhub-Version") {
      d.has_record = true;
      d.tfhub_version = value;
    } else if (key == "tfhub-Files") {
      d.files = std::strtoull(value.c_str(), nullptr, 10);
    } else if (key == "tfhub-Bytes") {
      d.bytes = std::strtoull(value.c_str(), nullptr, 10);
    } else if (key == "tfhub-Manifest-SHA256") {
      d.manifest_sha256 = value;
    } else if (key == "tfhub-Archive-SHA256") {
      d.archive_sha256 = value;
    } else if (key == "tfhub-File") {
      const auto space = value.find(' ');
      if (space != std::string::npos && space + 1 < value.size()) {
        d.checked_files.emplace_back(value.substr(space + 1),
                                     std::strtoull(value.c_str(), nullptr, 10));
      }
    }
  }
  return d;
}

}  // namespace tfhub::cache
