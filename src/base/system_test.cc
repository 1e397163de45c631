#include "base/system.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace tfhub::base {
namespace {

TEST(AvailableCpusTest, CountsTheCpusOfTheAffinityMask) {
  const size_t all = AvailableCpus();
  EXPECT_GE(all, 1u);
  // On a thread pinned to one CPU (as `taskset -c 0` or a one-CPU cpuset
  // would pin the process), one.
  size_t pinned = 0;
  bool set = false;
  std::thread t([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    cpu_set_t mine;
    CPU_ZERO(&mine);
    ASSERT_EQ(sched_getaffinity(0, sizeof(mine), &mine), 0);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &mine)) {
        CPU_SET(cpu, &one);
        break;
      }
    }
    set = sched_setaffinity(0, sizeof(one), &one) == 0;
    pinned = AvailableCpus();
  });
  t.join();
  ASSERT_TRUE(set);
  EXPECT_EQ(pinned, 1u);
  EXPECT_EQ(AvailableCpus(), all);  // this thread's mask is untouched
}

}  // namespace
}  // namespace tfhub::base
