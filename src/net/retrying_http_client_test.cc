// The retry layer over scripted exchanges: what is retried, what reaches the
// caller's sink as a final answer, and how broken bodies are resumed.
#include "net/retrying_http_client.h"

#include <gtest/gtest.h>

#include "net/scripted_http_client.h"

namespace tfhub::net {
namespace {

RetryOptions Fast() {
  RetryOptions o;
  o.max_attempts = 3;
  o.initial_backoff = std::chrono::milliseconds(1);
  o.max_backoff = std::chrono::milliseconds(2);
  return o;
}

class RetryingHttpClientTest : public ::testing::Test {
 protected:
  ScriptedHttpClient base_;
  std::vector<std::string> log_;
  std::unique_ptr<HttpClient> client_ =
      NewRetryingHttpClient(&base_, Fast(), [this](std::string_view line) { log_.emplace_back(line); });
};

TEST_F(RetryingHttpClientTest, ServerErrorsAreRetried) {
  base_.Expect({.url = "http://h/x", .status = 503, .body = "busy"});
  base_.Expect({.url = "http://h/x", .status = 200, .body = "hello"});
  auto r = SendForString(*client_, HttpRequest{.url = "http://h/x"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->head.status, 200);
  EXPECT_EQ(r->body, "hello");
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("Retrying GET http://h/x"), std::string::npos) << log_[0];
}

TEST_F(RetryingHttpClientTest, FinalAnswersReachTheSinkWithTheirBody) {
  base_.Expect({.url = "http://h/missing", .status = 404, .body = R"({"error":"gone"})"});
  base_.Expect({.url = "http://h/moved", .status = 303, .body = "gs://b/m"});
  auto missing = SendForString(*client_, HttpRequest{.url = "http://h/missing"});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->head.status, 404);
  EXPECT_EQ(missing->body, R"({"error":"gone"})");
  auto moved = SendForString(*client_, HttpRequest{.url = "http://h/moved", .follow_redirects = false});
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->head.status, 303);
  EXPECT_EQ(moved->body, "gs://b/m");
  EXPECT_TRUE(log_.empty());  // nothing retried
}

TEST_F(RetryingHttpClientTest, OutOfAttemptsIsAbortedNamingMethodAndUrl) {
  for (int i = 0; i < 3; ++i) base_.Expect({.method = "POST", .url = "http://h/up", .status = 500});
  auto r = SendForString(*client_, HttpRequest{.method = "POST", .url = "http://h/up", .body = "data"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_NE(r.status().message().find("POST http://h/up failed after 3 attempts"), std::string::npos)
      << r.status().message();
  for (const auto& req : base_.seen()) EXPECT_EQ(req.body, "data");  // sent again whole
}

TEST_F(RetryingHttpClientTest, ACallersRangeIsResumedWhereTheBodyBroke) {
  // The caller wants bytes 100-109; the first answer breaks after 4 of them.
  base_.Expect({.url = "http://h/o",
                .matches = [](const HttpRequest& r) { return RequestHeader(r, "Range") == "bytes=100-109"; },
                .status = 206,
                .headers = {{"Content-Range", "bytes 100-109/1000"}, {"ETag", "\"v1\""}},
                .body = "0123",
                .transport_error = UnavailableError("connection reset")});
  base_.Expect({.url = "http://h/o",
                .matches =
                    [](const HttpRequest& r) {
                      return RequestHeader(r, "Range") == "bytes=104-109" && RequestHeader(r, "If-Range") == "\"v1\"";
                    },
                .status = 206,
                .headers = {{"Content-Range", "bytes 104-109/1000"}, {"ETag", "\"v1\""}},
                .body = "456789"});
  HttpRequest req{.url = "http://h/o"};
  req.headers.push_back("Range: bytes=100-109");
  auto r = SendForString(*client_, req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "0123456789");
  EXPECT_EQ(base_.pending(), 0u);
  EXPECT_TRUE(base_.unexpected().empty());
}

TEST_F(RetryingHttpClientTest, APartialAnswerFromElsewhereIsDataLoss) {
  base_.Expect({.url = "http://h/o", .status = 206, .headers = {{"Content-Range", "bytes 5-9/10"}}, .body = "56789"});
  auto r = SendForString(*client_, HttpRequest{.url = "http://h/o"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace tfhub::net
