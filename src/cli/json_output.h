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

#include "tfhub/status.h"

namespace tfhub::cli {

// {"code": "not_found", "message": "..."}
inline nlohmann::json StatusJson(const Status& status) {
  return {{"code", std::string(StatusCodeName(status.code()))}, {"message", status.message()}};
}

// Reports a failed command: the message on `err` and, with `json`, the error
// document on `out`. Returns `exit_code`.
inline int ReportError(const Status& status, bool json, int exit_code, std::ostream& out, std::ostream& err) {
  err << "tfhub: error: " << status.message() << '\n';
  if (json) out << nlohmann::json{{"error", StatusJson(status)}}.dump(2) << '\n';
  return exit_code;
}

}  // namespace tfhub::cli
