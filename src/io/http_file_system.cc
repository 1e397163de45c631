#include "io/http_file_system.h"

#include <string>

#include "net/goog_hash.h"
#include "net/http_status.h"
#include "net/parallel_get.h"
#include "net/range_read_sink.h"

namespace tfhub::io {

namespace {

Status ReadOnly(const std::string& url) { return PermissionDeniedError(url + ": http(s) is read-only"); }

Status AnswerError(const std::string& what, const std::string& url, const net::HttpResponseHead& head) {
  return net::HttpErrorStatus(head.status, head.reason).WithPrefix(what + " " + url);
}

class HttpRandomAccessFile final : public RandomAccessFile {
 public:
  HttpRandomAccessFile(net::HttpClient* http, net::HttpRequest get, uint64_t size, std::string validator)
      : http_(http), get_(std::move(get)), size_(size), validator_(std::move(validator)) {}

  uint64_t Size() const override { return size_; }

  Result<std::string_view> ReadAt(uint64_t offset, size_t n, char* scratch) const override {
    if (offset > size_ || n > size_ - offset) {
      return OutOfRangeError("read of " + std::to_string(n) + " bytes at offset " + std::to_string(offset) + " of " +
                             get_.url + ", which has " + std::to_string(size_) + " bytes");
    }
    if (n == 0) return std::string_view(scratch, 0);
    net::HttpRequest req = get_;
    req.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + n - 1));
    if (!validator_.empty()) req.headers.push_back("If-Range: " + validator_);
    net::RangeReadSink sink("read " + get_.url, offset, scratch, n);
    TFHUB_ASSIGN_OR_RETURN(net::HttpResponseHead head, http_->Send(req, sink));
    if (head.status != 200 && head.status != 206) return AnswerError("read", get_.url, head);
    TFHUB_RETURN_IF_ERROR(sink.CheckComplete());
    return std::string_view(scratch, n);
  }

 private:
  net::HttpClient* http_;
  net::HttpRequest get_;
  uint64_t size_;
  std::string validator_;
};

// The body of a 2xx answer, up to `max_bytes`: FailedPrecondition beyond
// (on the Content-Length when there is one, before any of the body). Other
// answers' bodies (error documents) are dropped.
class CappedBodySink final : public net::HttpBodySink {
 public:
  CappedBodySink(const std::string& url, uint64_t max_bytes) : url_(url), max_bytes_(max_bytes) {}

  Status OnResponse(const net::HttpResponseHead& head) override {
    ok_status_ = head.status >= 200 && head.status <= 299;
    if (ok_status_ && head.content_length && *head.content_length > max_bytes_) {
      return FailedPreconditionError("'" + url_ + "' has " + std::to_string(*head.content_length) +
                                     " bytes, more than such a file holds (" + std::to_string(max_bytes_) + ")");
    }
    return Status::Ok();
  }
  Status OnData(std::string_view chunk) override {
    if (!ok_status_) return Status::Ok();
    if (chunk.size() > max_bytes_ - body_.size()) {
      return FailedPreconditionError("'" + url_ + "' is larger than " + std::to_string(max_bytes_) +
                                     " bytes, more than such a file holds");
    }
    body_.append(chunk);
    return Status::Ok();
  }
  Status OnRestart() override {
    body_.clear();
    return Status::Ok();
  }
  std::string& body() { return body_; }

 private:
  const std::string& url_;
  uint64_t max_bytes_;
  bool ok_status_ = false;
  std::string body_;
};

}  // namespace

HttpFileSystem::HttpFileSystem(std::shared_ptr<net::HttpClient> http, HttpFileSystemOptions options)
    : http_(std::move(http)), options_(std::move(options)) {}

net::HttpRequest HttpFileSystem::Request(std::string method, const std::string& url) const {
  net::HttpRequest r;
  r.method = std::move(method);
  r.url = url;
  r.verify_tls = options_.verify_tls;
  r.ca_file = options_.ca_file;
  r.cancel = options_.cancel;
  r.stall_timeout = options_.stall_timeout;
  return r;
}

Result<FileInfo> HttpFileSystem::Stat(const std::string& url) {
  TFHUB_ASSIGN_OR_RETURN(net::HttpResponse r, net::SendForString(*http_, Request("HEAD", url)));
  FileInfo info;
  if (r.head.status == 404 || r.head.status == 410) return info;
  if (r.head.status < 200 || r.head.status > 299) return AnswerError("stat", url, r.head);
  info.type = FileType::kFile;
  info.size = r.head.content_length.value_or(0);
  return info;
}

Status HttpFileSystem::CreateDirs(const std::string& url) { return ReadOnly(url); }
Status HttpFileSystem::DeleteFile(const std::string& url) { return ReadOnly(url); }
Status HttpFileSystem::DeleteRecursively(const std::string& url) { return ReadOnly(url); }
Status HttpFileSystem::RenameNoReplace(const std::string& from, const std::string&) { return ReadOnly(from); }
Status HttpFileSystem::Rename(const std::string& from, const std::string&) { return ReadOnly(from); }
Result<std::unique_ptr<WritableFile>> HttpFileSystem::NewWritableFile(const std::string& url) {
  return ReadOnly(url);
}
Status HttpFileSystem::CreateExclusive(const std::string& url, std::string_view) { return ReadOnly(url); }

Result<std::unique_ptr<RandomAccessFile>> HttpFileSystem::NewRandomAccessFile(const std::string& url) {
  TFHUB_ASSIGN_OR_RETURN(net::HttpResponse r, net::SendForString(*http_, Request("HEAD", url)));
  if (r.head.status < 200 || r.head.status > 299) return AnswerError("open", url, r.head);
  if (!r.head.content_length) return FailedPreconditionError("open " + url + ": the server sends no Content-Length");
  // Ranged reads go to where the redirects led.
  const std::string target = r.head.effective_url.empty() ? url : r.head.effective_url;
  return std::unique_ptr<RandomAccessFile>(std::make_unique<HttpRandomAccessFile>(
      http_.get(), Request("GET", target), *r.head.content_length, net::StrongValidator(r.head)));
}

Result<std::string> HttpFileSystem::ReadFileToString(const std::string& url, uint64_t max_bytes) {
  CappedBodySink sink(url, max_bytes);
  TFHUB_ASSIGN_OR_RETURN(net::HttpResponseHead head, http_->Send(Request("GET", url), sink));
  if (head.status < 200 || head.status > 299) return AnswerError("read", url, head);
  return std::move(sink.body());
}

Status HttpFileSystem::ReadStream(const std::string& url, StreamSink& sink) {
  if (options_.parallel.connections > 1) return net::ParallelGet(*http_, Request("GET", url), options_.parallel, sink);
  net::StreamBodySink body(&sink);
  return http_->Send(Request("GET", url), body).status();
}

}  // namespace tfhub::io
