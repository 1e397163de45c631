// The CLI's flags that become ResolveOptions, and how they meet the
// environment (src/config/ is the only place the environment is read).
#pragma once

#include <string>

#include "tfhub/options.h"

namespace tfhub::config {

// Command-line flag values; an empty string means "flag not given".
struct CommandLineFlags {
  std::string tfhub_cache_dir;
  std::string tfhub_model_load_format;
  bool offline = false;  // --offline
};

// OptionsFromEnvironment() with the flags, in Python's precedence: a
// non-empty TFHUB_CACHE_DIR beats --tfhub_cache_dir, a non-empty
// TFHUB_MODEL_LOAD_FORMAT beats --tfhub_model_load_format; offline mode is on
// when --offline or TFHUB_OFFLINE asks for it. Errors: InvalidArgument
// naming the variable or flag.
Result<ResolveOptions> OptionsFromEnvironmentAndFlags(const CommandLineFlags& flags);

}  // namespace tfhub::config
