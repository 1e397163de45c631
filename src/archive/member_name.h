// Archive member names, made safe the way tensorflow_hub's
// merge_relative_path does it, plus a refusal of control characters.
#pragma once

#include <string>
#include <string_view>

#include "tfhub/result.h"

namespace tfhub::archive {

// Returns `name` relative to the extraction root: leading "/" stripped and
// normalised like Python's posixpath.normpath ("a//b/./c" → "a/b/c",
// "hello/../bla" → "bla"). "", ".", "./" and "/" give "" (the root itself).
// Errors (InvalidArgument):
//   * "Relative path '<name>' is invalid." when the normalised name starts
//     with ".." ("../x", "/../", "a/../../x", and "..foo" as the reference);
//   * names holding NUL or other control characters.
Result<std::string> NormalizeMemberName(std::string_view name);

}  // namespace tfhub::archive
