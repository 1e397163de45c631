// The fault campaign: a scripted server that cuts, stalls, fails, throttles
// and lies. Each case ends in success (checked file by file) or in a clear
// error — never in a module dir that is incomplete.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "base/crc32c.h"
#include "base/crypto_api.h"
#include "base/sha1.h"
#include "base/strings.h"
#include "net/parallel_get.h"
#include "testing/archive_builder.h"
#include "testing/random_bytes.h"
#include "testing/fake_http_server.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"
#include "tfhub/resolve.h"

namespace tfhub::itest {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

std::string Archive(unsigned seed) {
  test::ArchiveWriter w(/*gzip=*/true);
  w.AddFile("saved_model.pb", "pb" + std::to_string(seed));
  w.AddFile("variables/variables.data-00000-of-00001", test::RandomBytes(300000, seed));
  return w.Finish();
}

// Serves `body` with an ETag and honours "Range: bytes=N-" + If-Range, as
// Cloud Storage and nginx do; the first `cuts` responses break off halfway.
test::FakeResponse RangeAware(const test::FakeRequest& req, const std::string& body, const std::string& etag,
                              bool cut) {
  test::FakeResponse r = test::FakeResponse::Ok(body);
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Accept-Ranges", "bytes");
  const auto range = req.Header("Range");
  const auto if_range = req.Header("If-Range");
  if (range && range->rfind("bytes=", 0) == 0 && (!if_range || *if_range == etag)) {
    const size_t from = std::stoul(range->substr(6));
    r.status = 206;
    r.reason = "Partial Content";
    r.body = body.substr(from);
    r.headers.emplace_back("Content-Range", "bytes " + std::to_string(from) + "-" +
                                               std::to_string(body.size() - 1) + "/" + std::to_string(body.size()));
  }
  if (cut) r.cut_after_bytes = r.body.size() / 2;
  return r;
}

class FaultsTest : public ::testing::Test {
 protected:
  FaultsTest() {
    options_.cache_dir = cache_.path();
    options_.retry_initial_backoff = std::chrono::milliseconds(1);
    options_.log = [this](std::string_view line) {
      std::lock_guard lock(mu_);
      log_.emplace_back(line);
    };
    handle_ = server_.url("/m.tar.gz");
  }

  // The resolve succeeded and the module holds exactly archive `seed`.
  void ExpectModule(const Result<std::string>& path, unsigned seed) {
    ASSERT_TRUE(path.ok()) << path.status().ToString();
    EXPECT_EQ(test::ReadFileToString(*path + "/saved_model.pb"), "pb" + std::to_string(seed));
    EXPECT_EQ(test::ReadFileToString(*path + "/variables/variables.data-00000-of-00001"), test::RandomBytes(300000, seed));
    EXPECT_EQ(test::ListDir(cache_.path()).size(), 2u);  // module + descriptor only
  }

  void ExpectNothingCached() { EXPECT_THAT(test::ListDir(cache_.path()), IsEmpty()); }

  std::vector<std::string> Log() {
    std::lock_guard lock(mu_);
    return log_;
  }

  test::FakeHttpServer server_;
  test::TempDir cache_{"tfhub_faults"};
  ResolveOptions options_;
  std::string handle_;
  std::mutex mu_;
  std::vector<std::string> log_;
};

TEST_F(FaultsTest, CutBodyIsResumedWithRangeAndIfRange) {
  const std::string body = Archive(1);
  std::atomic<int> n{0};
  server_.SetHandler([&](const test::FakeRequest& req) { return RangeAware(req, body, "\"v1\"", n++ == 0); });
  ExpectModule(resolve(handle_, options_), 1);
  const auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  // The first request asks for the first part (here, all of it); the
  // resume asks for the rest of that part.
  const uint64_t part = net::ParallelGetOptions{}.part_bytes;
  ASSERT_LT(body.size(), part);
  EXPECT_EQ(requests[0].Header("Range"), "bytes=0-" + std::to_string(part - 1));
  EXPECT_EQ(requests[1].Header("Range"), "bytes=" + std::to_string(body.size() / 2) + "-" + std::to_string(part - 1));
  EXPECT_EQ(requests[1].Header("If-Range"), "\"v1\"");
  EXPECT_THAT(Log(), Contains(HasSubstr("resuming at byte")));
}

TEST_F(FaultsTest, CutBodyWithoutRangeSupportRestartsFromZero) {
  test::FakeResponse cut = test::FakeResponse::Ok(Archive(2));
  cut.cut_after_bytes = cut.body.size() / 2;
  cut.headers.emplace_back("ETag", "\"v2\"");
  test::FakeResponse full = test::FakeResponse::Ok(Archive(2));  // ignores Range: 200, whole body
  server_.SetRoute("/m.tar.gz", std::vector<test::FakeResponse>{cut, full});
  ExpectModule(resolve(handle_, options_), 2);
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 2u);
  EXPECT_THAT(Log(), Contains(HasSubstr("from the beginning")));
}

TEST_F(FaultsTest, ObjectChangedBetweenAttemptsRestartsWithTheNewObject) {
  const std::string old_body = Archive(3), new_body = Archive(4);
  std::atomic<int> n{0};
  server_.SetHandler([&](const test::FakeRequest& req) {
    return n++ == 0 ? RangeAware(req, old_body, "\"old\"", true) : RangeAware(req, new_body, "\"new\"", false);
  });
  ExpectModule(resolve(handle_, options_), 4);
}

TEST_F(FaultsTest, StallIsDetectedAndRetried) {
  test::FakeResponse stall = test::FakeResponse::Ok(Archive(5));
  stall.cut_after_bytes = 1000;
  stall.stall_after_cut = true;
  server_.SetRoute("/m.tar.gz", std::vector<test::FakeResponse>{stall, test::FakeResponse::Ok(Archive(5))});
  options_.stall_timeout = std::chrono::seconds(1);
  ExpectModule(resolve(handle_, options_), 5);
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 2u);
  server_.ReleaseStalls();
}

TEST_F(FaultsTest, ServerErrorsThenSuccess) {
  server_.SetRoute("/m.tar.gz", std::vector<test::FakeResponse>{test::FakeResponse::Status(500, "Oops"),
                                                                 test::FakeResponse::Status(503, "Busy"),
                                                                 test::FakeResponse::Ok(Archive(6))});
  ExpectModule(resolve(handle_, options_), 6);
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 3u);
  EXPECT_THAT(Log(), Contains(HasSubstr("HTTP Error 503: Busy")));
}

TEST_F(FaultsTest, TooManyRequestsHonoursRetryAfter) {
  test::FakeResponse busy = test::FakeResponse::Status(429, "Too Many Requests");
  busy.headers.emplace_back("Retry-After", "1");
  server_.SetRoute("/m.tar.gz", std::vector<test::FakeResponse>{busy, test::FakeResponse::Ok(Archive(7))});
  const auto start = std::chrono::steady_clock::now();
  ExpectModule(resolve(handle_, options_), 7);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(FaultsTest, BodyShorterThanContentLengthIsRetried) {
  test::FakeResponse liar = test::FakeResponse::Ok(Archive(8));
  liar.declared_content_length = liar.body.size() + 1000;
  server_.SetRoute("/m.tar.gz", std::vector<test::FakeResponse>{liar, test::FakeResponse::Ok(Archive(8))});
  ExpectModule(resolve(handle_, options_), 8);
}

TEST_F(FaultsTest, SlowDripSucceeds) {
  test::FakeResponse drip = test::FakeResponse::Ok(Archive(9));
  drip.bytes_per_second = drip.body.size() * 2;  // ~0.5 s
  server_.SetRoute("/m.tar.gz", drip);
  ExpectModule(resolve(handle_, options_), 9);
}

TEST_F(FaultsTest, PermanentErrorsAreNotRetried) {
  server_.SetRoute("/m.tar.gz", test::FakeResponse::Status(403, "Forbidden"));
  auto path = resolve(handle_, options_);
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 1u);
  ExpectNothingCached();
}

TEST_F(FaultsTest, RedirectLoopIsAClearErrorWithoutRetries) {
  server_.SetRoute("/m.tar.gz", test::FakeResponse::Redirect(302, "/m.tar.gz"));
  auto path = resolve(handle_, options_);
  ASSERT_FALSE(path.ok());
  EXPECT_THAT(path.status().message(), AllOf(HasSubstr(handle_), HasSubstr("edirect")));
  EXPECT_LE(server_.RequestCount("/m.tar.gz"), 12u);  // one attempt: curl's redirect limit
  ExpectNothingCached();
}

TEST_F(FaultsTest, AttemptsRunOut) {
  server_.SetRoute("/m.tar.gz", test::FakeResponse::Status(503, "Down"));
  options_.max_attempts = 3;
  auto path = resolve(handle_, options_);
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), StatusCode::kAborted);
  EXPECT_THAT(path.status().message(), AllOf(HasSubstr("after 3 attempts"), HasSubstr("HTTP Error 503: Down")));
  EXPECT_EQ(server_.RequestCount("/m.tar.gz"), 3u);
  ExpectNothingCached();
}

TEST_F(FaultsTest, PinnedSha256) {
  const std::string body = Archive(10);
  server_.SetRoute("/m.tar.gz", test::FakeResponse::Ok(body));
  options_.archive_sha256 = std::string(64, '0');
  auto bad = resolve(handle_, options_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(bad.status().message(), HasSubstr("SHA-256"));
  ExpectNothingCached();

  // The real digest, as recorded by an unpinned resolve elsewhere.
  test::TempDir other;
  ResolveOptions unpinned = options_;
  unpinned.cache_dir = other.path();
  unpinned.archive_sha256.clear();
  ASSERT_TRUE(resolve(handle_, unpinned).ok());
  const std::string d = test::ReadFileToString(other.path() + "/" + base::Sha1Hex(handle_) + ".descriptor.txt");
  const auto at = d.find("tfhub-Archive-SHA256: ");
  ASSERT_NE(at, std::string::npos) << d;
  options_.archive_sha256 = d.substr(at + 22, 64);
  ExpectModule(resolve(handle_, options_), 10);
}

// x-goog-hash: "crc32c=<base64 big-endian>, md5=<base64>" of `body`, with
// one of them optionally spoiled.
std::string GoogHash(const std::string& body, bool bad_crc, bool bad_md5) {
  EXPECT_TRUE(base::crc32c::Init().ok());
  uint32_t crc = base::crc32c::Value(body) ^ (bad_crc ? 1u : 0u);
  const char be[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16), static_cast<char>(crc >> 8),
                      static_cast<char>(crc)};
  base::Md5 md5;
  md5.Update(body + (bad_md5 ? "x" : ""));
  return "crc32c=" + base::Base64Encode(std::string(be, 4)) + ", md5=" + base::Base64Encode(*md5.Final());
}

TEST_F(FaultsTest, ServerDigestsAreChecked) {
  const std::string body = Archive(13);
  for (auto [bad_crc, bad_md5] : {std::pair{false, false}, std::pair{true, false}, std::pair{false, true}}) {
    test::TempDir cache;
    options_.cache_dir = cache.path();
    test::FakeResponse r = test::FakeResponse::Ok(body);
    r.headers.emplace_back("x-goog-hash", GoogHash(body, bad_crc, bad_md5));
    server_.SetRoute("/m.tar.gz", r);
    auto path = resolve(handle_, options_);
    if (!bad_crc && !bad_md5) {
      EXPECT_TRUE(path.ok()) << path.status().ToString();
      continue;
    }
    ASSERT_FALSE(path.ok());
    EXPECT_EQ(path.status().code(), StatusCode::kDataLoss);
    EXPECT_THAT(path.status().message(), HasSubstr(bad_crc ? "crc32c" : "md5"));
    EXPECT_THAT(test::ListDir(cache.path()), IsEmpty());
  }
}

// A listener the fake server cannot imitate: it resets the first connection
// before any response byte (SO_LINGER 0 gives an RST), then serves `body`.
TEST_F(FaultsTest, ConnectionResetBeforeHeadersIsRetried) {
  const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(lfd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(lfd, 4), 0);
  socklen_t len = sizeof addr;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string body = Archive(14);
  std::thread server([&] {
    for (int i = 0; i < 2; ++i) {
      const int fd = accept(lfd, nullptr, nullptr);
      if (fd < 0) return;
      char buf[4096];
      ssize_t got = 0, n;
      std::string req;
      while (req.find("\r\n\r\n") == std::string::npos && (n = read(fd, buf, sizeof buf)) > 0) {
        req.append(buf, static_cast<size_t>(n));
        got += n;
      }
      if (i == 0) {
        linger lg{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      } else {
        const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                                 "\r\nConnection: close\r\n\r\n";
        const std::string all = head + body;
        for (size_t off = 0; off < all.size();) {
          const ssize_t w = write(fd, all.data() + off, all.size() - off);
          if (w <= 0) break;
          off += static_cast<size_t>(w);
        }
      }
      close(fd);
    }
  });
  const std::string handle = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/m.tar.gz";
  auto path = resolve(handle, options_);
  server.join();
  close(lfd);
  ExpectModule(path, 14);
  EXPECT_THAT(Log(), Contains(HasSubstr("Retrying GET")));
}

TEST_F(FaultsTest, CancelStopsAStalledDownloadAndCleansUp) {
  test::FakeResponse stall = test::FakeResponse::Ok(Archive(11));
  stall.cut_after_bytes = 1000;
  stall.stall_after_cut = true;
  server_.SetRoute("/m.tar.gz", stall);
  std::atomic<bool> cancel{false};
  options_.cancel = &cancel;
  std::thread canceller([&] {
    if (server_.WaitForStalls(1)) cancel = true;
  });
  auto path = resolve(handle_, options_);
  canceller.join();
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), StatusCode::kAborted) << path.status().ToString();
  ExpectNothingCached();
  server_.ReleaseStalls();
}

// A 1 MiB tmpfs as the cache dir: the archive cannot fit.
TEST_F(FaultsTest, DiskFullIsAClearErrorAndLeavesNothing) {
  test::TempDir mnt("tfhub_tmpfs");
  auto mount = test::RunProcess({"mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.path()});
  ASSERT_TRUE(mount.ok()) << mount.DebugString();
  struct Unmount {
    std::string path;
    ~Unmount() { test::RunProcess({"umount", path}); }
  } unmount{mnt.path()};
  test::ArchiveWriter w(true);
  w.AddFile("big", test::RandomBytes(3 << 20, 12));
  server_.SetRoute("/m.tar.gz", test::FakeResponse::Ok(w.Finish()));
  options_.cache_dir = mnt.path() + "/cache";
  auto path = resolve(handle_, options_);
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(path.status().message(),
              AllOf(StartsWith("No space left on device in the cache directory " + options_.cache_dir)));
  EXPECT_THAT(test::ListDir(options_.cache_dir), IsEmpty());
}

// Large archives come over parallel ranged requests (net/parallel_get.h):
// the whole resolve, with a server of ranges that misbehaves on one part.
class ParallelFaultsTest : public FaultsTest {
 protected:
  // An archive of several parts (net::ParallelGetOptions::part_bytes).
  static const std::string& Big() {
    static const std::string body = [] {
      test::ArchiveWriter w(/*gzip=*/true);
      w.AddFile("saved_model.pb", "big");
      w.AddFile("variables/variables.data-00000-of-00001", test::RandomBytes(13 << 20, 42));
      return w.Finish();
    }();
    return body;
  }
  // "bytes=a-b" with If-Range, as nginx answers it.
  static test::FakeResponse Ranged(const test::FakeRequest& req, const std::string& body, const std::string& etag) {
    test::FakeResponse r = test::FakeResponse::Ok(body);
    r.headers = {{"ETag", etag}, {"Accept-Ranges", "bytes"}};
    const auto range = req.Header("Range");
    const auto if_range = req.Header("If-Range");
    unsigned long long a = 0, b = 0;
    if (!range || (if_range && *if_range != etag) || std::sscanf(range->c_str(), "bytes=%llu-%llu", &a, &b) != 2) {
      return r;
    }
    b = std::min<unsigned long long>(b, body.size() - 1);
    r.status = 206;
    r.reason = "Partial Content";
    r.body = body.substr(a, b - a + 1);
    r.headers.emplace_back("Content-Range", "bytes " + std::to_string(a) + "-" + std::to_string(b) + "/" +
                                               std::to_string(body.size()));
    return r;
  }
  void ExpectBigModule(const Result<std::string>& path) {
    ASSERT_TRUE(path.ok()) << path.status().ToString();
    EXPECT_EQ(test::ReadFileToString(*path + "/variables/variables.data-00000-of-00001"), test::RandomBytes(13 << 20, 42));
    EXPECT_EQ(test::ListDir(cache_.path()).size(), 2u);  // module + descriptor only
  }
};

TEST_F(ParallelFaultsTest, ALargeArchiveComesOverSeveralConnectionsPinnedToItsETag) {
  options_.download_connections = 4;
  server_.SetHandler([&](const test::FakeRequest& req) { return Ranged(req, Big(), "\"v1\""); });
  ExpectBigModule(resolve(handle_, options_));
  const auto requests = server_.Requests();
  ASSERT_GE(requests.size(), 4u);  // the probe and at least three more parts
  for (size_t i = 1; i < requests.size(); ++i) EXPECT_EQ(requests[i].Header("If-Range"), "\"v1\"");
}

TEST_F(ParallelFaultsTest, OneConnectionIsOneGet) {
  options_.download_connections = 1;
  server_.SetHandler([&](const test::FakeRequest& req) { return Ranged(req, Big(), "\"v1\""); });
  ExpectBigModule(resolve(handle_, options_));
  ASSERT_EQ(server_.Requests().size(), 1u);
  EXPECT_FALSE(server_.Requests()[0].Header("Range").has_value());
}

TEST_F(ParallelFaultsTest, APartThatKeepsFailingLeavesNothingInTheCache) {
  options_.download_connections = 4;
  options_.max_attempts = 2;
  server_.SetHandler([&](const test::FakeRequest& req) {
    const uint64_t part = net::ParallelGetOptions{}.part_bytes;
    if (req.Header("Range") == "bytes=" + std::to_string(part) + "-" + std::to_string(2 * part - 1)) {
      return test::FakeResponse::Status(503, "Service Unavailable");
    }
    return Ranged(req, Big(), "\"v1\"");
  });
  auto r = resolve(handle_, options_);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("part at byte " + std::to_string(net::ParallelGetOptions{}.part_bytes)));
  ExpectNothingCached();
}

TEST_F(ParallelFaultsTest, AnArchiveReplacedMidDownloadIsExtractedWhole) {
  options_.download_connections = 4;
  // Static: the server's connection threads may still answer an abandoned
  // part after this body returns (the server stops in the fixture's
  // destructor), so what the handler uses must outlive the test.
  static std::atomic<int> n;
  n = 0;
  static const std::string replacement = Archive(9);
  server_.SetHandler([](const test::FakeRequest& req) {
    return n++ < 2 ? Ranged(req, Big(), "\"v1\"") : Ranged(req, replacement, "\"v2\"");
  });
  ExpectModule(resolve(handle_, options_), 9);  // the new object, whole; never a mix
  EXPECT_THAT(Log(), Contains(HasSubstr("changed while it was downloaded")));
}

}  // namespace
}  // namespace tfhub::itest
