#include "cache/wait_schedule.h"

#include <gtest/gtest.h>

namespace tfhub::cache {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kNoCap{3'600'000};

LockProgress Record(uint64_t done, uint64_t total, uint64_t rate) {
  LockProgress p;
  p.done = done;
  p.total = total;
  p.rate = rate;
  return p;
}

// Within ±20 % (the default jitter) of `ms`.
void ExpectAround(milliseconds got, double ms) {
  EXPECT_GE(got.count(), static_cast<int64_t>(ms * 0.8) - 1);
  EXPECT_LE(got.count(), static_cast<int64_t>(ms * 1.2) + 1);
}

TEST(WaitScheduleTest, FarFromTheEndLooksAfterMostOfTheEstimate) {
  WaitSchedule s({}, 1);
  ExpectAround(s.Next(Record(3000, 15000, 1000), false, kNoCap), 0.7 * 12000);
  // A long download: capped at far_max.
  ExpectAround(s.Next(Record(0, 1'000'000, 1000), false, kNoCap), 30000);
}

TEST(WaitScheduleTest, NearTheEndLooksOftenThenBacksOff) {
  WaitSchedule s({}, 1);
  ExpectAround(s.Next(Record(14000, 15000, 1000), false, kNoCap), 400);
  ExpectAround(s.Next(Record(14500, 15000, 1000), false, kNoCap), 400 * 1.3);
  ExpectAround(s.Next(std::nullopt, /*record_gone=*/true, kNoCap), 400 * 1.3 * 1.3);
  for (int i = 0; i < 20; ++i) s.Next(std::nullopt, true, kNoCap);
  ExpectAround(s.Next(std::nullopt, true, kNoCap), 4000);  // near_max
  // Far again (a new estimate): the near backoff starts over next time.
  s.Next(Record(0, 15000, 1000), false, kNoCap);
  ExpectAround(s.Next(Record(14000, 15000, 1000), false, kNoCap), 400);
}

TEST(WaitScheduleTest, BlindLooksGrowToPythonsInterval) {
  WaitSchedule s({}, 1);
  ExpectAround(s.Next(std::nullopt, false, kNoCap), 1000);
  ExpectAround(s.Next(std::nullopt, false, kNoCap), 1500);
  ExpectAround(s.Next(Record(10, 15000, 0), false, kNoCap), 2250);  // no rate yet: blind
  for (int i = 0; i < 10; ++i) s.Next(std::nullopt, false, kNoCap);
  ExpectAround(s.Next(std::nullopt, false, kNoCap), 5000);
}

TEST(WaitScheduleTest, JitterSpreadsWaitersAndTheCapHolds) {
  WaitSchedule a({}, 1), b({}, 2);
  int differ = 0;
  for (int i = 0; i < 10; ++i) {
    differ += a.Next(Record(0, 100000, 1000), false, kNoCap) != b.Next(Record(0, 100000, 1000), false, kNoCap);
  }
  EXPECT_GE(differ, 8);
  EXPECT_EQ(a.Next(Record(0, 100000, 1000), false, milliseconds(250)), milliseconds(250));
}

}  // namespace
}  // namespace tfhub::cache
