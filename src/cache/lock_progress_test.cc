#include "cache/lock_progress.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "io/memory_file_system.h"

namespace tfhub::cache {
namespace {

using std::chrono::milliseconds;

TEST(LockProgressTest, FormatsAndParsesBack) {
  LockProgress p;
  p.done = 1234;
  p.total = 99999;
  p.rate = 1000;
  p.seq = 7;
  const std::string text = FormatLockProgress(p);
  EXPECT_EQ(text, "tfhub-lock-progress 1\ndone 1234\ntotal 99999\nrate 1000\nseq 7\nphase download\n");
  auto back = ParseLockProgress(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->done, 1234u);
  EXPECT_EQ(back->total, 99999u);
  EXPECT_EQ(back->rate, 1000u);
  EXPECT_EQ(back->seq, 7u);
  EXPECT_FALSE(back->installing);
  p.installing = true;
  EXPECT_TRUE(ParseLockProgress(FormatLockProgress(p))->installing);
}

TEST(LockProgressTest, AnythingElseIsIgnored) {
  for (const char* text :
       {"", "tfhub-lock-progress 1\n", "host.1.0123\n", "tfhub-lock-progress 2\ndone 1\ntotal 2\nrate 3\nseq 4\nphase download\n",
        "tfhub-lock-progress 1\ndone -1\ntotal 2\nrate 3\nseq 4\nphase download\n",
        "tfhub-lock-progress 1\ndone 1\ntotal 2\nrate 3\nseq 4\nphase download",  // no final newline
        "tfhub-lock-progress 1\ndone 1\ntotal 2\nrate 3\nseq 4\nphase done\n",
        "tfhub-lock-progress 1\ndone 99999999999999999999\ntotal 2\nrate 3\nseq 4\nphase download\n",
        "tfhub-lock-progress 1\ntotal 2\ndone 1\nrate 3\nseq 4\nphase download\n"}) {
    EXPECT_FALSE(ParseLockProgress(text).has_value()) << text;
  }
}

TEST(LockProgressTest, RemainingTimeFromBytesAndRate) {
  LockProgress p;
  p.done = 3000;
  p.total = 15000;
  p.rate = 1000;
  EXPECT_EQ(EstimatedRemaining(p), milliseconds(12000));
  p.rate = 0;
  EXPECT_FALSE(EstimatedRemaining(p).has_value());
  p.rate = 1000;
  p.total = 0;
  EXPECT_FALSE(EstimatedRemaining(p).has_value());
  p.total = 15000;
  p.installing = true;
  EXPECT_EQ(EstimatedRemaining(p), milliseconds(0));
}

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.Register("mem", billed_);
    registry_.Register("plain", plain_);
  }
  CacheDir Open(const std::string& uri) {
    auto dir = CacheDir::Open(uri, /*create=*/true, registry_, [](std::string_view) {});
    EXPECT_TRUE(dir.ok()) << dir.status().ToString();
    return std::move(*dir);
  }
  std::shared_ptr<io::MemoryFileSystem> billed_ = std::make_shared<io::MemoryFileSystem>(true);
  std::shared_ptr<io::MemoryFileSystem> plain_ = std::make_shared<io::MemoryFileSystem>();
  io::FileSystemRegistry registry_;
  base::FakeClock clock_;
  EntryNames names_ = EntryNames::ForHandle("https://example.com/m/1");
  const std::string uid_ = std::string(32, 'a');
};

TEST_F(PublisherTest, WritesAtMostEveryIntervalWithTheRateThenDeletes) {
  CacheDir dir = Open("mem://cache");
  const std::string name = names_.progress(uid_);
  {
    ProgressPublisher publisher(dir, names_, uid_, clock_, milliseconds(2000));
    publisher.Report(100, 10000);  // the first report is written at once
    EXPECT_EQ(publisher.writes(), 1u);
    auto first = ParseLockProgress(*dir.fs().ReadFileToString(name));
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->done, 100u);
    EXPECT_EQ(first->rate, 0u);  // not known yet
    for (int i = 1; i <= 10; ++i) {  // 500 bytes per 500 ms: 1000 B/s
      clock_.Advance(milliseconds(500));
      publisher.Report(100 + 500 * i, 10000);
    }
    EXPECT_EQ(publisher.writes(), 4u);  // at 1 s (half the interval), 3 s and 5 s, not at every report
    auto later = ParseLockProgress(*dir.fs().ReadFileToString(name));
    ASSERT_TRUE(later.has_value());
    EXPECT_EQ(later->done, 5100u);
    EXPECT_EQ(later->rate, 1000u);
    EXPECT_EQ(later->seq, 4u);
    publisher.Installing();
    EXPECT_TRUE(ParseLockProgress(*dir.fs().ReadFileToString(name))->installing);
  }
  EXPECT_EQ(dir.fs().Stat(name)->type, io::FileType::kNotFound);  // deleted
}

TEST_F(PublisherTest, WritesNothingWhereRequestsAreNotBilled) {
  CacheDir dir = Open("plain://cache");
  ProgressPublisher publisher(dir, names_, uid_, clock_, milliseconds(2000));
  publisher.Report(100, 10000);
  publisher.Installing();
  EXPECT_EQ(publisher.writes(), 0u);
  EXPECT_TRUE(dir.fs().ListDir("")->empty());
}

}  // namespace
}  // namespace tfhub::cache
