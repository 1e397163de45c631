#include "net/retrying_http_client.h"

#include <strings.h>

#include <cstdlib>
#include <random>

#include "base/clock.h"
#include "net/http_status.h"

namespace tfhub::net {

namespace {

// The caller's own "Range: bytes=A-B" or "bytes=A-" (B empty), if any.
struct CallerRange {
  uint64_t first = 0;
  std::string last;
};
std::optional<CallerRange> ParseCallerRange(const std::vector<std::string>& headers) {
  for (const auto& h : headers) {
    if (h.size() < 13 || strncasecmp(h.c_str(), "Range: bytes=", 13) != 0) continue;
    const std::string spec = h.substr(13);
    const auto dash = spec.find('-');
    if (dash == 0 || dash == std::string::npos) return std::nullopt;  // suffix ranges: not resumable
    CallerRange r;
    r.first = std::strtoull(spec.substr(0, dash).c_str(), nullptr, 10);
    r.last = spec.substr(dash + 1);
    return r;
  }
  return std::nullopt;
}

// State that lives across attempts.
struct Progress {
  uint64_t base = 0;          // where the body starts in the resource (the caller's Range)
  bool ranged = false;        // the caller asked for a range: 206 is the normal answer
  uint64_t delivered = 0;     // body bytes the caller's sink has
  bool head_delivered = false;
  std::string validator;
};

// One attempt's sink: turns a response into the continuation of the body the
// caller's sink is receiving.
class AttemptSink final : public HttpBodySink {
 public:
  AttemptSink(HttpBodySink* outer, Progress* progress, bool resuming)
      : outer_(outer), progress_(progress), resuming_(resuming) {}

  Status OnResponse(const HttpResponseHead& head) override {
    if (head.status < 200 || head.status > 299) {
      Status error = HttpErrorStatus(head.status, head.reason);
      if (IsRetryable(error)) {
        if (auto ra = head.Header("Retry-After")) retry_after_ = ParseRetryAfter(*ra);
        return error;
      }
      // A final answer (a redirect not followed, a 4xx): the caller's sink
      // decides what it means, and may want its body.
      if (progress_->delivered > 0) {
        if (Status s = outer_->OnRestart(); !s.ok()) return SinkFailed(std::move(s));
        progress_->delivered = 0;
      }
      progress_->head_delivered = true;
      if (Status s = outer_->OnResponse(head); !s.ok()) return SinkFailed(std::move(s));
      return Status::Ok();
    }
    if (resuming_ && head.status == 206 && ContentRangeStart(head) == progress_->base + progress_->delivered) {
      return Status::Ok();  // the same body goes on
    }
    if (progress_->delivered > 0) {
      // The range was ignored or the object changed: start over.
      if (Status s = outer_->OnRestart(); !s.ok()) return SinkFailed(std::move(s));
      progress_->delivered = 0;
      restarted_ = true;
    }
    if (head.status == 206 && !(progress_->ranged && ContentRangeStart(head) == progress_->base)) {
      return SinkFailed(DataLossError("unexpected partial content (206) from the server"));
    }
    progress_->validator = StrongValidator(head);
    if (!progress_->head_delivered || restarted_) {
      progress_->head_delivered = true;
      if (Status s = outer_->OnResponse(head); !s.ok()) return SinkFailed(std::move(s));
    }
    return Status::Ok();
  }

  Status OnData(std::string_view chunk) override {
    if (Status s = outer_->OnData(chunk); !s.ok()) return SinkFailed(std::move(s));
    progress_->delivered += chunk.size();
    return Status::Ok();
  }

  bool sink_failed() const { return sink_failed_; }
  bool restarted() const { return restarted_; }
  std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }

 private:
  Status SinkFailed(Status s) {
    sink_failed_ = true;
    return s;
  }

  HttpBodySink* outer_;
  Progress* progress_;
  bool resuming_;
  bool sink_failed_ = false;
  bool restarted_ = false;
  std::optional<std::chrono::seconds> retry_after_;
};

class RetryingHttpClient final : public HttpClient {
 public:
  RetryingHttpClient(HttpClient* base, RetryOptions options, std::function<void(std::string_view)> log)
      : base_(base), options_(options), log_(std::move(log)) {}

  Result<HttpResponseHead> Send(const HttpRequest& request, HttpBodySink& sink) override {
    const std::string what = request.method + " " + request.url;
    // Only a GET body can be resumed with a Range; other requests are sent
    // again whole (callers make them safe to repeat, e.g. with preconditions).
    const auto caller_range = ParseCallerRange(request.headers);
    const bool can_resume = request.method == "GET";
    std::mt19937 rng(std::random_device{}());
    Progress progress;
    if (caller_range) {
      progress.base = caller_range->first;
      progress.ranged = true;
    }
    Status last;
    std::optional<std::chrono::seconds> retry_after;
    const int attempts = std::max(1, options_.max_attempts);
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      const bool resuming = can_resume && progress.delivered > 0 && !progress.validator.empty();
      if (attempt > 1) {
        const auto wait = Backoff(options_, attempt, retry_after, rng);
        if (log_) {
          log_("Retrying " + what + " in " + std::to_string(wait.count()) + " ms (attempt " +
               std::to_string(attempt) + " of " + std::to_string(attempts) +
               (resuming ? ", resuming at byte " + std::to_string(progress.delivered)
                         : progress.delivered > 0 ? ", from the start: no validator to resume with" : "") +
               "): " + last.message());
        }
        base::Clock& clock = options_.clock != nullptr ? *options_.clock : base::Clock::Real();
        if (!clock.SleepUnlessCancelled(wait, request.cancel)) return AbortedError(what + " interrupted");
      }
      HttpRequest req = request;
      if (resuming) {
        // Ours replace the caller's own Range and If-Range.
        std::erase_if(req.headers, [](const std::string& h) {
          return strncasecmp(h.c_str(), "Range:", 6) == 0 || strncasecmp(h.c_str(), "If-Range:", 9) == 0;
        });
        req.headers.push_back("Range: bytes=" + std::to_string(progress.base + progress.delivered) + "-" +
                              (caller_range ? caller_range->last : ""));
        req.headers.push_back("If-Range: " + progress.validator);
      }
      AttemptSink attempt_sink(&sink, &progress, resuming);
      auto head = base_->Send(req, attempt_sink);
      if (head.ok()) return head;
      last = head.status();
      if (attempt_sink.sink_failed() || !IsRetryable(last)) return last;
      if (base::IsCancelled(request.cancel)) return last;
      retry_after = attempt_sink.retry_after();
    }
    if (attempts == 1) return last;  // retries off: the error as it was
    return AbortedError(what + " failed after " + std::to_string(attempts) +
                        " attempts: " + last.message());
  }

 private:
  HttpClient* base_;
  RetryOptions options_;
  std::function<void(std::string_view)> log_;
};

}  // namespace

std::unique_ptr<HttpClient> NewRetryingHttpClient(HttpClient* base, RetryOptions options,
                                                  std::function<void(std::string_view)> log) {
  return std::make_unique<RetryingHttpClient>(base, options, std::move(log));
}

}  // namespace tfhub::net
