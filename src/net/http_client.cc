#include "net/http_client.h"

#include "base/strings.h"

#include <cstdio>

#include <strings.h>

#include <cstdlib>

namespace tfhub::net {

std::optional<std::string> HttpResponseHead::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

bool IsContentEncoded(const HttpResponseHead& head) {
  const auto encoding = head.Header("Content-Encoding");
  if (!encoding) return false;
  const std::string_view e = base::TrimWhitespace(*encoding);
  return !e.empty() && e != "identity";
}

std::string StrongValidator(const HttpResponseHead& head) {
  if (auto etag = head.Header("ETag"); etag && !etag->empty() && etag->rfind("W/", 0) != 0) return *etag;
  if (auto lm = head.Header("Last-Modified"); lm) return *lm;
  return {};
}

std::optional<uint64_t> ContentRangeStart(const HttpResponseHead& head) {
  auto cr = head.Header("Content-Range");
  if (!cr || cr->rfind("bytes ", 0) != 0) return std::nullopt;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(cr->c_str() + 6, &end, 10);
  if (end == cr->c_str() + 6 || *end != '-') return std::nullopt;
  return v;
}

std::optional<ContentRange> ParseContentRange(const HttpResponseHead& head) {
  auto cr = head.Header("Content-Range");
  if (!cr) return std::nullopt;
  ContentRange r;
  unsigned long long first = 0, last = 0, total = 0;
  int used = 0;
  if (std::sscanf(cr->c_str(), "bytes %llu-%llu/%llu%n", &first, &last, &total, &used) != 3 ||
      static_cast<size_t>(used) != cr->size() || last < first || last >= total) {
    return std::nullopt;
  }
  r.first = first;
  r.last = last;
  r.total = total;
  return r;
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
