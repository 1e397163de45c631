// The ResolveOptions of a tfhub.resolve()/tfhub.load() call: the
// environment, read exactly as the CLI reads it (OptionsFromEnvironment()),
// except that every keyword argument that is not None wins over its
// variable, which is then not read (the caller's explicit choice, as a
// ResolveOptions field set in C++; config::ExplicitSettings).
//
// Errors: StatusError (InvalidArgument) for a bad environment variable that
// is read, a load_format other than "AUTO", "COMPRESSED", "UNCOMPRESSED", or
// a sha256 that is not 64 hexadecimal digits (taken in any case).
#pragma once

#include <optional>
#include <string>

#include "tfhub/options.h"

namespace tfhub::python {

struct ResolveArgs {
  std::optional<std::string> cache_dir;
  std::optional<std::string> load_format;
  std::optional<bool> offline;
  std::optional<std::string> sha256;
};

ResolveOptions BuildResolveOptions(const ResolveArgs& args);

}  // namespace tfhub::python
