// The CLI's flags that become ResolveOptions, and how they meet the
// environment (src/config/ is the only place the environment is read).
#pragma once

#include <optional>
#include <string>
#include <string_view>

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

// Settings a caller chose explicitly (the Python package's keyword
// arguments; like ResolveOptions fields set in C++): each one that is set
// wins over its variable, which is then not read at all (a malformed
// TFHUB_MODEL_LOAD_FORMAT does not fail a call that passes load_format=).
struct ExplicitSettings {
  std::optional<std::string> cache_dir;    // TFHUB_CACHE_DIR
  std::optional<std::string> load_format;  // TFHUB_MODEL_LOAD_FORMAT; errors say "load_format"
  std::optional<bool> offline;             // TFHUB_OFFLINE
};

// OptionsFromEnvironment() with `settings` winning as described above.
Result<ResolveOptions> OptionsFromEnvironmentAndExplicitSettings(const ExplicitSettings& settings);

// A SHA-256 pin as a caller writes it (--sha256, sha256=): 64 hexadecimal
// digits in any case. Returns them lowercase, as
// ResolveOptions::archive_sha256 holds them; nullopt for anything else.
std::optional<std::string> NormalizeSha256Pin(std::string_view text);

// Both: explicit settings beat the environment, which beats the flags.
Result<ResolveOptions> OptionsFromEnvironment(const CommandLineFlags& flags, const ExplicitSettings& settings);

}  // namespace tfhub::config
