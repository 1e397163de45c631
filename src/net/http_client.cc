#include "net/http_client.h"

#include <strings.h>

namespace tfhub::net {

std::optional<std::string> HttpResponseHead::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

Status StringBodySink::OnData(std::string_view chunk) {
  if (body_.size() + chunk.size() > max_bytes_) {
    return ResourceExhaustedError("response body larger than " + std::to_string(max_bytes_) + " bytes");
  }
  body_.append(chunk);
  return Status::Ok();
}

Result<HttpResponse> SendForString(HttpClient& client, const HttpRequest& request, size_t max_bytes) {
  StringBodySink sink(max_bytes);
  TFHUB_ASSIGN_OR_RETURN(HttpResponseHead head, client.Send(request, sink));
  return HttpResponse{std::move(head), std::move(sink.body())};
}

}  // namespace tfhub::net
