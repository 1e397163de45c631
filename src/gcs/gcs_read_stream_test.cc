// GcsFileSystem::ReadStream and large ReadAt against a scripted Cloud
// Storage on loopback
// (test::FakeHttpServer speaking the JSON API's metadata and media GETs):
// the parts come over the event loop (net::FetchParts), so a real socket is
// needed, and the emulator can neither replace an object between two parts
// on cue nor store one gzip-encoded.
#include "gcs/gcs_file_system.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/crc32c.h"
#include "base/strings.h"
#include "gcs/gcs_config.h"
#include "net/curl_http_client.h"
#include "net/retrying_http_client.h"
#include "testing/fake_http_server.h"
#include "testing/random_bytes.h"

namespace tfhub::gcs {
namespace {

using test::FakeRequest;
using test::FakeResponse;

constexpr uint64_t kPart = 64 << 10;
constexpr char kObjectPath[] = "/storage/v1/b/bkt/o/models%2Fm.tar.gz";

std::string Crc32cBase64(std::string_view data) {
  const uint32_t crc = base::crc32c::Value(data);
  const char bytes[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16), static_cast<char>(crc >> 8),
                         static_cast<char>(crc)};
  return base::Base64Encode(std::string_view(bytes, 4));
}

// One object, whose live generation (and content) the test may replace.
class FakeStorage {
 public:
  FakeStorage() {
    server_.SetHandler([this](const FakeRequest& r) { return Answer(r); });
  }
  std::string endpoint() const { return server_.base_url(); }
  void Put(std::string content, int64_t generation, std::string content_encoding = "",
           std::string crc32c = "") {
    std::lock_guard lock(mu_);
    objects_[generation] = content;
    live_ = generation;
    encoding_ = std::move(content_encoding);
    crc32c_ = crc32c.empty() ? Crc32cBase64(content) : crc32c;
  }
  // Only the live generation can be read from now on.
  void DropOldGenerations() {
    std::lock_guard lock(mu_);
    std::erase_if(objects_, [this](const auto& kv) { return kv.first != live_; });
  }
  std::vector<FakeRequest> Media() const {
    std::vector<FakeRequest> out;
    for (const auto& r : server_.Requests()) {
      if (r.target.find("alt=media") != std::string::npos) out.push_back(r);
    }
    return out;
  }
  // Called before each media answer (the number of media requests so far).
  std::function<void(int)> on_media;

 private:
  FakeResponse Answer(const FakeRequest& r) {
    if (r.path != kObjectPath) return FakeResponse::Status(404, "Not Found");
    if (r.target.find("alt=media") == std::string::npos) {
      std::lock_guard lock(mu_);
      std::string json = R"({"name":"models/m.tar.gz","size":")" + std::to_string(objects_[live_].size()) +
                         R"(","generation":")" + std::to_string(live_) + R"(","crc32c":")" + crc32c_ + R"(")";
      if (!encoding_.empty()) json += R"(,"contentEncoding":")" + encoding_ + R"(")";
      return FakeResponse::Ok(json + "}");
    }
    if (on_media) on_media(media_++);
    std::lock_guard lock(mu_);
    long long generation = live_;
    if (const auto at = r.target.find("generation="); at != std::string::npos) {
      generation = std::atoll(r.target.c_str() + at + 11);
    }
    const auto it = objects_.find(generation);
    if (it == objects_.end()) return FakeResponse::Status(404, "Not Found", "No such object");
    const std::string& content = it->second;
    FakeResponse ok = FakeResponse::Ok(content);
    ok.headers = {{"x-goog-generation", std::to_string(generation)}};
    if (!encoding_.empty()) ok.headers.emplace_back("x-goog-stored-content-encoding", encoding_);
    const auto range = r.Header("Range");
    unsigned long long a = 0, b = 0;
    if (!range || !encoding_.empty() || std::sscanf(range->c_str(), "bytes=%llu-%llu", &a, &b) != 2) return ok;
    b = std::min<unsigned long long>(b, content.size() - 1);
    FakeResponse part = FakeResponse::Status(206, "Partial Content", content.substr(a, b - a + 1));
    part.headers = ok.headers;
    part.headers.emplace_back("Content-Range", "bytes " + std::to_string(a) + "-" + std::to_string(b) + "/" +
                                                   std::to_string(content.size()));
    return part;
  }

  std::mutex mu_;
  std::map<int64_t, std::string> objects_;
  int64_t live_ = 0;
  std::string encoding_;
  std::string crc32c_;
  std::atomic<int> media_{0};
  test::FakeHttpServer server_;
};

// Collects the stream, combining the CRC32Cs it is given with the parts.
struct Collect final : io::StreamSink {
  Status OnStart(const io::StreamInfo& i) override {
    ++starts;
    info = i;
    got.clear();
    crc = 0;
    return Status::Ok();
  }
  Status OnData(std::string_view data) override {
    got.append(data);
    crc = base::crc32c::Extend(crc, data);
    return Status::Ok();
  }
  Status OnChecksummedData(std::string_view data, uint32_t part_crc) override {
    EXPECT_EQ(part_crc, base::crc32c::Value(data));
    ++checksummed;
    got.append(data);
    crc = base::crc32c::Combine(crc, part_crc, data.size());
    return Status::Ok();
  }
  int starts = 0;
  int checksummed = 0;
  io::StreamInfo info;
  std::string got;
  uint32_t crc = 0;
};

class GcsReadStreamTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(base::crc32c::Init().ok()); }

  Status Read(Collect& sink, int connections = 4) {
    GcsConfig config;
    config.client.endpoint = storage_.endpoint();
    config.client.stall_timeout = std::chrono::seconds(5);
    config.credentials.anonymous = true;
    GcsFileSystemOptions options;
    options.stream.connections = connections;
    options.stream.part_bytes = kPart;
    options.stream.window_bytes = 8 * kPart;
    options.stream.retry.initial_backoff = std::chrono::milliseconds(1);
    options.stream.log = [this](std::string_view line) {
      std::lock_guard lock(mu_);
      log_.emplace_back(line);
    };
    net::RetryOptions retry;
    retry.initial_backoff = std::chrono::milliseconds(1);
    std::shared_ptr<net::HttpClient> http = net::NewRetryingHttpClient(&net::SharedCurlHttpClient(), retry, nullptr);
    auto fs = NewGcsFileSystem(http, config, options);
    return fs->ReadStream("gs://bkt/models/m.tar.gz", sink);
  }

  FakeStorage storage_;
  std::mutex mu_;
  std::vector<std::string> log_;
};

TEST_F(GcsReadStreamTest, ALargeObjectComesInPartsPinnedToItsGenerationWithCombinedCrc32c) {
  const std::string content = test::RandomBytes(10 * kPart + 77, 3);
  storage_.Put(content, 41);
  Collect sink;
  ASSERT_TRUE(Read(sink).ok());
  EXPECT_TRUE(sink.got == content);
  EXPECT_EQ(sink.starts, 1);
  EXPECT_EQ(sink.info.size, content.size());
  ASSERT_TRUE(sink.info.crc32c.has_value());  // from the metadata
  EXPECT_EQ(*sink.info.crc32c, base::crc32c::Value(content));
  EXPECT_EQ(sink.crc, *sink.info.crc32c);
  EXPECT_EQ(sink.checksummed, 11);  // every part came with its CRC32C
  const auto media = storage_.Media();
  ASSERT_EQ(media.size(), 11u);
  for (const auto& r : media) {
    EXPECT_NE(r.target.find("generation=41"), std::string::npos) << r.target;
    EXPECT_TRUE(r.Header("Range").has_value());
    EXPECT_FALSE(r.Header("If-Range").has_value());  // the generation pins it
  }
}

TEST_F(GcsReadStreamTest, AnObjectReplacedMidReadStartsOverOnTheNewGenerationWhole) {
  const std::string old_content = test::RandomBytes(10 * kPart, 1);
  const std::string new_content = test::RandomBytes(9 * kPart + 5, 2);
  storage_.Put(old_content, 1);
  storage_.on_media = [this, new_content](int n) {
    if (n == 3) {  // after three parts: generation 2 replaces generation 1
      storage_.Put(new_content, 2);
      storage_.DropOldGenerations();
    }
  };
  Collect sink;
  ASSERT_TRUE(Read(sink).ok());
  EXPECT_EQ(sink.starts, 2);
  EXPECT_TRUE(sink.got == new_content);  // never a mix of the two
  EXPECT_EQ(sink.crc, base::crc32c::Value(new_content));
  std::lock_guard lock(mu_);
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(log_.back().find("Starting the read of gs://bkt/models/m.tar.gz over"), std::string::npos) << log_.back();
}

TEST_F(GcsReadStreamTest, AGzipEncodedObjectIsOneGetWithoutRanges) {
  const std::string content = test::RandomBytes(10 * kPart, 4);
  storage_.Put(content, 7, "gzip");
  Collect sink;
  ASSERT_TRUE(Read(sink).ok());
  EXPECT_TRUE(sink.got == content);
  const auto media = storage_.Media();
  ASSERT_EQ(media.size(), 1u);
  EXPECT_FALSE(media[0].Header("Range").has_value());
  // Served decoded: the stored object's hashes do not describe these bytes.
  EXPECT_FALSE(sink.info.crc32c.has_value());
}

TEST_F(GcsReadStreamTest, ASmallObjectOrOneConnectionIsOneGet) {
  storage_.Put("small", 3);
  Collect small;
  ASSERT_TRUE(Read(small).ok());
  EXPECT_EQ(small.got, "small");
  const std::string content = test::RandomBytes(5 * kPart, 5);
  storage_.Put(content, 4);
  Collect one;
  ASSERT_TRUE(Read(one, /*connections=*/1).ok());
  EXPECT_TRUE(one.got == content);
  EXPECT_EQ(storage_.Media().size(), 2u);
}

TEST_F(GcsReadStreamTest, AWrongCrc32cInTheMetadataIsReportedToTheSink) {
  const std::string content = test::RandomBytes(6 * kPart, 6);
  storage_.Put(content, 9, "", Crc32cBase64("something else"));
  Collect sink;
  ASSERT_TRUE(Read(sink).ok());  // the stream delivers; its sink (DigestSink) judges
  ASSERT_TRUE(sink.info.crc32c.has_value());
  EXPECT_NE(sink.crc, *sink.info.crc32c);
}

// A large ReadAt (what load() does for a big variable) comes in parts on
// the same event loop, pinned to the generation seen at open.
class GcsReadAtTest : public GcsReadStreamTest {
 protected:
  Result<std::unique_ptr<io::RandomAccessFile>> Open() {
    GcsConfig config;
    config.client.endpoint = storage_.endpoint();
    config.client.stall_timeout = std::chrono::seconds(5);
    config.credentials.anonymous = true;
    GcsFileSystemOptions options;
    options.parallel_read_threshold = 2 * kPart;
    options.stream.connections = 4;
    options.stream.part_bytes = kPart;
    options.stream.window_bytes = 8 * kPart;
    options.stream.retry.initial_backoff = std::chrono::milliseconds(1);
    net::RetryOptions retry;
    retry.initial_backoff = std::chrono::milliseconds(1);
    std::shared_ptr<net::HttpClient> http = net::NewRetryingHttpClient(&net::SharedCurlHttpClient(), retry, nullptr);
    fs_ = NewGcsFileSystem(http, config, options);
    return fs_->NewRandomAccessFile("gs://bkt/models/m.tar.gz");
  }
  std::shared_ptr<io::FileSystem> fs_;
};

TEST_F(GcsReadAtTest, ALargeReadIsAssembledInOrderFromPartsOfOneGeneration) {
  const std::string content = test::RandomBytes(12 * kPart + 99, 11);
  storage_.Put(content, 8);
  auto file = Open();
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::string scratch(content.size(), '\0');
  // 7.5 parts from an odd offset: the first and last parts are short.
  const uint64_t offset = kPart / 2 + 3;
  const size_t n = 7 * kPart + kPart / 2;
  auto got = (*file)->ReadAt(offset, n, scratch.data());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == std::string_view(content).substr(offset, n));
  const auto media = storage_.Media();
  ASSERT_EQ(media.size(), 8u);
  std::vector<std::pair<unsigned long long, unsigned long long>> ranges;
  for (const auto& r : media) {
    EXPECT_NE(r.target.find("generation=8"), std::string::npos) << r.target;
    unsigned long long a = 0, b = 0;
    ASSERT_EQ(std::sscanf(r.Header("Range").value_or("").c_str(), "bytes=%llu-%llu", &a, &b), 2);
    ranges.emplace_back(a, b);
  }
  std::sort(ranges.begin(), ranges.end());
  uint64_t next = offset;  // the parts cover [offset, offset + n) exactly once
  for (const auto& [a, b] : ranges) {
    EXPECT_EQ(a, next);
    next = b + 1;
  }
  EXPECT_EQ(next, offset + n);
  // At the threshold: one request of the whole range.
  auto small = (*file)->ReadAt(5, 2 * kPart, scratch.data());
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_TRUE(*small == std::string_view(content).substr(5, 2 * kPart));
  EXPECT_EQ(storage_.Media().size(), 9u);
}

TEST_F(GcsReadAtTest, AGenerationGoneMidReadIsDataLossNeverAMix) {
  storage_.Put(test::RandomBytes(12 * kPart, 12), 1);
  auto file = Open();
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const std::string replacement = test::RandomBytes(12 * kPart, 13);
  storage_.on_media = [this, replacement](int n) {
    if (n == 2) {
      storage_.Put(replacement, 2);
      storage_.DropOldGenerations();
    }
  };
  std::string scratch(12 * kPart, '\0');
  auto got = (*file)->ReadAt(0, 12 * kPart, scratch.data());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kDataLoss) << got.status().ToString();
  EXPECT_NE(got.status().message().find("generation 1 is gone"), std::string::npos) << got.status().ToString();
}

TEST_F(GcsReadAtTest, AReadPastTheEndIsOutOfRange) {
  storage_.Put(test::RandomBytes(3 * kPart, 14), 3);
  auto file = Open();
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::string scratch(4 * kPart, '\0');
  auto got = (*file)->ReadAt(kPart, 3 * kPart, scratch.data());
  EXPECT_EQ(got.status().code(), StatusCode::kOutOfRange) << got.status().ToString();
}

}  // namespace
}  // namespace tfhub::gcs
