// Two creators of one object (two workers of a pod taking the same lock on
// a gs:// cache dir) against a Cloud Storage that enforces
// ifGenerationMatch=0, which the emulator ignores: a scripted service on
// loopback that lets both pass the existence check before either uploads,
// so the precondition alone must decide. Exactly one wins.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gcs/gcs_config.h"
#include "gcs/gcs_file_system.h"
#include "net/curl_http_client.h"
#include "net/retrying_http_client.h"
#include "testing/fake_http_server.h"

namespace tfhub::gcs {
namespace {

using test::FakeRequest;
using test::FakeResponse;

class PreconditionStorage {
 public:
  explicit PreconditionStorage(int creators) : creators_(creators) {
    server_.SetHandler([this](const FakeRequest& r) { return Answer(r); });
  }
  std::string endpoint() const { return server_.base_url(); }
  int creates_accepted() const {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  int creates_refused() const {
    std::lock_guard lock(mu_);
    return refused_;
  }

 private:
  FakeResponse Answer(const FakeRequest& r) {
    std::unique_lock lock(mu_);
    if (r.method == "GET" && r.target.find("alt=media") != std::string::npos) {
      return exists_ ? FakeResponse::Ok("host.1.other-worker") : FakeResponse::Status(404, "Not Found");
    }
    if (r.method == "GET") {  // metadata: the existence check before the create
      // Hold each checker until every creator has checked (or a second
      // passes), so that all of them find the object absent.
      const bool absent = !exists_;  // as it was when this check came in
      ++checks_;
      cv_.notify_all();
      cv_.wait_for(lock, std::chrono::seconds(5), [this] { return checks_ >= creators_; });
      if (absent) return FakeResponse::Status(404, "Not Found", R"({"error":{"code":404,"message":"No such object"}})");
      return FakeResponse::Ok(R"({"name":"cache/k.lock","size":"19","generation":"1"})");
    }
    if (r.method == "POST" && r.target.find("ifGenerationMatch=0") != std::string::npos) {
      if (exists_) {
        ++refused_;
        return FakeResponse::Status(412, "Precondition Failed",
                                    R"({"error":{"code":412,"message":"At least one of the pre-conditions you specified did not hold."}})");
      }
      exists_ = true;
      ++accepted_;
      return FakeResponse::Ok(R"({"name":"cache/k.lock","size":"19","generation":"1"})");
    }
    return FakeResponse::Status(400, "Bad Request", "unexpected: " + r.method + " " + r.target);
  }

  const int creators_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int checks_ = 0;
  bool exists_ = false;
  int accepted_ = 0;
  int refused_ = 0;
  test::FakeHttpServer server_;
};

TEST(GcsCreateRaceTest, OfCreatorsThatAllFoundTheObjectAbsentExactlyOneWins) {
  constexpr int kCreators = 4;
  PreconditionStorage storage(kCreators);
  GcsConfig config;
  config.client.endpoint = storage.endpoint();
  config.credentials.anonymous = true;
  std::shared_ptr<net::HttpClient> http = net::NewRetryingHttpClient(&net::SharedCurlHttpClient(), {}, nullptr);
  auto fs = NewGcsFileSystem(http, config);

  std::vector<Status> results(kCreators);
  std::vector<std::thread> creators;
  for (int i = 0; i < kCreators; ++i) {
    creators.emplace_back([&, i] {
      results[i] = fs->CreateExclusive("gs://bkt/cache/k.lock", "host." + std::to_string(100 + i) + ".0");
    });
  }
  for (auto& t : creators) t.join();

  int won = 0;
  for (const Status& s : results) {
    if (s.ok()) {
      ++won;
    } else {
      EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
    }
  }
  EXPECT_EQ(won, 1);
  EXPECT_EQ(storage.creates_accepted(), 1);
  EXPECT_EQ(storage.creates_refused(), kCreators - 1);  // each loser was stopped by the precondition
}

}  // namespace
}  // namespace tfhub::gcs
