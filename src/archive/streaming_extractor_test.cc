#include "archive/streaming_extractor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>

#include "io/local_file_system.h"
#include "testing/archive_builder.h"
#include "testing/random_bytes.h"
#include "testing/temp_dir.h"

namespace tfhub::archive {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class StreamingExtractorTest : public ::testing::Test {
 protected:
  // Pushes `bytes` in pieces of `piece` and finishes.
  Result<ExtractResult> Extract(const std::string& bytes, size_t piece = 1000) {
    StreamingExtractor::Options options;
    options.block_bytes = 4096;  // many blocks even for small archives
    options.input_buffer_bytes = 8192;
    options.output_buffer_bytes = 8192;
    StreamingExtractor ex(&fs_, dest_.path(), options);
    for (size_t pos = 0; pos < bytes.size(); pos += piece) {
      if (!ex.Push(std::string_view(bytes).substr(pos, piece)).ok()) break;
    }
    return ex.Finish();
  }

  io::LocalFileSystem fs_;
  test::TempDir dest_;
};

TEST_F(StreamingExtractorTest, ExtractsGzipAndPlainTar) {
  for (bool gzip : {true, false}) {
    test::TempDir dest;
    test::ArchiveWriter w(gzip);
    w.AddDir("sub/");
    w.AddFile("sub/big.bin", test::RandomBytes(300000, 1));
    w.AddFile("a.txt", "hello");
    w.AddFile("empty", "");
    StreamingExtractor ex(&fs_, dest.path());
    const std::string bytes = w.Finish();
    ASSERT_TRUE(ex.Push(bytes).ok());
    auto r = ex.Finish();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_THAT(test::ListTree(dest.path()), ElementsAre("a.txt", "empty", "sub/", "sub/big.bin"));
    EXPECT_EQ(test::ReadFileToString(dest.Sub("sub/big.bin")), test::RandomBytes(300000, 1));
    EXPECT_EQ(r->files, 3u);
    EXPECT_EQ(r->bytes, 300005u);
    EXPECT_EQ(r->sizes.at("empty"), 0u);
    EXPECT_EQ(r->compressed_bytes, bytes.size());
  }
}

TEST_F(StreamingExtractorTest, SmallPiecesAndTinyBuffers) {
  test::ArchiveWriter w(/*gzip=*/true);
  for (int i = 0; i < 50; ++i) w.AddFile("d" + std::to_string(i % 5) + "/f" + std::to_string(i), test::RandomBytes(i * 997, i));
  auto r = Extract(w.Finish(), 37);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files, 50u);
  EXPECT_EQ(test::ReadFileToString(dest_.Sub("d3/f48")), test::RandomBytes(48 * 997, 48));
}

TEST_F(StreamingExtractorTest, ParallelGzipDecoding) {
  test::ArchiveWriter w(/*gzip=*/true);
  for (int i = 0; i < 40; ++i) {
    std::string body = test::RandomBytes(i * 1499, i);
    body += std::string(i * 300, static_cast<char>('a' + i % 26));  // back-references too
    w.AddFile("d" + std::to_string(i % 4) + "/f" + std::to_string(i), body);
  }
  const std::string bytes = w.Finish();
  for (size_t threads : {2, 3}) {
    test::TempDir dest;
    StreamingExtractor::Options options;
    options.decode_threads = threads;
    options.decode_chunk_bytes = 16 << 10;  // many chunks
    StreamingExtractor ex(&fs_, dest.path(), options);
    for (size_t pos = 0; pos < bytes.size(); pos += 5000) ASSERT_TRUE(ex.Push(std::string_view(bytes).substr(pos, 5000)).ok());
    auto r = ex.Finish();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->files, 40u);
    EXPECT_EQ(test::ReadFileToString(dest.Sub("d3/f39")),
              test::RandomBytes(39 * 1499, 39) + std::string(39 * 300, static_cast<char>('a' + 39 % 26)));
  }
  for (size_t keep : {bytes.size() / 2, bytes.size() - 4}) {  // truncated: the same DataLoss
    test::TempDir dest;
    StreamingExtractor::Options options;
    options.decode_threads = 2;
    options.decode_chunk_bytes = 16 << 10;
    StreamingExtractor ex(&fs_, dest.path(), options);
    (void)ex.Push(std::string_view(bytes).substr(0, keep));
    auto r = ex.Finish();
    ASSERT_FALSE(r.ok()) << keep;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
  }
  {  // destroyed unfinished: cancels and joins the decoder's threads too
    StreamingExtractor::Options options;
    options.decode_threads = 2;
    options.decode_chunk_bytes = 16 << 10;
    StreamingExtractor ex(&fs_, dest_.path(), options);
    ASSERT_TRUE(ex.Push(std::string_view(bytes).substr(0, 100000)).ok());
  }
}

TEST_F(StreamingExtractorTest, CreatesMissingParentsAndNormalisesNames) {
  test::ArchiveWriter w(true);
  w.AddFile("/abs/x.txt", "x");        // leading '/' stripped
  w.AddFile("deep/er/y.txt", "y");     // no directory entries
  w.AddFile("hello/../bla", "b");
  w.AddDir("./");
  auto r = Extract(w.Finish());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(test::ListTree(dest_.path()),
              ElementsAre("abs/", "abs/x.txt", "bla", "deep/", "deep/er/", "deep/er/y.txt"));
}

TEST_F(StreamingExtractorTest, FilesGetDefaultPermissions) {
  test::ArchiveWriter w(true);
  w.AddFile("ro", "x", 0400);
  ASSERT_TRUE(Extract(w.Finish()).ok());
  struct stat st;
  ASSERT_EQ(stat(dest_.Sub("ro").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0600, 0600u);  // 0666 & ~umask, not the member's mode
}

TEST_F(StreamingExtractorTest, DuplicateMembersLastWins) {
  test::ArchiveWriter w(true);
  w.AddFile("a", "first, longer");
  w.AddFile("a", "second");
  auto r = Extract(w.Finish());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(test::ReadFileToString(dest_.Sub("a")), "second");
  EXPECT_EQ(r->files, 1u);
  EXPECT_EQ(r->sizes.at("a"), 6u);
}

struct Refusal {
  std::string what;
  std::function<void(test::ArchiveWriter&)> add;
  std::string message;
};

TEST_F(StreamingExtractorTest, RefusesUnsafeMembersWithReferenceMessages) {
  const std::vector<Refusal> cases = {
      {"dotdot", [](auto& w) { w.AddFile("../x", "x"); }, "Relative path '../x' is invalid."},
      {"nested", [](auto& w) { w.AddFile("a/../../x", "x"); }, "Relative path 'a/../../x' is invalid."},
      {"rootdotdot", [](auto& w) { w.AddDir("/../"); }, "Relative path '/../' is invalid."},
      {"symlink", [](auto& w) { w.AddSymlink("link", "/etc/passwd"); }, "Unexpected object type in tar archive: b'2'"},
      {"hardlink", [](auto& w) { w.AddFile("t", "x"); w.AddHardlink("h", "t"); }, "Unexpected object type in tar archive: b'1'"},
      {"fifo", [](auto& w) { w.AddFifo("p"); }, "Unexpected object type in tar archive: b'6'"},
      {"chardev", [](auto& w) { w.AddCharDevice("c"); }, "Unexpected object type in tar archive: b'3'"},
      {"blockdev", [](auto& w) { w.AddBlockDevice("b"); }, "Unexpected object type in tar archive: b'4'"},
  };
  for (const auto& c : cases) {
    test::TempDir outer;
    const std::string dest = outer.Sub("dest");
    test::MakeDirs(dest);
    test::ArchiveWriter w(true);
    c.add(w);
    w.AddFile("after", "must not be written");
    StreamingExtractor ex(&fs_, dest);
    (void)ex.Push(w.Finish());
    auto r = ex.Finish();
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_EQ(r.status().message(), c.message) << c.what;
    EXPECT_FALSE(test::PathExists(dest + "/after")) << c.what;
    EXPECT_THAT(test::ListDir(outer.path()), ElementsAre("dest")) << c.what;  // nothing escaped
  }
}

TEST_F(StreamingExtractorTest, NotAnArchive) {
  for (const std::string& body : {std::string("<html>not found</html>"), std::string(),
                                 test::Gzip("plain text, not a tar")}) {
    auto r = Extract(body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  }
}

TEST_F(StreamingExtractorTest, EmptyArchiveIsRefused) {
  test::ArchiveWriter w(true);
  auto r = Extract(w.Finish());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("empty"));
}

TEST_F(StreamingExtractorTest, TruncatedGzipIsDataLoss) {
  test::ArchiveWriter w(true);
  w.AddFile("big", test::RandomBytes(200000, 9));
  const std::string bytes = w.Finish();
  for (size_t keep : {bytes.size() / 2, bytes.size() - 4}) {
    test::TempDir dest;
    StreamingExtractor ex(&fs_, dest.path());
    (void)ex.Push(std::string_view(bytes).substr(0, keep));
    auto r = ex.Finish();
    ASSERT_FALSE(r.ok()) << keep;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
  }
}

TEST_F(StreamingExtractorTest, LimitsStopBombs) {
  test::ArchiveWriter w(true);
  w.AddFile("a", std::string(100000, 'a'));
  w.AddFile("b", "b");
  StreamingExtractor::Options options;
  options.limits.max_bytes = 50000;
  {
    test::TempDir dest;
    StreamingExtractor ex(&fs_, dest.path(), options);
    (void)ex.Push(w.Finish());
    auto r = ex.Finish();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  }
  test::ArchiveWriter w2(true);
  w2.AddFile("a", "a");
  w2.AddFile("b", "b");
  options = {};
  options.limits.max_members = 1;
  test::TempDir dest;
  StreamingExtractor ex(&fs_, dest.path(), options);
  (void)ex.Push(w2.Finish());
  EXPECT_EQ(ex.Finish().status().code(), StatusCode::kResourceExhausted);
}

TEST_F(StreamingExtractorTest, WriteErrorsSurface) {
  test::ArchiveWriter w(true);
  w.AddFile("a", "x");
  // The destination is a file, so nothing can be created under it.
  test::WriteStringToFile(dest_.Sub("file"), "x");
  StreamingExtractor ex2(&fs_, dest_.Sub("file"));
  (void)ex2.Push(w.Finish());
  auto r = ex2.Finish();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("file"));
}

TEST_F(StreamingExtractorTest, DestroyingUnfinishedExtractorDoesNotHang) {
  test::ArchiveWriter w(true);
  w.AddFile("a", test::RandomBytes(100000, 3));
  StreamingExtractor ex(&fs_, dest_.path());
  const std::string bytes = w.Finish();
  ASSERT_TRUE(ex.Push(std::string_view(bytes).substr(0, 1000)).ok());
  // ~StreamingExtractor cancels and joins.
}

}  // namespace
}  // namespace tfhub::archive
