#include "net/parallel_get.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>

#include "base/crc32c.h"
#include "base/strings.h"
#include "net/curl_http_client.h"
#include "net/retrying_http_client.h"
#include "testing/fake_http_server.h"

namespace tfhub::net {
namespace {

using ::testing::HasSubstr;
using test::FakeRequest;
using test::FakeResponse;

constexpr uint64_t kPart = 64 << 10;

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// A server of ranges over `content` with ETag `etag`, as nginx or Cloud
// Storage answer them; `misbehave` may replace the answer to any request
// (its number, 0-based, and the request given).
class RangeServer {
 public:
  explicit RangeServer(std::string content) : content_(std::move(content)) {
    server_.SetHandler([this](const FakeRequest& r) { return Answer(r); });
  }
  std::string url() const { return server_.url("/archive.tar.gz"); }
  void SetContent(std::string content, std::string etag) {
    std::lock_guard lock(mu_);
    content_ = std::move(content);
    etag_ = std::move(etag);
  }
  std::function<std::optional<FakeResponse>(int n, const FakeRequest& r)> misbehave;
  bool ranges = true;
  std::vector<FakeRequest> Requests() const { return server_.Requests(); }
  test::FakeHttpServer& server() { return server_; }

  // The regular answer to `r` (206 for a satisfiable range, honouring If-Range).
  FakeResponse Regular(const FakeRequest& r) {
    std::lock_guard lock(mu_);
    FakeResponse ok = FakeResponse::Ok(content_);
    ok.headers = {{"ETag", etag_}, {"Accept-Ranges", "bytes"}};
    auto range = r.Header("Range");
    const auto if_range = r.Header("If-Range");
    if (!ranges || !range || (if_range && *if_range != etag_)) return ok;
    unsigned long long a = 0, b = 0;
    if (std::sscanf(range->c_str(), "bytes=%llu-%llu", &a, &b) != 2) return ok;
    if (a >= content_.size()) {
      FakeResponse no = FakeResponse::Status(416, "Range Not Satisfiable");
      no.headers = {{"Content-Range", "bytes */" + std::to_string(content_.size())}};
      return no;
    }
    b = std::min<unsigned long long>(b, content_.size() - 1);
    FakeResponse part = FakeResponse::Status(206, "Partial Content", content_.substr(a, b - a + 1));
    part.headers = {{"ETag", etag_},
                    {"Content-Range", "bytes " + std::to_string(a) + "-" + std::to_string(b) + "/" +
                                          std::to_string(content_.size())}};
    return part;
  }

 private:
  FakeResponse Answer(const FakeRequest& r) {
    const int n = count_++;
    if (misbehave) {
      if (auto special = misbehave(n, r)) return *special;
    }
    return Regular(r);
  }

  std::mutex mu_;
  std::string content_;
  std::string etag_ = "\"v1\"";
  std::atomic<int> count_{0};
  test::FakeHttpServer server_;
};

// Collects the stream; OnStart starts over.
struct Collect final : io::StreamSink {
  Status OnStart(const io::StreamInfo& info) override {
    ++starts;
    size = info.size;
    got.clear();
    return Status::Ok();
  }
  Status OnData(std::string_view data) override {
    got.append(data);
    ++pieces;
    return fail_at > 0 && got.size() >= fail_at ? Status(StatusCode::kResourceExhausted, "the sink is full")
                                                : Status::Ok();
  }
  int starts = 0;
  int pieces = 0;
  std::optional<uint64_t> size;
  std::string got;
  size_t fail_at = 0;
};

class ParallelGetTest : public ::testing::Test {
 protected:
  ParallelGetTest() : content_(RandomBytes(10 * kPart + 123, 7)), server_(content_) {
    options_.connections = 4;
    options_.part_bytes = kPart;
    options_.window_bytes = 8 * kPart;
    options_.retry.max_attempts = 3;
    options_.retry.initial_backoff = std::chrono::milliseconds(1);
    options_.retry.max_backoff = std::chrono::milliseconds(5);
    options_.log = [this](std::string_view line) {
      std::lock_guard lock(log_mu_);
      log_.emplace_back(line);
    };
    request_.url = server_.url();
    request_.stall_timeout = std::chrono::seconds(1);
  }

  Status Get(Collect& sink) {
    RetryOptions retry = options_.retry;
    auto client = NewRetryingHttpClient(&SharedCurlHttpClient(), retry, options_.log);
    return ParallelGet(*client, request_, options_, sink);
  }

  // Ranged requests after the probe (the parts).
  std::vector<FakeRequest> Parts() const {
    auto all = server_.Requests();
    return std::vector<FakeRequest>(all.begin() + (all.empty() ? 0 : 1), all.end());
  }

  std::string content_;
  RangeServer server_;
  ParallelGetOptions options_;
  HttpRequest request_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(ParallelGetTest, ALargeResourceComesInPartsAndLeavesInOrder) {
  Collect sink;
  ASSERT_TRUE(Get(sink).ok());
  EXPECT_TRUE(sink.got == content_);
  EXPECT_EQ(sink.starts, 1);
  EXPECT_EQ(sink.size, content_.size());
  const auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 11u);  // the probe, then 10 parts
  EXPECT_EQ(requests[0].Header("Range"), "bytes=0-" + std::to_string(kPart - 1));
  for (const auto& r : Parts()) {
    EXPECT_EQ(r.Header("If-Range"), "\"v1\"");  // every part pinned to the object
    ASSERT_TRUE(r.Header("Range").has_value());
  }
}

TEST_F(ParallelGetTest, PartsComeWithTheirCrc32cWhenTheServerVouchesForOne) {
  ASSERT_TRUE(base::crc32c::Init().ok());
  const uint32_t whole = base::crc32c::Value(content_);
  const char be[4] = {static_cast<char>(whole >> 24), static_cast<char>(whole >> 16), static_cast<char>(whole >> 8),
                      static_cast<char>(whole)};
  const std::string goog_hash = "crc32c=" + base::Base64Encode(std::string_view(be, 4));
  server_.misbehave = [this, goog_hash](int, const FakeRequest& r) -> std::optional<FakeResponse> {
    FakeResponse answer = server_.Regular(r);
    answer.headers.emplace_back("x-goog-hash", goog_hash);
    return answer;
  };
  struct Combining final : io::StreamSink {
    Status OnStart(const io::StreamInfo& i) override {
      info = i;
      return Status::Ok();
    }
    Status OnData(std::string_view data) override {  // the probe's part
      crc = base::crc32c::Extend(crc, data);
      size += data.size();
      return Status::Ok();
    }
    Status OnChecksummedData(std::string_view data, uint32_t part_crc) override {
      if (part_crc != base::crc32c::Value(data)) ++wrong;
      crc = base::crc32c::Combine(crc, part_crc, data.size());
      size += data.size();
      ++parts;
      return Status::Ok();
    }
    io::StreamInfo info;
    uint32_t crc = 0;
    uint64_t size = 0;
    int parts = 0;
    int wrong = 0;
  } sink;
  RetryOptions retry = options_.retry;
  auto client = NewRetryingHttpClient(&SharedCurlHttpClient(), retry, options_.log);
  ASSERT_TRUE(ParallelGet(*client, request_, options_, sink).ok());
  EXPECT_EQ(sink.info.crc32c, whole);
  EXPECT_EQ(sink.size, content_.size());
  EXPECT_EQ(sink.parts, 10);  // all but the probe's, checksummed on the event loop
  EXPECT_EQ(sink.wrong, 0);
  EXPECT_EQ(sink.crc, whole);
}

TEST_F(ParallelGetTest, BytesReceivedAheadOfTheDeliveredOnesAreReported) {
  // The part right after the probe's stalls until the sink has heard of
  // (at least) three later parts received: only reports of bytes received
  // ahead of delivery can release it before the stall timeout.
  request_.stall_timeout = std::chrono::seconds(30);
  server_.misbehave = [this](int n, const FakeRequest& r) -> std::optional<FakeResponse> {
    if (n == 0 || r.Header("Range") != "bytes=" + std::to_string(kPart) + "-" + std::to_string(2 * kPart - 1)) {
      return std::nullopt;
    }
    FakeResponse stall = server_.Regular(r);
    stall.cut_after_bytes = 10;
    stall.stall_after_cut = true;
    stall.continue_after_release = true;
    return stall;
  };
  struct Watching final : io::StreamSink {
    Status OnStart(const io::StreamInfo&) override { return Status::Ok(); }
    Status OnData(std::string_view data) override {
      delivered += data.size();
      return Status::Ok();
    }
    void OnReceived(uint64_t bytes) override {
      most_ahead = std::max<uint64_t>(most_ahead, bytes - std::min(bytes, delivered));
      if (bytes >= delivered + 3 * kPart && !released) {
        released = true;
        server->server().ReleaseStalls();
      }
    }
    RangeServer* server = nullptr;
    uint64_t delivered = 0;
    uint64_t most_ahead = 0;
    bool released = false;
  } sink;
  sink.server = &server_;
  RetryOptions retry = options_.retry;
  auto client = NewRetryingHttpClient(&SharedCurlHttpClient(), retry, options_.log);
  ASSERT_TRUE(ParallelGet(*client, request_, options_, sink).ok());
  EXPECT_TRUE(sink.released);
  EXPECT_GE(sink.most_ahead, 3 * kPart);
  EXPECT_EQ(sink.delivered, content_.size());
  std::lock_guard lock(log_mu_);
  EXPECT_THAT(log_, ::testing::Not(::testing::Contains(HasSubstr("stalled"))));
}

TEST_F(ParallelGetTest, ASmallResourceIsOneRequest) {
  server_.SetContent("small", "\"v1\"");
  Collect sink;
  ASSERT_TRUE(Get(sink).ok());
  EXPECT_EQ(sink.got, "small");
  EXPECT_EQ(server_.Requests().size(), 1u);
}

TEST_F(ParallelGetTest, AServerWithoutRangesIsOneGet) {
  server_.ranges = false;
  Collect sink;
  ASSERT_TRUE(Get(sink).ok());
  EXPECT_TRUE(sink.got == content_);
  EXPECT_EQ(server_.Requests().size(), 1u);
}

// Cloud Storage transcoding (a gzip-encoded object decompressed on the fly
// ignores ranges) and a server without validators: nothing can be pinned,
// so the resource comes as one GET.
TEST_F(ParallelGetTest, AFirstPartThatCannotBePinnedMeansOneGet) {
  for (const std::string kind : {"content-encoding", "no-validator"}) {
    const int probe = static_cast<int>(server_.Requests().size());
    server_.misbehave = [&, probe](int n, const FakeRequest& r) -> std::optional<FakeResponse> {
      if (n != probe) return std::nullopt;
      FakeResponse first = server_.Regular(r);
      if (kind == "content-encoding") first.headers.emplace_back("Content-Encoding", "gzip");
      if (kind == "no-validator") first.headers.erase(first.headers.begin());  // the ETag
      return first;
    };
    const size_t before = server_.Requests().size();
    Collect sink;
    ASSERT_TRUE(Get(sink).ok()) << kind;
    EXPECT_TRUE(sink.got == content_) << kind;
    const auto requests = server_.Requests();
    ASSERT_EQ(requests.size(), before + 2) << kind;  // the probe, then one GET of the whole
    EXPECT_FALSE(requests.back().Header("Range").has_value()) << kind;
  }
}

TEST_F(ParallelGetTest, MoreConnectionsThanPartsIsFine) {
  options_.connections = 64;
  options_.window_bytes = 64 * kPart;
  Collect sink;
  ASSERT_TRUE(Get(sink).ok());
  EXPECT_TRUE(sink.got == content_);
}

TEST_F(ParallelGetTest, APartResetMidBodyIsRetriedAloneFromWhereItBroke) {
  static std::atomic<bool> cut;
  cut = false;
  server_.misbehave = [this](int n, const FakeRequest& r) -> std::optional<FakeResponse> {
    if (n == 0 || r.Header("Range") != "bytes=" + std::to_string(3 * kPart) + "-" + std::to_string(4 * kPart - 1) ||
        cut.exchange(true)) {
      return std::nullopt;
    }
    FakeResponse broken = server_.Regular(r);
    broken.cut_after_bytes = 1000;
    return broken;
  };
  Collect sink;
  ASSERT_TRUE(Get(sink).ok());
  EXPECT_TRUE(sink.got == content_);
  EXPECT_EQ(sink.starts, 1);
  bool resumed = false;
  for (const auto& r : Parts()) {
    resumed |= r.Header("Range") == "bytes=" + std::to_string(3 * kPart + 1000) + "-" + std::to_string(4 * kPart - 1);
  }
  EXPECT_TRUE(resumed) << "the part resumes inside its range";
  EXPECT_EQ(server_.Requests().size(), 12u);  // only that part again
}

TEST_F(ParallelGetTest, AStalledPartIsRetriedAlone) {
  static std::atomic<bool> stalled;
  stalled = false;
  server_.misbehave = [this](int n, const FakeRequest& r) -> std::optional<FakeResponse> {
    if (n == 0 || r.Header("Range") != "bytes=" + std::to_string(5 * kPart) + "-" + std::to_string(6 * kPart - 1) ||
        stalled.exchange(true)) {
      return std::nullopt;
    }
    FakeResponse stall = server_.Regular(r);
    stall.cut_after_bytes = 10;
    stall.stall_after_cut = true;
    return stall;
  };
  Collect sink;
  ASSERT_TRUE(Get(sink).ok());
  EXPECT_TRUE(sink.got == content_);
  std::lock_guard lock(log_mu_);
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("stalled")));
}

// The answers that show the object is not the one pinned: each starts the
// download over (OnStart again) as one GET, which then succeeds.
class ChangedTest : public ParallelGetTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(ChangedTest, StartsOverAndNeverMixesTwoObjects) {
  // By value or static: the server may answer an abandoned part after the
  // body returns (it stops in the fixture's destructor).
  const std::string kind = GetParam();
  static std::atomic<bool> once;
  once = false;
  server_.misbehave = [this, kind](int n, const FakeRequest& r) -> std::optional<FakeResponse> {
    if (n == 0 || !r.Header("If-Range") || once.exchange(true)) return std::nullopt;
    FakeResponse bad = server_.Regular(r);
    if (kind == "200") return FakeResponse::Ok(content_);  // claims ranges, answers 200
    if (kind == "wrong_range") bad.headers = {{"ETag", "\"v1\""}, {"Content-Range", "bytes 0-9/10"}};
    if (kind == "no_range") bad.headers = {{"ETag", "\"v1\""}};
    if (kind == "416") return FakeResponse::Status(416, "Range Not Satisfiable");
    if (kind == "etag") bad.headers[0] = {"ETag", "\"v2\""};
    return bad;
  };
  Collect sink;
  const Status s = Get(sink);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(sink.got == content_);
  EXPECT_EQ(sink.starts, 2);
  std::lock_guard lock(log_mu_);
  EXPECT_THAT(log_, ::testing::Contains(HasSubstr("changed while it was downloaded")));
}

INSTANTIATE_TEST_SUITE_P(Answers, ChangedTest, ::testing::Values("200", "wrong_range", "no_range", "416", "etag"));

TEST_F(ParallelGetTest, AnObjectReplacedMidDownloadEndsWithTheNewOneWhole) {
  const std::string replacement = RandomBytes(9 * kPart + 7, 8);
  server_.misbehave = [this, replacement](int n, const FakeRequest&) -> std::optional<FakeResponse> {
    if (n == 3) server_.SetContent(replacement, "\"v2\"");
    return std::nullopt;
  };
  Collect sink;
  ASSERT_TRUE(Get(sink).ok());
  EXPECT_TRUE(sink.got == replacement);
  EXPECT_EQ(sink.starts, 2);
}

TEST_F(ParallelGetTest, APartThatKeepsFailingFailsTheDownloadNamingIt) {
  server_.misbehave = [](int n, const FakeRequest& r) -> std::optional<FakeResponse> {
    if (n == 0 || r.Header("Range") != "bytes=" + std::to_string(2 * kPart) + "-" + std::to_string(3 * kPart - 1)) {
      return std::nullopt;
    }
    return FakeResponse::Status(503, "Service Unavailable");
  };
  Collect sink;
  const Status s = Get(sink);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("part at byte " + std::to_string(2 * kPart)));
  EXPECT_THAT(s.message(), HasSubstr("503"));
}

TEST_F(ParallelGetTest, TheSinksErrorComesBackUnchanged) {
  Collect sink;
  sink.fail_at = 3 * kPart;
  const Status s = Get(sink);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "the sink is full");
}

TEST_F(ParallelGetTest, CancellingStopsIt) {
  // Static: the server's threads may still answer (and set it) after Get()
  // returned and this frame is gone.
  static std::atomic<bool> cancel;
  cancel = false;
  request_.cancel = &cancel;
  server_.misbehave = [this](int n, const FakeRequest& r) -> std::optional<FakeResponse> {
    if (n == 0) return std::nullopt;
    cancel = true;
    FakeResponse slow = server_.Regular(r);
    slow.bytes_per_second = 1000;
    return slow;
  };
  Collect sink;
  const Status s = Get(sink);
  EXPECT_EQ(s.code(), StatusCode::kAborted) << s.ToString();
}

}  // namespace
}  // namespace tfhub::net
