#include "net/parallel_get.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "base/crc32c.h"
#include "net/curl_api.h"
#include "net/curl_transfer.h"
#include "net/goog_hash.h"
#include "net/http_status.h"

namespace tfhub::net {

Status StreamBodySink::OnResponse(const HttpResponseHead& head) {
  if (head.status < 200 || head.status > 299) return HttpErrorStatus(head.status, head.reason);
  io::StreamInfo info;
  info.size = head.content_length;
  const GoogHash digests = ParseGoogHash(head);
  info.crc32c = digests.crc32c;
  info.md5 = digests.md5;
  return sink_->OnStart(info);
}

namespace {

using Clock = std::chrono::steady_clock;

// The first request's sink: decides from the answer whether the stream is
// one GET or a pinned resource fetched in parts (see the header).
class ProbeSink final : public HttpBodySink {
 public:
  ProbeSink(io::StreamSink* sink, std::string url) : sink_(sink), url_(std::move(url)) {}

  Status OnResponse(const HttpResponseHead& head) override {
    if (head.status < 200 || head.status > 299) return HttpErrorStatus(head.status, head.reason);
    received_ = 0;
    pinned_.reset();
    io::StreamInfo info;
    const GoogHash digests = ParseGoogHash(head);
    info.crc32c = digests.crc32c;
    has_crc32c_ = digests.crc32c.has_value();
    info.md5 = digests.md5;
    if (head.status == 206) {
      const auto range = ParseContentRange(head);
      const std::string validator = StrongValidator(head);
      if (!range || range->first != 0 || validator.empty() || IsContentEncoded(head)) {
        refetch_ = true;  // a range that cannot be pinned: fetch the whole resource instead
        return AbortedError("the first part of " + url_ + " cannot be pinned; fetching it whole");
      }
      pinned_ = PinnedResource{head.effective_url.empty() ? url_ : head.effective_url, range->total, validator};
      info.size = range->total;
    } else {
      info.size = head.content_length;
    }
    return sink_->OnStart(info);
  }
  Status OnData(std::string_view chunk) override {
    received_ += chunk.size();
    return sink_->OnData(chunk);
  }
  Status OnRestart() override { return Status::Ok(); }  // the next OnResponse starts the sink over

  const std::optional<PinnedResource>& pinned() const { return pinned_; }
  uint64_t received() const { return received_; }
  bool refetch() const { return refetch_; }
  bool has_crc32c() const { return has_crc32c_; }

 private:
  io::StreamSink* sink_;
  std::string url_;
  std::optional<PinnedResource> pinned_;
  uint64_t received_ = 0;
  bool refetch_ = false;
  bool has_crc32c_ = false;
};

enum class PartState { kPending, kRunning, kDone };

struct Part {
  uint64_t begin = 0;
  uint64_t length = 0;
  std::string data;  // what arrived so far (kept across attempts)
  uint32_t crc32c = 0;  // of `data`, when the parts are checksummed
  PartState state = PartState::kPending;
  int attempts = 0;
  Clock::time_point not_before;
  CURL* handle = nullptr;
  std::unique_ptr<HttpBodySink> sink;
  std::unique_ptr<CurlTransfer> transfer;
  bool changed = false;  // the answer showed another resource
  Status last_error;
};

// One attempt's answer for a part: the continuation of the pinned resource,
// or proof that it changed.
class PartSink final : public HttpBodySink {
 public:
  PartSink(Part* part, const PinnedResource* pinned, bool checksum, std::atomic<uint64_t>* received)
      : part_(part), pinned_(pinned), checksum_(checksum), received_(received) {}

  Status OnResponse(const HttpResponseHead& head) override {
    const uint64_t first = part_->begin + part_->data.size();
    // A resource pinned by its URL (a Cloud Storage generation) is gone
    // when its URL is: 404, or 412 for a failed generation precondition.
    const bool gone = pinned_->validator.empty() && (head.status == 404 || head.status == 412);
    if (head.status == 200 || head.status == 416 || gone) {
      return Changed("the server answered " + std::to_string(head.status) + " to bytes " + std::to_string(first) +
                     "-" + std::to_string(part_->begin + part_->length - 1) +
                     (pinned_->validator.empty() ? std::string(" of that version")
                                                 : " (If-Range " + pinned_->validator + ")"));
    }
    if (head.status != 206) return HttpErrorStatus(head.status, head.reason);
    const auto range = ParseContentRange(head);
    if (!range || range->first != first || range->total != pinned_->size) {
      return Changed("the answer to bytes " + std::to_string(first) + "- has Content-Range '" +
                     head.Header("Content-Range").value_or("") + "'");
    }
    const std::string validator = StrongValidator(head);
    if (!pinned_->validator.empty() && !validator.empty() && validator != pinned_->validator) {
      return Changed("its validator went from " + pinned_->validator + " to " + validator);
    }
    if (IsContentEncoded(head)) return Changed("a part came with a Content-Encoding");
    part_->data.reserve(part_->length);
    return Status::Ok();
  }
  Status OnData(std::string_view chunk) override {
    if (part_->data.size() + chunk.size() > part_->length) {
      return Changed("a part at byte " + std::to_string(part_->begin) + " is longer than the range asked for");
    }
    part_->data.append(chunk);
    if (checksum_) part_->crc32c = base::crc32c::Extend(part_->crc32c, chunk);
    received_->fetch_add(chunk.size(), std::memory_order_relaxed);
    return Status::Ok();
  }

 private:
  Status Changed(std::string why) {
    part_->changed = true;
    return DataLossError("the resource changed while it was downloaded: " + why);
  }
  Part* part_;
  const PinnedResource* pinned_;
  const bool checksum_;
  std::atomic<uint64_t>* received_;
};

// The rest of a pinned resource, fetched in parts on one curl_multi loop
// (a thread of its own) and handed to the sink in order on the caller's.
class PartScheduler {
 public:
  PartScheduler(const CurlApi* api, const HttpRequest& request, PinnedResource pinned, uint64_t from, uint64_t to,
                const ParallelGetOptions& options, bool checksum)
      : api_(api), request_(request), pinned_(std::move(pinned)), options_(options), checksum_(checksum), from_(from) {
    for (uint64_t at = from; at < to; at += options.part_bytes) {
      auto part = std::make_unique<Part>();
      part->begin = at;
      part->length = std::min<uint64_t>(options.part_bytes, to - at);
      parts_.push_back(std::move(part));
    }
    window_ = static_cast<size_t>(std::max<uint64_t>(1, options.window_bytes / options.part_bytes));
    // Zero or negative connections (a library caller's) mean one at a time.
    concurrency_ = std::min<size_t>(static_cast<size_t>(std::max(1, options.connections)), window_);
  }

  // Delivers every part to `sink`. *changed tells whether a failure showed
  // the resource changing.
  Status Run(io::StreamSink& sink, bool* changed) {
    multi_ = api_->multi_init();
    if (multi_ == nullptr) return InternalError("curl_multi_init failed");
    std::thread loop([this] { Loop(); });
    Status status;
    for (size_t i = 0; i < parts_.size(); ++i) {
      std::string data;
      uint32_t crc32c = 0;
      for (bool ready = false; !ready;) {
        {
          std::unique_lock lock(mu_);
          ready = cv_.wait_for(lock, std::chrono::milliseconds(100),
                               [&] { return parts_[i]->state == PartState::kDone || !fatal_.ok(); });
          if (ready && fatal_.ok()) {
            data = std::move(parts_[i]->data);
            parts_[i]->data = std::string();
            crc32c = parts_[i]->crc32c;
            next_deliver_ = i + 1;
          } else if (ready) {
            status = fatal_;
          }
        }
        sink.OnReceived(from_ + received_.load(std::memory_order_relaxed));
      }
      if (!status.ok()) break;
      api_->multi_wakeup(multi_);  // room in the window
      if (Status s = checksum_ ? sink.OnChecksummedData(data, crc32c) : sink.OnData(data); !s.ok()) {
        status = s;
        break;
      }
    }
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      *changed = changed_;
    }
    api_->multi_wakeup(multi_);
    loop.join();
    api_->multi_cleanup(multi_);
    return status;
  }

 private:
  void Loop() {
    std::mt19937 rng(std::random_device{}());
    std::vector<CURL*> idle;
    size_t running = 0;
    for (;;) {
      Clock::time_point wake = Clock::now() + std::chrono::milliseconds(200);
      {
        std::lock_guard lock(mu_);
        if (stop_ || !fatal_.ok()) break;
        if (request_.cancel != nullptr && request_.cancel->load()) {
          Fail(AbortedError("GET " + pinned_.url + " interrupted"));
          break;
        }
        // Start what the window allows.
        const auto now = Clock::now();
        const size_t end = std::min(parts_.size(), next_deliver_ + window_);
        for (size_t i = next_deliver_; i < end && running < concurrency_; ++i) {
          Part& p = *parts_[i];
          if (p.state != PartState::kPending) continue;
          if (p.not_before > now) {
            wake = std::min(wake, p.not_before);
            continue;
          }
          CURL* h = nullptr;
          if (!idle.empty()) {
            h = idle.back();
            idle.pop_back();
            api_->easy_reset(h);  // options back to defaults; the multi handle keeps the connections
          } else {
            h = api_->easy_init();
          }
          if (h == nullptr) {
            Fail(InternalError("curl_easy_init failed"));
            break;
          }
          if (Status s = Start(p, h); !s.ok()) {
            idle.push_back(h);
            Fail(s);
            break;
          }
          ++running;
        }
      }
      int still = 0;
      api_->multi_perform(multi_, &still);
      int queued = 0;
      while (CURLMsg* msg = api_->multi_info_read(multi_, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL* h = msg->easy_handle;
        const CURLcode rc = msg->data.result;
        api_->multi_remove_handle(multi_, h);
        --running;
        idle.push_back(h);
        Done(h, rc, rng);
      }
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now());
      api_->multi_poll(multi_, nullptr, 0, static_cast<int>(std::max<long long>(1, wait.count())), nullptr);
    }
    // Whatever still runs is abandoned (the download failed or is over).
    for (auto& p : parts_) {
      if (p->state == PartState::kRunning && p->handle != nullptr) {
        api_->multi_remove_handle(multi_, p->handle);
        idle.push_back(p->handle);
        p->transfer.reset();
      }
    }
    for (CURL* h : idle) api_->easy_cleanup(h);
  }

  // REQUIRES: mu_ held.
  Status Start(Part& p, CURL* h) {
    HttpRequest r = request_;
    r.url = pinned_.url;
    std::erase_if(r.headers, [](const std::string& x) {
      return x.rfind("Range:", 0) == 0 || x.rfind("If-Range:", 0) == 0;
    });
    r.headers.push_back("Range: bytes=" + std::to_string(p.begin + p.data.size()) + "-" +
                        std::to_string(p.begin + p.length - 1));
    if (!pinned_.validator.empty()) r.headers.push_back("If-Range: " + pinned_.validator);
    p.sink = std::make_unique<PartSink>(&p, &pinned_, checksum_, &received_);
    TFHUB_ASSIGN_OR_RETURN(p.transfer, CurlTransfer::Prepare(api_, h, r, p.sink.get()));
    p.handle = h;
    p.state = PartState::kRunning;
    ++p.attempts;
    if (api_->multi_add_handle(multi_, h) != CURLM_OK) return InternalError("curl_multi_add_handle failed");
    return Status::Ok();
  }

  void Done(CURL* h, CURLcode rc, std::mt19937& rng) {
    std::lock_guard lock(mu_);
    auto it = std::find_if(parts_.begin(), parts_.end(), [h](const auto& p) {
      return p->handle == h && p->state == PartState::kRunning;
    });
    if (it == parts_.end()) return;
    Part& p = **it;
    Result<HttpResponseHead> head = p.transfer->Finish(rc);
    p.transfer.reset();
    p.handle = nullptr;
    Status s = head.status();
    if (s.ok() && p.data.size() != p.length) {
      s = UnavailableError("a part at byte " + std::to_string(p.begin) + " ended after " +
                           std::to_string(p.data.size()) + " of " + std::to_string(p.length) + " bytes");
    }
    if (s.ok()) {
      p.state = PartState::kDone;
      cv_.notify_all();
      return;
    }
    if (p.changed) {
      changed_ = true;
      Fail(s);
      return;
    }
    const int attempts = std::max(1, options_.retry.max_attempts);
    if (IsRetryable(s) && p.attempts < attempts) {
      const auto wait = Backoff(options_.retry, p.attempts + 1, std::nullopt, rng);
      p.state = PartState::kPending;
      p.not_before = Clock::now() + wait;
      if (options_.log) {
        options_.log("Retrying the part at byte " + std::to_string(p.begin) + " of " + pinned_.url + " in " +
                     std::to_string(wait.count()) + " ms (attempt " + std::to_string(p.attempts + 1) + " of " +
                     std::to_string(attempts) + ", resuming at byte " + std::to_string(p.begin + p.data.size()) +
                     "): " + s.message());
      }
      return;
    }
    Fail(s.WithPrefix("the part at byte " + std::to_string(p.begin) + " of " + pinned_.url));
  }

  // REQUIRES: mu_ held.
  void Fail(Status s) {
    if (fatal_.ok()) fatal_ = std::move(s);
    cv_.notify_all();
  }

  const CurlApi* api_;
  const HttpRequest request_;
  const PinnedResource pinned_;
  const ParallelGetOptions options_;
  const bool checksum_;
  const uint64_t from_;
  std::atomic<uint64_t> received_{0};  // bytes of parts received (any attempt)
  std::vector<std::unique_ptr<Part>> parts_;
  size_t window_ = 1;
  size_t concurrency_ = 1;
  CURLM* multi_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  size_t next_deliver_ = 0;  // guarded by mu_
  Status fatal_;             // guarded by mu_
  bool changed_ = false;     // guarded by mu_
  bool stop_ = false;        // guarded by mu_
};

}  // namespace

Status FetchParts(const HttpRequest& request, const PinnedResource& resource, uint64_t from, uint64_t to,
                  const ParallelGetOptions& options, bool checksum_parts, io::StreamSink& sink, bool* changed) {
  *changed = false;
  to = std::min(to, resource.size);
  if (from >= to) return Status::Ok();
  if (checksum_parts) TFHUB_RETURN_IF_ERROR(base::crc32c::Init());
  TFHUB_ASSIGN_OR_RETURN(const CurlApi* api, Curl());
  ParallelGetOptions fixed = options;
  fixed.part_bytes = std::max<uint64_t>(1, options.part_bytes);
  PartScheduler scheduler(api, request, resource, from, to, fixed, checksum_parts);
  return scheduler.Run(sink, changed);
}

Status ParallelGet(HttpClient& client, const HttpRequest& request, const ParallelGetOptions& options,
                   io::StreamSink& sink) {
  const uint64_t part = std::max<uint64_t>(1, options.part_bytes);
  // The probe: the first part, through the retrying client.
  ProbeSink probe(&sink, request.url);
  HttpRequest first = request;
  first.headers.push_back("Range: bytes=0-" + std::to_string(part - 1));
  auto head = client.Send(first, probe);
  StreamBodySink whole(&sink);
  if (!head.ok()) {
    if (probe.refetch()) return client.Send(request, whole).status();
    return head.status();
  }
  if (!probe.pinned() || probe.received() >= probe.pinned()->size) return Status::Ok();  // all of it already
  if (probe.received() != std::min(part, probe.pinned()->size)) {
    return DataLossError("GET " + request.url + ": the first part has " + std::to_string(probe.received()) +
                         " bytes, not " + std::to_string(std::min(part, probe.pinned()->size)));
  }
  bool changed = false;
  const Status status =
      FetchParts(request, *probe.pinned(), probe.received(), probe.pinned()->size, options, probe.has_crc32c(), sink,
                 &changed);
  if (status.ok() || !changed) return status;
  // Another object than the one pinned: start over as one GET, which gets
  // one object whole (the retrying client starts over again if even that
  // one changes).
  if (options.log) options.log("Starting the download of " + request.url + " over: " + status.message());
  return client.Send(request, whole).status();
}

}  // namespace tfhub::net
