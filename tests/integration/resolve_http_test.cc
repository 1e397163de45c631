// tfhub::resolve against a real nginx serving archives made by GNU tar.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/sha1.h"
#include "served_models.h"
#include "testing/archive_builder.h"
#include "testing/fake_http_server.h"
#include "testing/temp_dir.h"
#include "tfhub/resolve.h"

namespace tfhub::itest {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class ResolveHttpTest : public ::testing::Test {
 protected:
  ResolveHttpTest() : served_(ServedModels::Get()) {
    options_.cache_dir = cache_.path();
    options_.log = [this](std::string_view line) { log_.emplace_back(line); };
    served_.nginx().ClearAccessLog();
  }

  std::string ModulePath(const std::string& handle) const {
    return cache_.path() + "/" + base::Sha1Hex(handle);
  }
  std::vector<std::string> CacheEntries() const { return test::ListDir(cache_.path()); }
  // The access log once it holds at least `n` lines (nginx may log a
  // request just after the client has its last byte).
  std::vector<std::string> Requests(size_t n = 0) const {
    if (n > 0) {
      EXPECT_TRUE(served_.nginx().WaitForAccessLogLines(n));
    }
    return served_.nginx().AccessLog();
  }

  ServedModels& served_;
  test::TempDir cache_{"tfhub_cache"};
  ResolveOptions options_;
  std::vector<std::string> log_;
};

TEST_F(ResolveHttpTest, EveryBundledModelRoundTripsAsTarGzAndTar) {
  for (const auto& name : ServedModels::ModelNames()) {
    for (const std::string ext : {".tar.gz", ".tar"}) {
      const std::string handle = served_.url("/models/" + name + ext);
      auto path = resolve(handle, options_);
      ASSERT_TRUE(path.ok()) << handle << ": " << path.status().ToString();
      EXPECT_EQ(*path, ModulePath(handle));
      EXPECT_EQ(TreeWithContents(*path), TreeWithContents(ServedModels::ModelDir(name))) << handle;
    }
  }
  // Exactly one module dir and one descriptor per handle: no locks, no temp dirs.
  const auto entries = CacheEntries();
  EXPECT_EQ(entries.size(), 4 * ServedModels::ModelNames().size());
  for (const auto& e : entries) {
    EXPECT_TRUE(e.size() == 40 || e.substr(40) == ".descriptor.txt") << e;
  }
}

TEST_F(ResolveHttpTest, RequestAppendsTheFormatQueryAndKeepsExistingOnes) {
  const std::string handle = served_.url("/models/tfjs_times_two_int.tar.gz?foo=bar");
  ASSERT_TRUE(resolve(handle, options_).ok());
  // One request: it asks for the first part (a Range), which is all of this small archive.
  EXPECT_THAT(Requests(1), ElementsAre(HasSubstr(
                               "GET /models/tfjs_times_two_int.tar.gz?foo=bar&tf-hub-format=compressed 206")));
  // The cache key is the handle exactly as given, query and all.
  EXPECT_TRUE(test::PathExists(ModulePath(handle)));
}

TEST_F(ResolveHttpTest, SmartUrlServesTheArchiveOnlyWithTheFormatQuery) {
  const std::string handle = served_.url("/smart/tf2_half_plus_two_cpu");
  auto path = resolve(handle, options_);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(TreeWithContents(*path), TreeWithContents(ServedModels::ModelDir("tf2_half_plus_two_cpu")));
}

TEST_F(ResolveHttpTest, RedirectIsFollowedAndTheDescriptorNamesTheHandle) {
  const std::string handle = served_.url("/redirect/tf1_counter");
  auto path = resolve(handle, options_);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, ModulePath(handle));
  EXPECT_THAT(Requests(2), ElementsAre(HasSubstr("GET /redirect/tf1_counter?tf-hub-format=compressed 301"),
                                      HasSubstr("GET /models/tf1_counter.tar.gz?tf-hub-format=compressed 206")));
  const std::string d = test::ReadFileToString(*path + ".descriptor.txt");
  EXPECT_THAT(d, StartsWith("Module: " + handle + "\n"));
}

TEST_F(ResolveHttpTest, SecondResolveIsAHitWithoutRequestOrWrite) {
  const std::string handle = served_.url("/models/tfjs_times_three_float.tar.gz");
  auto first = resolve(handle, options_);
  ASSERT_TRUE(first.ok());
  struct stat before, after;
  ASSERT_EQ(stat((*first + "/saved_model.pb").c_str(), &before), 0);
  const auto requests = Requests(1).size();
  auto second = resolve(handle, options_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *first);
  EXPECT_EQ(Requests().size(), requests);
  ASSERT_EQ(stat((*first + "/saved_model.pb").c_str(), &after), 0);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_EQ(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
}

TEST_F(ResolveHttpTest, EmptyModuleDirIsNotAHit) {
  const std::string handle = served_.url("/models/tfjs_int64_multiply.tar.gz");
  test::MakeDirs(ModulePath(handle));
  auto path = resolve(handle, options_);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(Requests(1).size(), 1u);
  EXPECT_TRUE(test::PathExists(*path + "/saved_model.pb"));
}

TEST_F(ResolveHttpTest, NotFoundNamesHandleUrlAndStatus) {
  const std::string handle = served_.url("/models/missing.tar.gz");
  auto path = resolve(handle, options_);
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(path.status().message(),
              AllOf(HasSubstr(handle), HasSubstr(handle + "?tf-hub-format=compressed"),
                    HasSubstr("HTTP Error 404: Not Found")));
  EXPECT_THAT(CacheEntries(), IsEmpty());
}

TEST_F(ResolveHttpTest, HtmlPageIsNotAValidModule) {
  const std::string handle = served_.url("/bad/page.tar.gz");
  auto path = resolve(handle, options_);
  ASSERT_FALSE(path.ok());
  EXPECT_THAT(path.status().message(), StartsWith(handle + " does not appear to be a valid module."));
  EXPECT_THAT(CacheEntries(), IsEmpty());
}

TEST_F(ResolveHttpTest, HostileArchivesAreRefusedAndNothingEscapes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"symlink", "Unexpected object type in tar archive: b'2'"},
      {"dotdot", "Relative path '../../escaped' is invalid."},
      {"hardlink", "Unexpected object type in tar archive: b'1'"},
  };
  test::TempDir outer;
  options_.cache_dir = outer.Sub("a/b/cache");
  for (const auto& [name, message] : cases) {
    const std::string handle = served_.url("/hostile/" + name + ".tar.gz");
    auto path = resolve(handle, options_);
    ASSERT_FALSE(path.ok()) << name;
    EXPECT_THAT(path.status().message(), AllOf(StartsWith(message), HasSubstr(handle))) << name;
    EXPECT_THAT(test::ListDir(options_.cache_dir), IsEmpty()) << name;
  }
  EXPECT_THAT(test::ListTree(outer.path()), ElementsAre("a/", "a/b/", "a/b/cache/"));
}

TEST_F(ResolveHttpTest, ProgressLinesGoToTheLog) {
  options_.log_progress = true;
  const std::string handle = served_.url("/models/tf1_half_plus_two_cpu.tar.gz");
  ASSERT_TRUE(resolve(handle, options_).ok());
  EXPECT_THAT(log_, Contains(AllOf(StartsWith("Downloaded " + handle + ", Total size: "), HasSubstr("kB"))));
}

// What nginx cannot do: a connection that breaks mid-body, a body shorter
// than its Content-Length.
class BrokenServerTest : public ResolveHttpTest {
 protected:
  BrokenServerTest() { options_.retry_initial_backoff = std::chrono::milliseconds(1); }
  static std::string ModelArchive() {
    test::ArchiveWriter w(true);
    std::string big(1 << 20, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
    w.AddFile("saved_model.pb", "pb");
    w.AddFile("variables/variables.data-00000-of-00001", big);
    return w.Finish();
  }
  test::FakeHttpServer server_;
};

TEST_F(BrokenServerTest, BodyCutMidwayLeavesNoModule) {
  test::FakeResponse r = test::FakeResponse::Ok(ModelArchive());
  r.cut_after_bytes = r.body.size() / 2;
  server_.SetRoute("/m.tar.gz", r);
  const std::string handle = server_.url("/m.tar.gz");
  auto path = resolve(handle, options_);
  ASSERT_FALSE(path.ok());
  EXPECT_THAT(path.status().message(), HasSubstr(handle));
  EXPECT_THAT(CacheEntries(), IsEmpty());
}

TEST_F(BrokenServerTest, ShortBodyWithoutContentLengthIsCaughtByGzip) {
  test::FakeResponse r = test::FakeResponse::Ok(ModelArchive());
  r.body.resize(r.body.size() - 100);  // ends before the gzip trailer
  r.omit_content_length = true;
  server_.SetRoute("/m.tar.gz", r);
  auto path = resolve(server_.url("/m.tar.gz"), options_);
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), StatusCode::kDataLoss) << path.status().ToString();
  EXPECT_THAT(CacheEntries(), IsEmpty());
}

TEST_F(BrokenServerTest, ServerErrorNamesStatusAndReason) {
  server_.SetRoute("/m.tar.gz", test::FakeResponse::Status(503, "Try Later"));
  options_.max_attempts = 1;
  auto path = resolve(server_.url("/m.tar.gz"), options_);
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(path.status().message(), HasSubstr("HTTP Error 503: Try Later"));
  EXPECT_THAT(CacheEntries(), IsEmpty());
}

TEST_F(BrokenServerTest, HttpProxyIsHonoured) {
  // The fake server plays the proxy: it gets the absolute URL.
  server_.SetHandler([](const test::FakeRequest&) { return test::FakeResponse::Ok(ModelArchive()); });
  setenv("http_proxy", server_.base_url().c_str(), 1);
  auto path = resolve("http://models.example/m.tar.gz", options_);
  unsetenv("http_proxy");
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  ASSERT_EQ(server_.Requests().size(), 1u);
  EXPECT_EQ(server_.Requests()[0].target, "http://models.example/m.tar.gz?tf-hub-format=compressed");
}

}  // namespace
}  // namespace tfhub::itest
