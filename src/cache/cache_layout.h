// cache::CacheLayout — the names tensorflow_hub gives things in a cache dir.
//
//   <cache>/<sha1>/                 the module (exactly the archive's members)
//   <cache>/<sha1>.descriptor.txt   who downloaded what, when
//   <cache>/<sha1>.lock             "<host>.<pid>.<uid>" while downloading
//   <cache>/<sha1>.<uid>.tmp/       the download in progress
// <sha1> is the lowercase hex SHA-1 of the handle's UTF-8 bytes as given.
// See docs/cache_layout.md.
#pragma once

#include <string>
#include <string_view>

#include "tfhub/options.h"

namespace tfhub::cache {

// The cache dir `options` name, else DefaultCacheDir().
std::string CacheDirOf(const ResolveOptions& options);

class CacheLayout {
 public:
  // `cache_dir` is a path or URI; `handle` is hashed exactly as given.
  CacheLayout(std::string cache_dir, std::string_view handle);

  const std::string& cache_dir() const { return cache_dir_; }
  const std::string& key() const { return key_; }  // sha1 hex
  const std::string& module_dir() const { return module_dir_; }
  std::string descriptor_path() const { return module_dir_ + ".descriptor.txt"; }
  std::string lock_path() const { return module_dir_ + ".lock"; }
  std::string temp_dir(std::string_view uid) const {
    return module_dir_ + "." + std::string(uid) + ".tmp";
  }

 private:
  std::string cache_dir_;
  std::string key_;
  std::string module_dir_;
};

}  // namespace tfhub::cache
