#include "net/http_status.h"

namespace tfhub::net {

std::string_view StandardReasonPhrase(long code) {
  switch (code) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

Status HttpErrorStatus(long code, std::string_view reason) {
  std::string msg = "HTTP Error " + std::to_string(code) + ": " +
                    std::string(reason.empty() ? StandardReasonPhrase(code) : reason);
  if (code == 404 || code == 410) return NotFoundError(std::move(msg));
  if (code == 401 || code == 403) return PermissionDeniedError(std::move(msg));
  if (code == 400) return InvalidArgumentError(std::move(msg));
  if (code == 408 || code == 429 || code >= 500) return UnavailableError(std::move(msg));
  return FailedPreconditionError(std::move(msg));
}

}  // namespace tfhub::net
