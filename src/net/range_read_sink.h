// net::RangeReadSink — receives the answer to "Range: bytes=<offset>-..." of
// exactly `n` bytes straight into the caller's buffer, and refuses answers
// that are not that range: a 200 (range ignored) at a non-zero offset is
// refused on its head, before any of its body; a 206 must start at
// `offset`; more than `n` bytes is refused. A non-2xx answer's body (an
// error document, first 64 KiB) is kept for the caller's message. Errors
// are DataLoss, prefixed with `what` ("Cloud Storage read gs://b/o").
#pragma once

#include <string>

#include "net/http_client.h"

namespace tfhub::net {

class RangeReadSink final : public HttpBodySink {
 public:
  RangeReadSink(std::string what, uint64_t offset, char* dest, size_t n)
      : what_(std::move(what)), offset_(offset), dest_(dest), n_(n) {}

  Status OnResponse(const HttpResponseHead& head) override;
  Status OnData(std::string_view chunk) override;
  Status OnRestart() override {
    got_ = 0;
    error_body_.clear();
    return Status::Ok();
  }

  // After a 2xx answer: DataLoss unless exactly `n` bytes arrived.
  Status CheckComplete() const;
  size_t got() const { return got_; }
  const std::string& error_body() const { return error_body_; }

 private:
  std::string what_;
  uint64_t offset_;
  char* dest_;
  size_t n_;
  size_t got_ = 0;
  bool ok_status_ = false;
  std::string error_body_;
};

}  // namespace tfhub::net
