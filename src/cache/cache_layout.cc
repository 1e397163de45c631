#include "cache/cache_layout.h"

#include "base/sha1.h"
#include "tfhub/file_system.h"

namespace tfhub::cache {

std::string CacheDirOf(const ResolveOptions& options) {
  return options.cache_dir.empty() ? DefaultCacheDir() : options.cache_dir;
}

CacheLayout::CacheLayout(std::string cache_dir, std::string_view handle)
    : cache_dir_(std::move(cache_dir)),
      key_(base::Sha1Hex(handle)),
      module_dir_(io::JoinPath(cache_dir_, key_)) {}

}  // namespace tfhub::cache
