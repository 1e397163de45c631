// The environment variables tfhub reads, all unset: the base environment of
// a CLI subprocess, so a test sees only what it sets itself.
#pragma once

#include "testing/subprocess.h"

namespace tfhub::itest {

inline const test::EnvChanges& CleanCliEnv() {
  static const test::EnvChanges env = {
      {"TFHUB_CACHE_DIR", std::nullopt},         {"TFHUB_MODEL_LOAD_FORMAT", std::nullopt},
      {"TFHUB_OFFLINE", std::nullopt},           {"TFHUB_DOWNLOAD_PROGRESS", std::nullopt},
      {"TFHUB_LOCK_TIMEOUT_SEC", std::nullopt},  {"TFHUB_DISABLE_CERT_VALIDATION", std::nullopt},
      {"http_proxy", std::nullopt},              {"https_proxy", std::nullopt},
      {"HTTPS_PROXY", std::nullopt},             {"ALL_PROXY", std::nullopt}};
  return env;
}

}  // namespace tfhub::itest
