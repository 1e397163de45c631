// GcsFileSystem over a GcsClient talking to scripted HTTP exchanges: the
// paths the Cloud Storage emulator of the integration tests cannot take
// (412 answers, resumable uploads in several chunks with partial
// persistence, objects vanishing during a
// recursive delete), plus the directory conventions and the lazy client.
#include "gcs/gcs_file_system.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "base/crc32c.h"
#include "base/strings.h"
#include "net/scripted_http_client.h"
#include "testing/random_bytes.h"

namespace tfhub::gcs {
namespace {

using net::HttpRequest;
using net::RequestHeader;
using net::ScriptedExchange;

constexpr char kToken[] = "Bearer test-token";
constexpr char kSession[] = "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=resumable&upload_id=S1";

class TestCredentials final : public Credentials {
 public:
  Result<std::string> AuthorizationHeader(net::HttpClient&) override { return std::string("Authorization: ") + kToken; }
  std::string Describe() const override { return "test credentials"; }
};

std::string ObjectUrl(const std::string& object) {
  return "https://gcs.test/storage/v1/b/bkt/o/" + UrlEncode(object);
}
std::string MediaUrl(const std::string& object, int64_t generation = 0) {
  return ObjectUrl(object) + "?alt=media" + (generation ? "&generation=" + std::to_string(generation) : "");
}
std::string ListUrl(const std::string& prefix, bool delimited, size_t max_results = 0) {
  std::string url = "https://gcs.test/storage/v1/b/bkt/o?prefix=" + UrlEncode(prefix);
  if (delimited) url += "&delimiter=%2F";
  if (max_results) url += "&maxResults=" + std::to_string(max_results);
  return url;
}
std::string InsertUrl(const std::string& object, std::optional<int64_t> generation = std::nullopt) {
  return "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=media&name=" + UrlEncode(object) +
         (generation ? "&ifGenerationMatch=" + std::to_string(*generation) : "");
}
std::string RewriteUrl(const std::string& from, const std::string& to, std::optional<int64_t> generation) {
  return ObjectUrl(from) + "/rewriteTo/b/bkt/o/" + UrlEncode(to) +
         (generation ? "?ifGenerationMatch=" + std::to_string(*generation) : "");
}
std::string ErrorJson(long code, const std::string& message) {
  return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + message + R"("}})";
}
std::string NotFoundJson(const std::string& object) { return ErrorJson(404, "No such object: bkt/" + object); }

using net::Answer;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class GcsFileSystemTest : public ::testing::Test {
 protected:
  void TearDown() override {
    const auto unexpected = http_.unexpected();
    for (const auto& r : unexpected) ADD_FAILURE() << "unexpected request: " << r.method << " " << r.url;
    for (const auto& r : http_.seen()) {
      EXPECT_EQ(RequestHeader(r, "Authorization").value_or("<none>"), kToken) << r.method << " " << r.url;
    }
  }

  // A file system whose client talks to http_ (made on first use).
  std::unique_ptr<GcsFileSystem> MakeFs(GcsFileSystemOptions options = {}) {
    return std::make_unique<GcsFileSystem>(
        [this]() -> Result<std::shared_ptr<GcsClient>> {
          ++factory_calls_;
          GcsClientOptions o;
          o.endpoint = "https://gcs.test";
          return std::make_shared<GcsClient>(&http_, std::make_shared<TestCredentials>(), o);
        },
        options);
  }

  size_t SeenWithMethod(const std::string& method) const {
    const auto seen = http_.seen();
    return static_cast<size_t>(std::count_if(seen.begin(), seen.end(),
                                             [&](const HttpRequest& r) { return r.method == method; }));
  }

  net::ScriptedHttpClient http_;
  std::atomic<int> factory_calls_{0};
};

// ---- Stat, ListDir, CreateDirs ---------------------------------------------------

TEST_F(GcsFileSystemTest, StatOfAnObjectIsAFileWithItsSize) {
  http_.Expect(Answer("GET", ObjectUrl("dir/file"), 200, R"({"name":"dir/file","size":"12345","generation":"3"})"));
  auto fs = MakeFs();
  auto info = fs->Stat("gs://bkt/dir/file");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->type, io::FileType::kFile);
  EXPECT_EQ(info->size, 12345u);
  EXPECT_EQ(http_.seen().size(), 1u);  // no listing needed
}

TEST_F(GcsFileSystemTest, StatOfAPrefixWithObjectsIsADirectory) {
  http_.Expect(Answer("GET", ObjectUrl("dir"), 404, NotFoundJson("dir")));
  http_.Expect(Answer("GET", ListUrl("dir/", true, 1), 200, R"({"prefixes":["dir/sub/"]})"));
  auto fs = MakeFs();
  auto info = fs->Stat("gs://bkt/dir");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->type, io::FileType::kDirectory);
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsFileSystemTest, StatOfADirectoryPathListsOnly) {
  http_.Expect(Answer("GET", ListUrl("dir/", true, 1), 200, R"({"items":[{"name":"dir/"}]})"));
  auto fs = MakeFs();
  auto info = fs->Stat("gs://bkt/dir/");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->type, io::FileType::kDirectory);
  EXPECT_EQ(http_.seen().size(), 1u);
}

TEST_F(GcsFileSystemTest, StatOfNothingIsNotFoundWithoutError) {
  http_.Expect(Answer("GET", ObjectUrl("nope"), 404, NotFoundJson("nope")));
  http_.Expect(Answer("GET", ListUrl("nope/", true, 1), 200, R"({"kind":"storage#objects"})"));
  auto fs = MakeFs();
  auto info = fs->Stat("gs://bkt/nope");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->type, io::FileType::kNotFound);
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsFileSystemTest, StatOfABucketRoot) {
  http_.Expect(Answer("GET", ListUrl("", true, 1), 200, "{}"));  // an empty bucket
  http_.Expect(Answer("GET", ListUrl("", true, 1), 404, ErrorJson(404, "The specified bucket does not exist.")));
  auto fs = MakeFs();
  auto empty = fs->Stat("gs://bkt");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->type, io::FileType::kDirectory);
  auto missing = fs->Stat("gs://bkt/");
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_EQ(missing->type, io::FileType::kNotFound);
}

TEST_F(GcsFileSystemTest, StatErrorsOtherThanNotFoundAreErrors) {
  http_.Expect(Answer("GET", ObjectUrl("dir/file"), 403, ErrorJson(403, "no storage.objects.get access")));
  auto fs = MakeFs();
  auto info = fs->Stat("gs://bkt/dir/file");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kPermissionDenied) << info.status().ToString();
  EXPECT_TRUE(Contains(info.status().message(), "gs://bkt/dir/file")) << info.status().ToString();
  EXPECT_EQ(http_.seen().size(), 1u);  // no listing after a real error
}

TEST_F(GcsFileSystemTest, ListDirNamesObjectsAndPrefixesWithoutThePlaceholder) {
  http_.Expect(Answer("GET", ListUrl("dir/", true), 200,
                      R"({"items":[{"name":"dir/"},{"name":"dir/a.pb"}],"prefixes":["dir/variables/"],)"
                      R"("nextPageToken":"p2"})"));
  http_.Expect(Answer("GET", ListUrl("dir/", true) + "&pageToken=p2", 200, R"({"items":[{"name":"dir/z"}]})"));
  http_.Expect(Answer("GET", ListUrl("gone/", true), 200, "{}"));
  auto fs = MakeFs();
  auto names = fs->ListDir("gs://bkt/dir");
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, (std::vector<std::string>{"a.pb", "z", "variables"}));
  auto gone = fs->ListDir("gs://bkt/gone");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound) << gone.status().ToString();
}

TEST_F(GcsFileSystemTest, ListTreeIsOneFlatListingWithoutPlaceholders) {
  http_.Expect(Answer("GET", ListUrl("dir/", false), 200,
                      R"({"items":[{"name":"dir/","size":"0"},{"name":"dir/a.pb","size":"3"},)"
                      R"({"name":"dir/variables/","size":"0"},{"name":"dir/variables/v.index","size":"7"}]})"));
  http_.Expect(Answer("GET", ListUrl("gone/", false), 200, "{}"));
  auto fs = MakeFs();
  auto files = fs->ListTree("gs://bkt/dir");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "a.pb");
  EXPECT_EQ((*files)[0].size, 3u);
  EXPECT_EQ((*files)[1].path, "variables/v.index");
  EXPECT_EQ((*files)[1].size, 7u);
  EXPECT_EQ(fs->ListTree("gs://bkt/gone").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(http_.seen().size(), 2u);  // no request per file
}

TEST_F(GcsFileSystemTest, CreateDirsWritesAnEmptyPlaceholder) {
  http_.Expect(Answer("POST", InsertUrl("a/b/"), 200, R"({"name":"a/b/","size":"0"})"));
  auto fs = MakeFs();
  Status s = fs->CreateDirs("gs://bkt/a/b");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(fs->CreateDirs("gs://bkt").ok());  // the bucket: nothing to write
  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, "");
}

// ---- Writable files ------------------------------------------------------------

TEST_F(GcsFileSystemTest, SmallFileIsOneSimpleUploadAtClose) {
  http_.Expect(Answer("POST", InsertUrl("dir/small"), 200, R"({"name":"dir/small","size":"11"})"));
  GcsFileSystemOptions options;
  options.simple_upload_limit = 256 << 10;
  options.upload_chunk = 256 << 10;
  auto fs = MakeFs(options);
  auto file = fs->NewWritableFile("gs://bkt/dir/small");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Append("hello").ok());
  ASSERT_TRUE((*file)->Append(" ").ok());
  ASSERT_TRUE((*file)->Append("world").ok());
  EXPECT_TRUE(http_.seen().empty());  // buffered until Close()
  Status s = (*file)->Close();
  ASSERT_TRUE(s.ok()) << s.ToString();
  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, "hello world");
  EXPECT_TRUE((*file)->Close().ok());  // closing again sends nothing
  EXPECT_EQ((*file)->Append("x").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(http_.seen().size(), 1u);
}

TEST_F(GcsFileSystemTest, SimpleUploadErrorIsCloseError) {
  http_.Expect(Answer("POST", InsertUrl("dir/small"), 403, ErrorJson(403, "no storage.objects.create access")));
  auto fs = MakeFs();
  auto file = fs->NewWritableFile("gs://bkt/dir/small");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Append("data").ok());
  Status s = (*file)->Close();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "gs://bkt/dir/small")) << s.ToString();
}

TEST_F(GcsFileSystemTest, NewWritableFileRefusesABucket) {
  auto fs = MakeFs();
  auto file = fs->NewWritableFile("gs://bkt");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument) << file.status().ToString();
  EXPECT_TRUE(http_.seen().empty());
}

// One PUT of a resumable session, as scripted: the Content-Range the client
// must send, and the answer (308 with "Range: bytes=0-<kept_through>", or
// the final 200).
struct ChunkStep {
  std::string content_range;
  long status;
  uint64_t kept_through = 0;  // for 308
};

void ExpectChunks(net::ScriptedHttpClient& http, const std::vector<ChunkStep>& steps) {
  for (const ChunkStep& step : steps) {
    ScriptedExchange e = Answer("PUT", kSession, step.status);
    if (step.status == 308) e.headers = {{"Range", "bytes=0-" + std::to_string(step.kept_through)}};
    if (step.status == 200) e.body = R"({"name":"x"})";
    const std::string want = step.content_range;
    e.matches = [want](const HttpRequest& r) { return RequestHeader(r, "Content-Range") == want; };
    http.Expect(std::move(e));
  }
}

// What the scripted service stored from the session's PUTs (in order), given
// what each answer said was kept. Checks that every PUT starts exactly where
// the stored bytes end and that its body matches its Content-Range.
std::string Reassemble(const std::vector<HttpRequest>& seen, const std::vector<ChunkStep>& steps) {
  std::string stored;
  size_t step = 0;
  for (const HttpRequest& r : seen) {
    if (r.method != "PUT") continue;
    EXPECT_EQ(r.url, kSession);
    if (step >= steps.size()) {
      ADD_FAILURE() << "more PUTs than scripted";
      break;
    }
    const std::string cr = RequestHeader(r, "Content-Range").value_or("");
    unsigned long long first = 0, last = 0;
    if (std::sscanf(cr.c_str(), "bytes %llu-%llu/", &first, &last) != 2) {
      ADD_FAILURE() << "bad Content-Range " << cr;
      break;
    }
    EXPECT_EQ(first, stored.size()) << cr;
    EXPECT_EQ(r.body.size(), last - first + 1) << cr;
    const size_t keep = steps[step].status == 308 ? steps[step].kept_through + 1 - first : r.body.size();
    stored.append(r.body, 0, keep);
    ++step;
  }
  EXPECT_EQ(step, steps.size());
  return stored;
}

TEST_F(GcsFileSystemTest, LargeFileIsAResumableUploadInChunksResendingWhatWasNotKept) {
  GcsFileSystemOptions options;
  options.simple_upload_limit = 256 << 10;
  options.upload_chunk = 256 << 10;
  options.composite_uploads = false;
  const std::string data = test::RandomBytes(1 << 20, 7);
  http_.Expect(Answer("POST", "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=resumable&name=dir%2Fbig", 200,
                      "", {{"Location", kSession}}));
  const std::vector<ChunkStep> steps = {
      {"bytes 0-262143/*", 308, 262143},
      {"bytes 262144-524287/*", 308, 399999},  // kept only 137856 of the 262144 sent
      {"bytes 400000-662143/*", 308, 662143},  // so the next chunk starts at 400000
      {"bytes 662144-924287/*", 308, 924287},
      {"bytes 924288-1048575/1048576", 200},
  };
  ExpectChunks(http_, steps);

  auto fs = MakeFs(options);
  auto file = fs->NewWritableFile("gs://bkt/dir/big");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  // Appends of 128 KiB; requests seen after each one.
  const size_t piece = 128 << 10;
  const size_t seen_after[] = {0, 0, 2, 2, 3, 4, 4, 5};
  for (size_t i = 0; i < 8; ++i) {
    Status s = (*file)->Append(std::string_view(data).substr(i * piece, piece));
    ASSERT_TRUE(s.ok()) << "append " << i << ": " << s.ToString();
    EXPECT_EQ(http_.seen().size(), seen_after[i]) << "after append " << i;
  }
  Status s = (*file)->Close();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);

  const auto seen = http_.seen();
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, "{}");  // the session start carries no data
  // The resend after the partial 308: from byte 400000 on.
  EXPECT_EQ(RequestHeader(seen[3], "Content-Range").value_or(""), "bytes 400000-662143/*");
  EXPECT_EQ(seen[3].body, data.substr(400000, 262144));
  for (size_t i = 1; i < 5; ++i) EXPECT_EQ(seen[i].body.size() % (256 << 10), 0u) << i;
  const std::string stored = Reassemble(seen, steps);
  EXPECT_EQ(stored.size(), data.size());
  EXPECT_TRUE(stored == data) << "the stored bytes differ from the data written";
}

TEST_F(GcsFileSystemTest, FinalChunkPartlyKeptIsSentAgain) {
  GcsFileSystemOptions options;
  options.simple_upload_limit = 256 << 10;
  options.upload_chunk = 256 << 10;
  options.composite_uploads = false;
  const std::string data = test::RandomBytes(600 << 10, 8);  // 614400 bytes
  http_.Expect(Answer("POST", "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=resumable&name=f", 200, "",
                      {{"Location", kSession}}));
  const std::vector<ChunkStep> steps = {
      {"bytes 0-262143/*", 308, 262143},
      {"bytes 262144-524287/*", 308, 524287},
      {"bytes 524288-614399/614400", 308, 550000},  // the last piece, partly kept
      {"bytes 550001-614399/614400", 200},
  };
  ExpectChunks(http_, steps);
  auto fs = MakeFs(options);
  auto file = fs->NewWritableFile("gs://bkt/f");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Append(data).ok());
  Status s = (*file)->Close();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
  EXPECT_TRUE(Reassemble(http_.seen(), steps) == data) << "the stored bytes differ from the data written";
}

TEST_F(GcsFileSystemTest, ResumableUploadReportingLessThanBeforeIsDataLoss) {
  GcsFileSystemOptions options;
  options.simple_upload_limit = 256 << 10;
  options.upload_chunk = 256 << 10;
  options.composite_uploads = false;
  const std::string data = test::RandomBytes(700 << 10, 9);
  http_.Expect(Answer("POST", "https://gcs.test/upload/storage/v1/b/bkt/o?uploadType=resumable&name=f", 200, "",
                      {{"Location", kSession}}));
  ExpectChunks(http_, {{"bytes 0-262143/*", 308, 262143}});
  // The session forgot what it had: a 308 without Range.
  ScriptedExchange forgot = Answer("PUT", kSession, 308);
  http_.Expect(std::move(forgot));
  auto fs = MakeFs(options);
  auto file = fs->NewWritableFile("gs://bkt/f");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  Status s = (*file)->Append(data);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "gs://bkt/f")) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
  // Do not let the destructor's Close() send anything more.
  http_.Expect(Answer("PUT", kSession, 404, ErrorJson(404, "session gone")));
  EXPECT_FALSE((*file)->Close().ok());
}

// ---- Composite uploads ---------------------------------------------------------

std::string CrcBase64(uint32_t crc) {
  const char be[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16), static_cast<char>(crc >> 8),
                      static_cast<char>(crc)};
  return base::Base64Encode(std::string_view(be, 4));
}
std::string ObjectJson(const std::string& name, const std::string& data, int64_t generation) {
  return R"({"name":")" + name + R"(","size":")" + std::to_string(data.size()) + R"(","generation":")" +
         std::to_string(generation) + R"(","crc32c":")" + CrcBase64(base::crc32c::Value(data)) + R"("})";
}
std::string PartName(const std::string& object, const std::string& what) {
  return object + ".tfhub-part-T-" + what;
}

class CompositeUploadTest : public GcsFileSystemTest {
 protected:
  void SetUp() override { ASSERT_TRUE(base::crc32c::Init().ok()); }

  GcsFileSystemOptions Options() {
    GcsFileSystemOptions o;
    o.simple_upload_limit = 256 << 10;
    o.composite_part = 256 << 10;
    o.upload_parts_in_flight = 3;
    o.part_token = [] { return std::string("T"); };
    return o;
  }
  // The upload of part `what` of "dir/big", holding `data`, answered `status`.
  void ExpectPart(const std::string& what, const std::string& data, long status = 200, int64_t generation = 100) {
    const std::string name = PartName("dir/big", what);
    ScriptedExchange e = Answer("POST", InsertUrl(name, 0), status,
                                status == 200 ? ObjectJson(name, data, generation) : ErrorJson(status, "no"));
    e.matches = [data](const HttpRequest& r) { return r.body == data; };
    http_.Expect(std::move(e));
  }
  void ExpectCompose(const std::string& dest, const std::string& data, int64_t generation = 7,
                     std::optional<uint32_t> crc = std::nullopt) {
    std::string body = ObjectJson(dest, data, generation);
    if (crc) {
      body = R"({"name":")" + dest + R"(","size":")" + std::to_string(data.size()) + R"(","generation":"7","crc32c":")" +
             CrcBase64(*crc) + R"("})";
    }
    http_.Expect(Answer("POST", ObjectUrl(dest) + "/compose", 200, body));
  }
  void ExpectDelete(const std::string& name) { http_.Expect(Answer("DELETE", ObjectUrl(name), 204)); }

  std::vector<std::string> Deleted() const {
    std::vector<std::string> out;
    for (const auto& r : http_.seen()) {
      if (r.method == "DELETE") out.push_back(r.url);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(CompositeUploadTest, LargeFileGoesUpAsPartsComposedThenDeleted) {
  const size_t part = 256 << 10;
  const std::string data = test::RandomBytes(2 * part + 1000, 21);
  for (int i = 0; i < 3; ++i) ExpectPart(std::to_string(i), data.substr(i * part, part), 200, 100 + i);
  ExpectCompose("dir/big", data);
  for (int i = 0; i < 3; ++i) ExpectDelete(PartName("dir/big", std::to_string(i)));
  auto fs = MakeFs(Options());
  auto file = fs->NewWritableFile("gs://bkt/dir/big");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  for (size_t at = 0; at < data.size(); at += 100000) {
    ASSERT_TRUE((*file)->Append(std::string_view(data).substr(at, 100000)).ok());
  }
  Status s = (*file)->Close();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
  // The compose names the parts in order, pinned to their generations.
  for (const auto& r : http_.seen()) {
    if (r.url != ObjectUrl("dir/big") + "/compose") continue;
    const auto body = nlohmann::json::parse(r.body);
    ASSERT_EQ(body["sourceObjects"].size(), 3u) << r.body;
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(body["sourceObjects"][i]["name"], PartName("dir/big", std::to_string(i)));
      EXPECT_EQ(body["sourceObjects"][i]["generation"], std::to_string(100 + i));
    }
  }
}

TEST_F(CompositeUploadTest, AFileUpToTheSimpleLimitIsStillOneUpload) {
  const std::string data = test::RandomBytes(256 << 10, 22);
  http_.Expect(Answer("POST", InsertUrl("dir/big"), 200, ObjectJson("dir/big", data, 1)));
  auto fs = MakeFs(Options());
  auto file = fs->NewWritableFile("gs://bkt/dir/big");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append(data).ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(CompositeUploadTest, APartFailingFailsCloseComposesNothingAndDeletesTheParts) {
  const size_t part = 256 << 10;
  const std::string data = test::RandomBytes(2 * part + 1000, 23);
  ExpectPart("0", data.substr(0, part));
  ExpectPart("1", data.substr(part, part), 403);
  ExpectPart("2", data.substr(2 * part));  // may go up before part 1's failure is seen
  ExpectDelete(PartName("dir/big", "0"));
  ExpectDelete(PartName("dir/big", "2"));
  auto fs = MakeFs(Options());
  auto file = fs->NewWritableFile("gs://bkt/dir/big");
  ASSERT_TRUE(file.ok());
  (*file)->Append(data).IgnoreError();  // may see the failure already
  Status s = (*file)->Close();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), PartName("dir/big", "1"))) << s.ToString();
  for (const auto& r : http_.seen()) EXPECT_FALSE(Contains(r.url, "/compose")) << r.url;
  // Every part that went up is deleted; part 1 never existed.
  const auto deleted = Deleted();
  EXPECT_THAT(deleted, ::testing::Contains(ObjectUrl(PartName("dir/big", "0"))));
  EXPECT_THAT(deleted, ::testing::Not(::testing::Contains(ObjectUrl(PartName("dir/big", "1")))));
  for (const auto& r : http_.seen()) {
    if (r.method == "POST" && Contains(r.url, UrlEncode(PartName("dir/big", "2")))) {
      EXPECT_THAT(deleted, ::testing::Contains(ObjectUrl(PartName("dir/big", "2"))));
    }
  }
}

TEST_F(CompositeUploadTest, AComposedObjectWithTheWrongCrcIsDeletedAndDataLoss) {
  const size_t part = 256 << 10;
  const std::string data = test::RandomBytes(part + 10, 24);
  ExpectPart("0", data.substr(0, part));
  ExpectPart("1", data.substr(part));
  ExpectCompose("dir/big", data, 7, base::crc32c::Value(data) ^ 1);
  ExpectDelete("dir/big");
  ExpectDelete(PartName("dir/big", "0"));
  ExpectDelete(PartName("dir/big", "1"));
  auto fs = MakeFs(Options());
  auto file = fs->NewWritableFile("gs://bkt/dir/big");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append(data).ok());
  Status s = (*file)->Close();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "CRC32C")) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(CompositeUploadTest, APartWhoseCrcDiffersIsDataLoss) {
  const size_t part = 256 << 10;
  const std::string data = test::RandomBytes(part + 10, 25);
  const std::string name0 = PartName("dir/big", "0");
  http_.Expect(Answer("POST", InsertUrl(name0, 0), 200, ObjectJson(name0, data.substr(1, part), 100)));  // other bytes
  ExpectPart("1", data.substr(part));
  ExpectDelete(name0);
  ExpectDelete(PartName("dir/big", "1"));
  auto fs = MakeFs(Options());
  auto file = fs->NewWritableFile("gs://bkt/dir/big");
  ASSERT_TRUE(file.ok());
  (*file)->Append(data).IgnoreError();
  Status s = (*file)->Close();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  for (const auto& r : http_.seen()) EXPECT_FALSE(Contains(r.url, "/compose")) << r.url;
  EXPECT_THAT(Deleted(), ::testing::Contains(ObjectUrl(name0)));
}

TEST_F(CompositeUploadTest, MoreThan32PartsAreComposedInStages) {
  const size_t part = 256 << 10;
  const std::string data = test::RandomBytes(34 * part, 26);
  for (int i = 0; i < 34; ++i) ExpectPart(std::to_string(i), data.substr(i * part, part), 200, 100 + i);
  ExpectCompose(PartName("dir/big", "c0-0"), data.substr(0, 32 * part), 500);
  ExpectCompose(PartName("dir/big", "c0-1"), data.substr(32 * part), 501);
  ExpectCompose("dir/big", data);
  for (int i = 0; i < 34; ++i) ExpectDelete(PartName("dir/big", std::to_string(i)));
  ExpectDelete(PartName("dir/big", "c0-0"));
  ExpectDelete(PartName("dir/big", "c0-1"));
  auto fs = MakeFs(Options());
  auto file = fs->NewWritableFile("gs://bkt/dir/big");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append(data).ok());
  Status s = (*file)->Close();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
  for (const auto& r : http_.seen()) {
    if (r.url != ObjectUrl("dir/big") + "/compose") continue;
    const auto body = nlohmann::json::parse(r.body);
    ASSERT_EQ(body["sourceObjects"].size(), 2u) << r.body;
    EXPECT_EQ(body["sourceObjects"][0]["name"], PartName("dir/big", "c0-0"));
    EXPECT_EQ(body["sourceObjects"][1]["generation"], "501");
  }
}

TEST_F(CompositeUploadTest, AnAbandonedFileDeletesItsPartsAndComposesNothing) {
  const size_t part = 256 << 10;
  const std::string data = test::RandomBytes(part + 10, 27);
  ExpectPart("0", data.substr(0, part));
  ExpectDelete(PartName("dir/big", "0"));
  {
    auto fs = MakeFs(Options());
    auto file = fs->NewWritableFile("gs://bkt/dir/big");
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append(data).ok());
  }  // destroyed unclosed (a cancelled extraction)
  EXPECT_EQ(http_.pending(), 0u);
}

// ---- Random access reads --------------------------------------------------------------

TEST_F(GcsFileSystemTest, ReadAtBeyondSizeIsOutOfRangeWithoutARequest) {
  http_.Expect(Answer("GET", ObjectUrl("dir/file"), 200, R"({"name":"dir/file","size":"100","generation":"7"})"));
  auto fs = MakeFs();
  auto file = fs->NewRandomAccessFile("gs://bkt/dir/file");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->Size(), 100u);
  char scratch[32];
  auto past_end = (*file)->ReadAt(90, 11, scratch);
  ASSERT_FALSE(past_end.ok());
  EXPECT_EQ(past_end.status().code(), StatusCode::kOutOfRange) << past_end.status().ToString();
  EXPECT_TRUE(Contains(past_end.status().message(), "gs://bkt/dir/file")) << past_end.status().ToString();
  EXPECT_EQ((*file)->ReadAt(101, 0, scratch).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ((*file)->ReadAt(uint64_t{1} << 63, 1, scratch).status().code(), StatusCode::kOutOfRange);
  auto at_end = (*file)->ReadAt(100, 0, scratch);
  ASSERT_TRUE(at_end.ok()) << at_end.status().ToString();
  EXPECT_TRUE(at_end->empty());
  EXPECT_EQ(http_.seen().size(), 1u);  // the metadata only
}

TEST_F(GcsFileSystemTest, NewRandomAccessFileOfAMissingObjectIsNotFound) {
  http_.Expect(Answer("GET", ObjectUrl("nope"), 404, NotFoundJson("nope")));
  auto fs = MakeFs();
  auto file = fs->NewRandomAccessFile("gs://bkt/nope");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kNotFound) << file.status().ToString();
}

// ---- CreateExclusive ---------------------------------------------------------------

TEST_F(GcsFileSystemTest, CreateExclusiveCreatesWithPrecondition) {
  http_.Expect(Answer("GET", ObjectUrl("lock"), 404, NotFoundJson("lock")));
  http_.Expect(Answer("POST", InsertUrl("lock", 0), 200, R"({"name":"lock","generation":"1"})"));
  auto fs = MakeFs();
  Status s = fs->CreateExclusive("gs://bkt/lock", "owner 1");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(http_.seen().back().body, "owner 1");
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsFileSystemTest, CreateExclusiveLosingTheRaceIsAlreadyExists) {
  // Absent at the check, created by someone else before our upload.
  http_.Expect(Answer("GET", ObjectUrl("lock"), 404, NotFoundJson("lock")));
  http_.Expect(Answer("POST", InsertUrl("lock", 0), 412, ErrorJson(412, "pre-conditions did not hold")));
  http_.Expect(Answer("GET", MediaUrl("lock"), 200, "owner 2"));
  auto fs = MakeFs();
  Status s = fs->CreateExclusive("gs://bkt/lock", "owner 1");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "gs://bkt/lock")) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsFileSystemTest, CreateExclusive412OnOurOwnContentIsSuccess) {
  // Our earlier attempt (retried by the HTTP layer) created it; its answer was lost.
  http_.Expect(Answer("GET", ObjectUrl("lock"), 404, NotFoundJson("lock")));
  http_.Expect(Answer("POST", InsertUrl("lock", 0), 412, ErrorJson(412, "pre-conditions did not hold")));
  http_.Expect(Answer("GET", MediaUrl("lock"), 200, "owner 1"));
  auto fs = MakeFs();
  Status s = fs->CreateExclusive("gs://bkt/lock", "owner 1");
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsFileSystemTest, CreateExclusive412ThenObjectGoneIsAlreadyExists) {
  http_.Expect(Answer("GET", ObjectUrl("lock"), 404, NotFoundJson("lock")));
  http_.Expect(Answer("POST", InsertUrl("lock", 0), 412, ErrorJson(412, "pre-conditions did not hold")));
  http_.Expect(Answer("GET", MediaUrl("lock"), 404, NotFoundJson("lock")));
  auto fs = MakeFs();
  EXPECT_EQ(fs->CreateExclusive("gs://bkt/lock", "owner 1").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsFileSystemTest, CreateExclusiveOfAnExistingObjectUploadsNothing) {
  http_.Expect(Answer("GET", ObjectUrl("lock"), 200, R"({"name":"lock","size":"7"})"));
  auto fs = MakeFs();
  Status s = fs->CreateExclusive("gs://bkt/lock", "owner 1");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "gs://bkt/lock")) << s.ToString();
  EXPECT_EQ(http_.seen().size(), 1u);
  EXPECT_EQ(SeenWithMethod("POST"), 0u);
}

TEST_F(GcsFileSystemTest, CreateExclusiveCheckErrorUploadsNothing) {
  http_.Expect(Answer("GET", ObjectUrl("lock"), 403, ErrorJson(403, "no access")));
  auto fs = MakeFs();
  Status s = fs->CreateExclusive("gs://bkt/lock", "owner 1");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_EQ(SeenWithMethod("POST"), 0u);
}

// ---- Rename -----------------------------------------------------------------------

TEST_F(GcsFileSystemTest, RenameNoReplaceOfADirectoryOntoAnExistingOneCopiesNothing) {
  http_.Expect(Answer("GET", ObjectUrl("src"), 404, NotFoundJson("src")));
  http_.Expect(Answer("GET", ListUrl("src/", true, 1), 200, R"({"items":[{"name":"src/a"}]})"));
  http_.Expect(Answer("GET", ObjectUrl("dst"), 404, NotFoundJson("dst")));
  http_.Expect(Answer("GET", ListUrl("dst/", true, 1), 200, R"({"prefixes":["dst/x/"]})"));
  auto fs = MakeFs();
  Status s = fs->RenameNoReplace("gs://bkt/src", "gs://bkt/dst");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "gs://bkt/dst")) << s.ToString();
  EXPECT_EQ(SeenWithMethod("POST"), 0u);
  EXPECT_EQ(SeenWithMethod("DELETE"), 0u);
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsFileSystemTest, RenameNoReplaceOfADirectoryCopiesEveryObjectThenDeletes) {
  http_.Expect(Answer("GET", ObjectUrl("src"), 404, NotFoundJson("src")));
  http_.Expect(Answer("GET", ListUrl("src/", true, 1), 200, R"({"items":[{"name":"src/"}]})"));
  http_.Expect(Answer("GET", ObjectUrl("dst"), 404, NotFoundJson("dst")));
  http_.Expect(Answer("GET", ListUrl("dst/", true, 1), 200, "{}"));
  // Every object under src/, over two pages.
  http_.Expect(Answer("GET", ListUrl("src/", false), 200,
                      R"({"items":[{"name":"src/"},{"name":"src/a"}],"nextPageToken":"p2"})"));
  http_.Expect(Answer("GET", ListUrl("src/", false) + "&pageToken=p2", 200, R"({"items":[{"name":"src/sub/b"}]})"));
  http_.Expect(Answer("POST", RewriteUrl("src/", "dst/", 0), 200, R"({"done":true})"));
  http_.Expect(Answer("POST", RewriteUrl("src/a", "dst/a", 0), 200, R"({"done":true})"));
  // A large object takes two rounds.
  http_.Expect(Answer("POST", RewriteUrl("src/sub/b", "dst/sub/b", 0), 200, R"({"done":false,"rewriteToken":"r1"})"));
  http_.Expect(Answer("POST", RewriteUrl("src/sub/b", "dst/sub/b", 0) + "&rewriteToken=r1", 200, R"({"done":true})"));
  http_.Expect(Answer("DELETE", ObjectUrl("src/"), 204));
  http_.Expect(Answer("DELETE", ObjectUrl("src/a"), 204));
  http_.Expect(Answer("DELETE", ObjectUrl("src/sub/b"), 404, NotFoundJson("src/sub/b")));  // gone meanwhile
  auto fs = MakeFs();
  Status s = fs->RenameNoReplace("gs://bkt/src", "gs://bkt/dst");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
  // All copies are made before the first delete.
  const auto seen = http_.seen();
  size_t last_copy = 0, first_delete = seen.size();
  for (size_t i = 0; i < seen.size(); ++i) {
    if (seen[i].method == "POST") last_copy = i;
    if (seen[i].method == "DELETE") first_delete = std::min(first_delete, i);
  }
  EXPECT_LT(last_copy, first_delete);
  EXPECT_EQ(SeenWithMethod("POST"), 4u);
  EXPECT_EQ(SeenWithMethod("DELETE"), 3u);
}

TEST_F(GcsFileSystemTest, RenameNoReplaceOfADirectoryStopsBeforeDeletingWhenACopyFails) {
  http_.Expect(Answer("GET", ObjectUrl("src"), 404, NotFoundJson("src")));
  http_.Expect(Answer("GET", ListUrl("src/", true, 1), 200, R"({"items":[{"name":"src/a"}]})"));
  http_.Expect(Answer("GET", ObjectUrl("dst"), 404, NotFoundJson("dst")));
  http_.Expect(Answer("GET", ListUrl("dst/", true, 1), 200, "{}"));
  http_.Expect(Answer("GET", ListUrl("src/", false), 200, R"({"items":[{"name":"src/a"},{"name":"src/b"}]})"));
  http_.Expect(Answer("POST", RewriteUrl("src/a", "dst/a", 0), 200, R"({"done":true})"));
  // Another writer created dst/b meanwhile.
  http_.Expect(Answer("POST", RewriteUrl("src/b", "dst/b", 0), 412, ErrorJson(412, "pre-conditions did not hold")));
  auto fs = MakeFs();
  Status s = fs->RenameNoReplace("gs://bkt/src", "gs://bkt/dst");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "gs://bkt/dst/b")) << s.ToString();
  EXPECT_EQ(SeenWithMethod("DELETE"), 0u);  // the source stays whole
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsFileSystemTest, RenameNoReplaceOfAFileLosingTheRaceKeepsTheSource) {
  http_.Expect(Answer("GET", ObjectUrl("f"), 200, R"({"name":"f","size":"3"})"));
  http_.Expect(Answer("GET", ObjectUrl("g"), 404, NotFoundJson("g")));
  http_.Expect(Answer("GET", ListUrl("g/", true, 1), 200, "{}"));
  http_.Expect(Answer("POST", RewriteUrl("f", "g", 0), 412, ErrorJson(412, "pre-conditions did not hold")));
  auto fs = MakeFs();
  Status s = fs->RenameNoReplace("gs://bkt/f", "gs://bkt/g");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_EQ(SeenWithMethod("DELETE"), 0u);
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsFileSystemTest, RenameOfAFileReplacesWithoutPrecondition) {
  http_.Expect(Answer("GET", ObjectUrl("f"), 200, R"({"name":"f","size":"3"})"));
  http_.Expect(Answer("POST", RewriteUrl("f", "g", std::nullopt), 200, R"({"done":true})"));
  http_.Expect(Answer("DELETE", ObjectUrl("f"), 204));
  auto fs = MakeFs();
  Status s = fs->Rename("gs://bkt/f", "gs://bkt/g");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsFileSystemTest, RenameOfNothingIsNotFound) {
  http_.Expect(Answer("GET", ObjectUrl("nope"), 404, NotFoundJson("nope")));
  http_.Expect(Answer("GET", ListUrl("nope/", true, 1), 200, "{}"));
  auto fs = MakeFs();
  Status s = fs->RenameNoReplace("gs://bkt/nope", "gs://bkt/dst");
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
}

// ---- Deletion -----------------------------------------------------------------------

TEST_F(GcsFileSystemTest, DeleteRecursivelyRefusesABucketRoot) {
  auto fs = MakeFs();
  for (const char* uri : {"gs://bkt", "gs://bkt/", "gs://bkt//"}) {
    Status s = fs->DeleteRecursively(uri);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << uri << ": " << s.ToString();
  }
  EXPECT_TRUE(http_.seen().empty());
}

TEST_F(GcsFileSystemTest, DeleteRecursivelyToleratesObjectsVanishingMeanwhile) {
  http_.Expect(Answer("DELETE", ObjectUrl("dir"), 404, NotFoundJson("dir")));  // no object named "dir"
  http_.Expect(Answer("GET", ListUrl("dir/", false), 200,
                      R"({"items":[{"name":"dir/"},{"name":"dir/a"},{"name":"dir/b/c"}]})"));
  http_.Expect(Answer("DELETE", ObjectUrl("dir/"), 204));
  http_.Expect(Answer("DELETE", ObjectUrl("dir/a"), 404, NotFoundJson("dir/a")));
  http_.Expect(Answer("DELETE", ObjectUrl("dir/b/c"), 204));
  auto fs = MakeFs();
  Status s = fs->DeleteRecursively("gs://bkt/dir");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);
}

TEST_F(GcsFileSystemTest, DeleteRecursivelyOfNothingIsOk) {
  http_.Expect(Answer("DELETE", ObjectUrl("dir"), 404, NotFoundJson("dir")));
  http_.Expect(Answer("GET", ListUrl("dir/", false), 200, "{}"));
  auto fs = MakeFs();
  Status s = fs->DeleteRecursively("gs://bkt/dir");
  ASSERT_TRUE(s.ok()) << s.ToString();
}

TEST_F(GcsFileSystemTest, DeleteRecursivelyReportsOtherErrors) {
  http_.Expect(Answer("GET", ListUrl("dir/", false), 200, R"({"items":[{"name":"dir/a"},{"name":"dir/b"}]})"));
  http_.Expect(Answer("DELETE", ObjectUrl("dir/a"), 204));
  http_.Expect(Answer("DELETE", ObjectUrl("dir/b"), 403, ErrorJson(403, "no storage.objects.delete access")));
  auto fs = MakeFs();
  Status s = fs->DeleteRecursively("gs://bkt/dir/");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "gs://bkt/dir/b")) << s.ToString();
  EXPECT_EQ(http_.pending(), 0u);  // the other deletes still ran
}

TEST_F(GcsFileSystemTest, DeleteFileOfAMissingObjectIsNotFound) {
  http_.Expect(Answer("DELETE", ObjectUrl("f"), 404, NotFoundJson("f")));
  auto fs = MakeFs();
  EXPECT_EQ(fs->DeleteFile("gs://bkt/f").code(), StatusCode::kNotFound);
}

// ---- The lazily made client ----------------------------------------------------------

TEST_F(GcsFileSystemTest, ClientIsMadeOnceOnFirstUse) {
  http_.Expect(Answer("GET", MediaUrl("a"), 200, "A"));
  http_.Expect(Answer("GET", MediaUrl("b"), 200, "B"));
  auto fs = MakeFs();
  EXPECT_EQ(factory_calls_.load(), 0);
  EXPECT_TRUE(fs->ReadFileToString("gs://bkt/a").ok());
  EXPECT_TRUE(fs->ReadFileToString("gs://bkt/b").ok());
  EXPECT_EQ(factory_calls_.load(), 1);
  EXPECT_FALSE(fs->HasAtomicDirectoryRename());
}

TEST_F(GcsFileSystemTest, ClientFactoryErrorIsTheErrorOfEveryOperation) {
  std::atomic<int> calls{0};
  const Status error = InvalidArgumentError("credentials key file /k.json: not JSON");
  GcsFileSystem fs(
      [&]() -> Result<std::shared_ptr<GcsClient>> {
        ++calls;
        return error;
      },
      GcsFileSystemOptions{});
  const std::string p = "gs://bkt/dir/file";
  std::vector<Status> results = {
      fs.Stat(p).status(),
      fs.ListDir(p).status(),
      fs.CreateDirs(p),
      fs.DeleteFile(p),
      fs.DeleteRecursively(p),
      fs.RenameNoReplace(p, "gs://bkt/other"),
      fs.Rename(p, "gs://bkt/other"),
      fs.NewRandomAccessFile(p).status(),
      fs.NewWritableFile(p).status(),
      fs.CreateExclusive(p, "x"),
      fs.ReadFileToString(p).status(),
      fs.WriteStringToFile(p, "x"),
  };
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].code(), error.code()) << i << ": " << results[i].ToString();
    EXPECT_EQ(results[i].message(), error.message()) << i;
  }
  EXPECT_EQ(calls.load(), 1);  // the error is kept, not made again
  EXPECT_TRUE(http_.seen().empty());
}

}  // namespace
}  // namespace tfhub::gcs
