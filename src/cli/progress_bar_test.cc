#include "cli/progress_bar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tfhub::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;
using std::chrono::milliseconds;
using std::chrono::seconds;

DownloadProgress Report(uint64_t received, std::optional<uint64_t> total, uint64_t files = 0) {
  DownloadProgress p;
  p.handle = "https://example.com/m.tar.gz";
  p.bytes_received = received;
  p.total_bytes = total;
  p.files_extracted = files;
  return p;
}

TEST(FormatBytesTest, DecimalUnitsWithOneDecimal) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(999), "999 B");
  EXPECT_EQ(FormatBytes(1000), "1.0 kB");
  EXPECT_EQ(FormatBytes(123'456'789), "123.5 MB");
  EXPECT_EQ(FormatBytes(1'000'000'000), "1.0 GB");
  EXPECT_EQ(FormatBytes(999'960), "1.0 MB");  // not "1000.0 kB"
  EXPECT_EQ(FormatBytes(UINT64_MAX), "18.4 EB");
}

TEST(FormatDurationTest, MinutesSecondsAndHours) {
  EXPECT_EQ(FormatDuration(seconds(0)), "0:00");
  EXPECT_EQ(FormatDuration(seconds(12)), "0:12");
  EXPECT_EQ(FormatDuration(seconds(754)), "12:34");
  EXPECT_EQ(FormatDuration(seconds(3723)), "1:02:03");
  EXPECT_EQ(FormatDuration(seconds(-5)), "0:00");
}

TEST(RenderProgressLineTest, KnownTotalShowsBarRateEtaAndFiles) {
  const std::string line = RenderProgressLine(Report(123'400'000, 1'000'000'000, 1234), 45'600'000.0, 100);
  EXPECT_EQ(line, "  123.4 MB / 1.0 GB  [===>                          ]  45.6 MB/s  ETA 0:20  1234 files");
}

TEST(RenderProgressLineTest, UnknownTotalShowsBytesRateAndFilesOnly) {
  const std::string line = RenderProgressLine(Report(5'000'000, std::nullopt, 1), 1'000'000.0, 100);
  EXPECT_EQ(line, "  5.0 MB  1.0 MB/s  1 file");
}

TEST(RenderProgressLineTest, NoRateYetMeansNoRateAndNoEta) {
  const std::string line = RenderProgressLine(Report(0, 2000, 0), std::nullopt, 80);
  EXPECT_THAT(line, StartsWith("  0 B / 2.0 kB  [>"));
  EXPECT_THAT(line, EndsWith("]  0 files"));
  EXPECT_THAT(line, Not(HasSubstr("/s")));
  EXPECT_THAT(line, Not(HasSubstr("ETA")));
}

TEST(RenderProgressLineTest, CompleteBarIsFull) {
  const std::string line = RenderProgressLine(Report(2000, 2000, 3), 1000.0, 80);
  EXPECT_THAT(line, HasSubstr("[==========")) << line;
  EXPECT_THAT(line, HasSubstr("=]")) << line;
  EXPECT_THAT(line, HasSubstr("ETA 0:00"));
}

TEST(RenderProgressLineTest, StalledRateHasNoEstimate) {
  EXPECT_THAT(RenderProgressLine(Report(10, 2000), 0.0, 80), HasSubstr("0 B/s  ETA --:--"));
  EXPECT_THAT(RenderProgressLine(Report(10, 1'000'000'000'000), 1.0, 80), HasSubstr("ETA --:--"));
}

TEST(RenderProgressLineTest, NeverWiderThanTheTerminalMinusOne) {
  const auto report = Report(123'400'000, 1'000'000'000, 1234);
  for (int width : {1, 10, 40, 60, 70, 80, 200}) {
    const std::string line = RenderProgressLine(report, 45'600'000.0, width);
    EXPECT_LE(line.size(), static_cast<size_t>(std::max(0, width - 1))) << width;
  }
  // A narrow terminal drops the bar before anything else.
  const std::string narrow = RenderProgressLine(report, 45'600'000.0, 60);
  EXPECT_THAT(narrow, Not(HasSubstr("[")));
  EXPECT_THAT(narrow, HasSubstr("1234 files"));
  // A wide one caps it at 30 cells.
  const std::string wide = RenderProgressLine(report, 45'600'000.0, 200);
  EXPECT_EQ(wide.find(']') - wide.find('['), 31u) << wide;
}

class ProgressBarTest : public ::testing::Test {
 protected:
  ProgressBarTest() : bar_([this](std::string_view s) { writes_.emplace_back(s); }) {}
  ProgressBar::Clock::time_point At(milliseconds ms) const { return t0_ + ms; }

  std::vector<std::string> writes_;
  ProgressBar bar_;
  const ProgressBar::Clock::time_point t0_ = ProgressBar::Clock::now();
};

TEST_F(ProgressBarTest, DrawsInPlaceAndThrottlesRedraws) {
  bar_.Update(Report(0, 1000), At(milliseconds(0)));
  ASSERT_THAT(writes_, SizeIs(1));
  EXPECT_THAT(writes_[0], StartsWith("\r  0 B / 1.0 kB"));
  EXPECT_THAT(writes_[0], EndsWith("\033[K"));
  EXPECT_TRUE(bar_.drawn());
  bar_.Update(Report(100, 1000), At(milliseconds(50)));  // too soon
  EXPECT_THAT(writes_, SizeIs(1));
  bar_.Update(Report(200, 1000), At(milliseconds(100)));
  ASSERT_THAT(writes_, SizeIs(2));
  EXPECT_THAT(writes_[1], StartsWith("\r  200 B / 1.0 kB"));
  EXPECT_THAT(writes_[1], Not(HasSubstr("\n")));
}

TEST_F(ProgressBarTest, FinishedClearsTheLine) {
  bar_.Update(Report(500, 1000), At(milliseconds(0)));
  auto done = Report(1000, 1000);
  done.finished = true;
  bar_.Update(done, At(milliseconds(10)));  // not throttled
  EXPECT_THAT(writes_, ElementsAre(StartsWith("\r"), "\r\033[K"));
  EXPECT_FALSE(bar_.drawn());
  bar_.Clear();  // nothing drawn: nothing written
  EXPECT_THAT(writes_, SizeIs(2));
}

TEST_F(ProgressBarTest, ClearWithoutDrawingWritesNothing) {
  bar_.Clear();
  auto done = Report(0, std::nullopt);
  done.finished = true;
  bar_.Update(done, At(milliseconds(0)));
  EXPECT_THAT(writes_, IsEmpty());
}

TEST_F(ProgressBarTest, RateIsAveragedOverTheWindow) {
  EXPECT_EQ(bar_.rate(), std::nullopt);
  // 1 MB/s for four seconds, reported ten times a second.
  for (int i = 0; i <= 40; ++i) bar_.Update(Report(i * 100'000ull, 10'000'000), At(milliseconds(i * 100)));
  ASSERT_TRUE(bar_.rate().has_value());
  EXPECT_NEAR(*bar_.rate(), 1'000'000.0, 1.0);
  EXPECT_THAT(writes_.back(), HasSubstr("1.0 MB/s  ETA 0:06"));
  // Then 3 MB/s: after the window has passed, only the new pace counts.
  for (int i = 1; i <= 40; ++i) {
    bar_.Update(Report(4'000'000 + i * 300'000ull, 20'000'000), At(milliseconds(4000 + i * 100)));
  }
  EXPECT_NEAR(*bar_.rate(), 3'000'000.0, 1.0);
}

TEST_F(ProgressBarTest, RateNeedsAFifthOfASecondOfSamples) {
  bar_.Update(Report(0, 1000), At(milliseconds(0)));
  bar_.Update(Report(100, 1000), At(milliseconds(100)));
  EXPECT_EQ(bar_.rate(), std::nullopt);
  bar_.Update(Report(200, 1000), At(milliseconds(200)));
  ASSERT_TRUE(bar_.rate().has_value());
  EXPECT_NEAR(*bar_.rate(), 1000.0, 0.01);
}

TEST_F(ProgressBarTest, StartingOverForgetsTheRate) {
  for (int i = 0; i <= 5; ++i) bar_.Update(Report(i * 1000ull, 100'000), At(milliseconds(i * 100)));
  ASSERT_TRUE(bar_.rate().has_value());
  bar_.Update(Report(0, 100'000), At(milliseconds(600)));  // the body starts over
  EXPECT_EQ(bar_.rate(), std::nullopt);
}

}  // namespace
}  // namespace tfhub::cli
