#include "net/range_read_sink.h"

#include <cstring>

namespace tfhub::net {

Status RangeReadSink::OnResponse(const HttpResponseHead& head) {
  ok_status_ = head.status == 200 || head.status == 206;
  // A 200 is the whole resource: right only when the range starts at 0.
  if (head.status == 200 && offset_ != 0) {
    return DataLossError(what_ + ": the server ignored the range " + std::to_string(offset_) + "+" +
                         std::to_string(n_));
  }
  if (head.status == 206) {  // "Content-Range: bytes <first>-<last>/<size>" must start where asked
    if (ContentRangeStart(head) != offset_) {
      return DataLossError(what_ + ": asked for bytes from " + std::to_string(offset_) + ", got Content-Range '" +
                           head.Header("Content-Range").value_or("") + "'");
    }
  }
  return Status::Ok();
}

Status RangeReadSink::CheckComplete() const {
  if (got_ == n_) return Status::Ok();
  return DataLossError(what_ + ": expected " + std::to_string(n_) + " bytes at offset " + std::to_string(offset_) +
                       ", got " + std::to_string(got_));
}

Status RangeReadSink::OnData(std::string_view chunk) {
  if (!ok_status_) {  // an error document
    if (error_body_.size() < 64 * 1024) error_body_.append(chunk.substr(0, 64 * 1024 - error_body_.size()));
    return Status::Ok();
  }
  if (got_ + chunk.size() > n_) {
    return DataLossError(what_ + ": the server sent more than the " + std::to_string(n_) +
                         " bytes asked for at offset " + std::to_string(offset_));
  }
  std::memcpy(dest_ + got_, chunk.data(), chunk.size());
  got_ += chunk.size();
  return Status::Ok();
}

}  // namespace tfhub::net
