// The one convention every `tfhub ... --json` follows:
//
//  * stdout carries exactly one JSON document per invocation;
//  * a failure (non-zero exit other than `cache verify`'s 3) is an object
//    with an "error" member {"code": "<StatusCodeName>", "message": "..."};
//    commands whose result is still useful after a failure (`cache rm`,
//    `prune`, `clean`) put that member next to their result;
//  * the human-readable "tfhub: error: ..." line still goes to stderr, and the
//    exit code is the same as without --json.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

#include "base/strings.h"
#include "tfhub/status.h"

namespace tfhub::cli {

// Serialises `j` as every command prints JSON: indented by 2, non-ASCII and
// control characters as \u escapes (so the document is safe on a terminal),
// bytes that are not UTF-8 replaced by U+FFFD instead of failing.
inline std::string DumpJson(const nlohmann::json& j) {
  return j.dump(2, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
}

// {"code": "not_found", "message": "..."}
inline nlohmann::json StatusJson(const Status& status) {
  return {{"code", std::string(StatusCodeName(status.code()))}, {"message", status.message()}};
}

// Reports a failed command: the message on `err` and, with `json`, the error
// document on `out`. Returns `exit_code`.
inline int ReportError(const Status& status, bool json, int exit_code, std::ostream& out, std::ostream& err) {
  err << "tfhub: error: " << base::EscapeForTerminal(status.message()) << '\n';
  if (json) out << DumpJson(nlohmann::json{{"error", StatusJson(status)}}) << '\n';
  return exit_code;
}

}  // namespace tfhub::cli
