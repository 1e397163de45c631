// HTTP status classification: the one table that maps HTTP answers to
// tfhub Status codes.
#pragma once

#include <string>
#include <string_view>

#include "tfhub/status.h"

namespace tfhub::net {

// The standard reason phrase for `code` ("Not Found"), or "" if unknown.
std::string_view StandardReasonPhrase(long code);

// Status for a non-2xx answer: "HTTP Error <code>: <reason>" (urllib's
// words), 404/410 → NotFound, 401/403 → PermissionDenied, 400 →
// InvalidArgument, 408/429/5xx → Unavailable, others → FailedPrecondition.
Status HttpErrorStatus(long code, std::string_view reason);

}  // namespace tfhub::net
