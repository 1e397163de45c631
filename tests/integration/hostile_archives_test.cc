// The hostile-archive campaign: archives built by the test, served over
// HTTP, resolved into a cache inside a fenced directory. Each is refused with
// a clear error and nothing is written outside the (removed) temp dir — or,
// for the merely unusual ones, extracted exactly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/archive_builder.h"
#include "testing/fake_http_server.h"
#include "testing/temp_dir.h"
#include "tfhub/resolve.h"

namespace tfhub::itest {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class HostileArchivesTest : public ::testing::Test {
 protected:
  HostileArchivesTest() {
    options_.cache_dir = fence_.Sub("cache");
    options_.max_attempts = 1;
    options_.log = [](std::string_view) {};
  }

  Result<std::string> Serve(const std::string& bytes) {
    server_.SetRoute("/a.tar.gz", test::FakeResponse::Ok(bytes));
    return resolve(server_.url("/a.tar.gz"), options_);
  }

  // Refused with a message starting `message`; nothing left anywhere.
  void ExpectRefused(const std::string& bytes, const std::string& message, StatusCode code) {
    auto path = Serve(bytes);
    ASSERT_FALSE(path.ok()) << message;
    EXPECT_EQ(path.status().code(), code) << path.status().ToString();
    EXPECT_THAT(path.status().message(), HasSubstr(message));
    EXPECT_THAT(test::ListDir(options_.cache_dir), IsEmpty()) << message;
    EXPECT_THAT(test::ListDir(fence_.path()), ElementsAre("cache")) << message;
  }

  test::FakeHttpServer server_;
  test::TempDir fence_{"tfhub_fence"};
  ResolveOptions options_;
};

TEST_F(HostileArchivesTest, EscapingNamesInAllSpellings) {
  for (const char* name : {"../x", "/../x", "a/../../x", "./../x", "//../x", "a/b/../../../x", "..", "/..",
                           "../", "..foo"}) {
    test::ArchiveWriter w(true);
    w.AddFile("ok", "fine");
    w.AddFile(name, "escaped");
    ExpectRefused(w.Finish(), std::string("Relative path '") + name + "' is invalid.", StatusCode::kInvalidArgument);
  }
}

TEST_F(HostileArchivesTest, AbsoluteNamesLandInsideTheModule) {
  test::ArchiveWriter w(true);
  w.AddFile("/etc/passwd", "not really");
  w.AddFile("//tmp/x", "x");
  auto path = Serve(w.Finish());
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_THAT(test::ListTree(*path), ElementsAre("etc/", "etc/passwd", "tmp/", "tmp/x"));
}

TEST_F(HostileArchivesTest, SymlinkThenAFileWrittenThroughIt) {
  test::ArchiveWriter w(true);
  w.AddSymlink("evil", fence_.path());
  w.AddFile("evil/pwned", "gotcha");
  ExpectRefused(w.Finish(), "Unexpected object type in tar archive: b'2'", StatusCode::kInvalidArgument);
  EXPECT_FALSE(test::PathExists(fence_.Sub("pwned")));
}

TEST_F(HostileArchivesTest, LinksDevicesAndFifos) {
  const std::vector<std::pair<std::function<void(test::ArchiveWriter&)>, std::string>> cases = {
      {[](auto& w) { w.AddFile("t", "x"); w.AddHardlink("h", "t"); }, "b'1'"},
      {[](auto& w) { w.AddHardlink("h", "/etc/shadow"); }, "b'1'"},
      {[](auto& w) { w.AddCharDevice("null"); }, "b'3'"},
      {[](auto& w) { w.AddBlockDevice("sda"); }, "b'4'"},
      {[](auto& w) { w.AddFifo("pipe"); }, "b'6'"},
  };
  for (const auto& [add, type] : cases) {
    test::ArchiveWriter w(true);
    add(w);
    ExpectRefused(w.Finish(), "Unexpected object type in tar archive: " + type, StatusCode::kInvalidArgument);
  }
}

TEST_F(HostileArchivesTest, ControlCharactersInNames) {
  for (const std::string& name : {std::string("a\nb"), std::string("tab\there"), std::string("esc\x1b[31m")}) {
    test::ArchiveWriter w(true);
    w.AddFile(name, "x");
    ExpectRefused(w.Finish(), "control characters", StatusCode::kInvalidArgument);
  }
  // A pax path record with a NUL inside: the name is cut at the NUL or
  // refused, never used to write outside.
  test::ArchiveWriter w(true);
  test::TarEntry e;
  e.name = "short";
  e.content = "x";
  e.pax_records.emplace_back("path", std::string("ok\0/../../x", 11));
  w.AddEntry(e);
  auto path = Serve(w.Finish());
  if (path.ok()) {
    EXPECT_THAT(test::ListTree(*path), ElementsAre("ok"));
  }
  EXPECT_THAT(test::ListDir(fence_.path()), ElementsAre("cache"));
}

TEST_F(HostileArchivesTest, VeryLongNamesPaxAndGnu) {
  const std::string deep = std::string(120, 'd') + "/" + std::string(120, 'e') + "/" + std::string(200, 'f');
  for (auto format : {test::TarFormat::kPax, test::TarFormat::kGnu}) {
    test::ArchiveWriter w(true, format);
    w.AddFile(deep, "long");
    auto path = Serve(w.Finish());
    ASSERT_TRUE(path.ok()) << path.status().ToString();
    EXPECT_EQ(test::ReadFileToString(*path + "/" + deep), "long");
    test::RemoveTree(options_.cache_dir);
  }
}

TEST_F(HostileArchivesTest, HugeDeclaredSize) {
  test::ArchiveWriter w(true);
  test::TarEntry e;
  e.name = "huge";
  e.content = "tiny";
  e.declared_size = uint64_t{8000000000};  // ~8 GB claimed, 4 bytes present
  w.AddEntry(e);
  auto path = Serve(w.Finish());
  ASSERT_FALSE(path.ok());
  EXPECT_THAT(test::ListDir(options_.cache_dir), IsEmpty());
}

TEST_F(HostileArchivesTest, TruncatedGzipAndTrailingGarbage) {
  test::ArchiveWriter w(true);
  w.AddFile("a", std::string(100000, 'a'));
  const std::string gz = w.Finish();
  ExpectRefused(gz.substr(0, gz.size() - 20), "truncated", StatusCode::kDataLoss);
  ExpectRefused(gz + "this is not gzip", "trailing garbage", StatusCode::kDataLoss);
}

TEST_F(HostileArchivesTest, GzipBombOverTheCap) {
  test::ArchiveWriter w(true);
  w.AddFile("zeros", std::string(64 << 20, '\0'));  // 64 MiB of zeros: ~64 KiB gzipped
  options_.max_extracted_bytes = 16 << 20;
  ExpectRefused(w.Finish(), "bytes (the limit)", StatusCode::kResourceExhausted);
}

TEST_F(HostileArchivesTest, TooManyMembers) {
  test::ArchiveWriter w(true);
  for (int i = 0; i < 100; ++i) w.AddFile("f" + std::to_string(i), "");
  options_.max_members = 50;
  ExpectRefused(w.Finish(), "members (the limit)", StatusCode::kResourceExhausted);
}

TEST_F(HostileArchivesTest, DuplicateNamesLastWins) {
  test::ArchiveWriter w(true);
  w.AddFile("a", "first");
  w.AddFile("a", "second");
  auto path = Serve(w.Finish());
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(test::ReadFileToString(*path + "/a"), "second");
}

TEST_F(HostileArchivesTest, NotArchives) {
  test::ArchiveWriter empty(true);
  ExpectRefused(empty.Finish(), "empty", StatusCode::kInvalidArgument);
  // A zip file (local file header magic) and an HTML page.
  ExpectRefused(std::string("PK\x03\x04", 4) + std::string(200, '\0'), "does not appear to be a valid module.",
                StatusCode::kInvalidArgument);
  ExpectRefused("<!doctype html><html>Sign in</html>", "does not appear to be a valid module.",
                StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tfhub::itest
