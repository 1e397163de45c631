// AtomicDownload on a billed backend (FileSystem::RequestsAreBilled(), as
// gs://): what waiting costs in requests, how soon a waiter returns after
// the holder, takeover, cancellation, and the holder's progress record.
// The cache is a MemoryFileSystem marked billed; the holder is a script of
// events on a clock that advances only when the waiter sleeps, and every
// call the waiter makes is counted with its time.
#include <functional>
#include <map>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cache/atomic_download.h"
#include "cache/lock_file.h"
#include "cache/lock_progress.h"
#include "io/memory_file_system.h"
#include "io/subtree_file_system.h"
#include "tfhub/file_system_wrapper.h"

namespace tfhub::cache {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::UnorderedElementsAre;

// A clock whose time moves only when someone sleeps on it; events scheduled
// at a time run (in order) as soon as a sleep reaches it.
class ScriptClock final : public base::Clock {
 public:
  TimePoint Now() override { return now_; }
  // Runs the events due meanwhile, in order; a sleep ends at the event
  // that cancels it (a real one ends within 50 ms).
  bool SleepUnlessCancelled(milliseconds d, const std::atomic<bool>* cancel) override {
    if (base::IsCancelled(cancel)) return false;
    const TimePoint end = now_ + d;
    while (!events_.empty() && events_.begin()->first <= end) {
      now_ = std::max(now_, events_.begin()->first);
      auto event = std::move(events_.begin()->second);
      events_.erase(events_.begin());
      event();
      if (base::IsCancelled(cancel)) return false;
    }
    now_ = end;
    return true;
  }
  // Seconds since the start.
  double Elapsed() const { return std::chrono::duration<double>(now_ - start_).count(); }
  void At(double second, std::function<void()> event) {
    events_.emplace(start_ + std::chrono::duration_cast<milliseconds>(std::chrono::duration<double>(second)),
                    std::move(event));
  }

 private:
  const TimePoint start_{std::chrono::hours(1)};
  TimePoint now_ = start_;
  std::multimap<TimePoint, std::function<void()>> events_;
};

// Counts every call (a request, on a real object store) with its time.
class CountingFileSystem final : public io::FileSystemWrapper {
 public:
  CountingFileSystem(io::FileSystem* base, ScriptClock* clock) : io::FileSystemWrapper(base), clock_(clock) {}

  std::vector<double> times;  // of every call, seconds since the start

  Result<io::FileInfo> Stat(const std::string& p) override { return Count(), target()->Stat(p); }
  Result<std::vector<std::string>> ListDir(const std::string& p) override { return Count(), target()->ListDir(p); }
  Status CreateDirs(const std::string& p) override { return Count(), target()->CreateDirs(p); }
  Status DeleteFile(const std::string& p) override { return Count(), target()->DeleteFile(p); }
  Status DeleteRecursively(const std::string& p) override { return Count(), target()->DeleteRecursively(p); }
  Status RenameNoReplace(const std::string& a, const std::string& b) override {
    return Count(), target()->RenameNoReplace(a, b);
  }
  Status Rename(const std::string& a, const std::string& b) override { return Count(), target()->Rename(a, b); }
  Result<std::unique_ptr<io::WritableFile>> NewWritableFile(const std::string& p) override {
    return Count(), target()->NewWritableFile(p);
  }
  Status CreateExclusive(const std::string& p, std::string_view c) override {
    return Count(), target()->CreateExclusive(p, c);
  }
  Result<std::string> ReadFileToString(const std::string& p, uint64_t max_bytes) override {
    return Count(), target()->ReadFileToString(p, max_bytes);
  }
  Result<std::vector<io::TreeEntry>> ListTree(const std::string& p) override {
    return Count(), target()->ListTree(p);
  }
  // Rooted views count too.
  Result<std::unique_ptr<io::FileSystem>> OpenDirectory(const std::string& p) override {
    return std::unique_ptr<io::FileSystem>(new io::SubtreeFileSystem(this, p));
  }

  // Calls made in [from, to) seconds.
  size_t Between(double from, double to) const {
    size_t n = 0;
    for (double t : times) n += t >= from && t < to;
    return n;
  }

 private:
  void Count() { times.push_back(clock_->Elapsed()); }
  ScriptClock* clock_;
};

constexpr const char* kHandle = "https://example.com/m/1";
const std::string kHolderUid(32, 'b');

class BilledWaitTest : public ::testing::Test {
 protected:
  BilledWaitTest() : names_(EntryNames::ForHandle(kHandle)) {
    options_.lock_timeout = seconds(600);
    options_.log = [](std::string_view) {};
    options_.clock = &clock_;
    options_.jitter_seed = 42;
    memory_->CreateDirs("cache").IgnoreError();
    registry_.Register("mem", counting_);
    auto dir = CacheDir::Open("mem://cache", /*create=*/false, registry_, options_.log);
    EXPECT_TRUE(dir.ok()) << dir.status().ToString();
    cache_.emplace(std::move(*dir));
  }

  // The holder's moves, on the memory filesystem directly (not counted).
  std::string In(const std::string& name) const { return "cache/" + name; }
  void HolderTakesLock() {
    ASSERT_TRUE(memory_->CreateExclusive(In(names_.lock()), LockContents("otherhost", 4242, kHolderUid)).ok());
    ASSERT_TRUE(memory_->CreateDirs(In(names_.temp_dir(kHolderUid))).ok());
  }
  void HolderPublishes(uint64_t done, uint64_t total, uint64_t rate, bool installing = false) {
    LockProgress p;
    p.done = done;
    p.total = total;
    p.rate = rate;
    p.seq = ++seq_;
    p.installing = installing;
    ASSERT_TRUE(memory_->WriteStringToFile(In(names_.progress(kHolderUid)), FormatLockProgress(p)).ok());
  }
  void HolderFinishes() {
    ASSERT_TRUE(memory_->WriteStringToFile(In(names_.temp_dir(kHolderUid) + "/saved_model.pb"), "pb").ok());
    ASSERT_TRUE(memory_->RenameNoReplace(In(names_.temp_dir(kHolderUid)), In(names_.module())).ok());
    memory_->DeleteFile(In(names_.progress(kHolderUid))).IgnoreError();  // a Python holder has none
    ASSERT_TRUE(memory_->DeleteFile(In(names_.lock())).ok());
    finished_at_ = clock_.Elapsed();
  }
  // A holder downloading `total` bytes at `rate` bytes/s from time 0,
  // publishing as ProgressPublisher does (the first record after 0.3 s,
  // without a rate, the next 1 s later, then every 2 s),
  // then installing for `install` s.
  void ScriptDownload(uint64_t total, uint64_t rate, double install = 0.5) {
    HolderTakesLock();
    const double seconds_needed = static_cast<double>(total) / static_cast<double>(rate);
    for (double t = 0.3; t < seconds_needed; t += t == 0.3 ? 1 : 2) {
      const bool first = t == 0.3;
      clock_.At(t, [=, this] { HolderPublishes(static_cast<uint64_t>(t * rate), total, first ? 0 : rate); });
    }
    clock_.At(seconds_needed, [=, this] { HolderPublishes(total, total, rate, /*installing=*/true); });
    clock_.At(seconds_needed + install, [this] { HolderFinishes(); });
  }

  Result<std::string> Wait() {
    auto r = AtomicDownload(
        *cache_, kHandle,
        [this](io::FileSystem& temp, const ProgressFn&) -> Result<DownloadRecord> {
          ++downloads_;
          TFHUB_RETURN_IF_ERROR(temp.WriteStringToFile("saved_model.pb", "pb"));
          DownloadRecord record;
          record.sizes["saved_model.pb"] = 2;
          record.bytes = 2;
          return record;
        },
        options_);
    returned_at_ = clock_.Elapsed();
    return r;
  }

  std::vector<std::string> CacheNames() { return *memory_->ListDir("cache"); }

  ScriptClock clock_;
  std::shared_ptr<io::MemoryFileSystem> memory_ = std::make_shared<io::MemoryFileSystem>(/*requests_are_billed=*/true);
  std::shared_ptr<CountingFileSystem> counting_ = std::make_shared<CountingFileSystem>(memory_.get(), &clock_);
  io::FileSystemRegistry registry_;
  EntryNames names_;
  std::optional<CacheDir> cache_;
  AtomicDownloadOptions options_;
  uint64_t seq_ = 0;
  int downloads_ = 0;
  double finished_at_ = -1, returned_at_ = -1;
};

// The goal: a 15 s download, a waiter that costs at most 0.25
// requests per second in the steady part of the wait and returns within 2 s
// of the holder (Python: 0.2 per second, up to 5 s late).
class FifteenSecondDownloadTest : public BilledWaitTest, public ::testing::WithParamInterface<uint64_t> {};

TEST_P(FifteenSecondDownloadTest, CostsFewRequestsAndTheWaiterReturnsPromptly) {
  options_.jitter_seed = GetParam();
  ScriptDownload(15'000'000, 1'000'000);
  auto r = Wait();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "mem://cache/" + names_.module());
  EXPECT_EQ(downloads_, 0);
  EXPECT_GE(returned_at_, finished_at_);
  EXPECT_LE(returned_at_ - finished_at_, 2.0);
  const double steady = static_cast<double>(counting_->Between(3, 14)) / 11.0;
  EXPECT_LE(steady, 0.25) << counting_->Between(3, 14) << " requests in [3 s, 14 s): "
                          << ::testing::PrintToString(counting_->times);
  EXPECT_LE(counting_->times.size(), 20u);
  EXPECT_THAT(CacheNames(), UnorderedElementsAre(names_.module()));
}

INSTANTIATE_TEST_SUITE_P(Seeds, FifteenSecondDownloadTest, ::testing::Values(1, 2, 3, 42, 1000, 77777));

// Longer downloads cost less per second: looks scale with the estimate.
TEST_F(BilledWaitTest, LongDownloadCostsFewerRequestsPerSecondAndIsNeverTakenOver) {
  ScriptDownload(2'000'000'000, 1'000'000);  // 2,000 s, far beyond the lock timeout
  auto r = Wait();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(downloads_, 0);  // the holder kept publishing: never taken over
  EXPECT_LE(returned_at_ - finished_at_, 2.0);
  EXPECT_LE(static_cast<double>(counting_->Between(10, 1990)) / 1980.0, 0.05);
}

TEST_F(BilledWaitTest, SilentHolderIsTakenOverAfterTheLockTimeout) {
  HolderTakesLock();
  clock_.At(0.3, [this] { HolderPublishes(1000, 15'000'000, 0); });  // then nothing: dead
  auto r = Wait();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(downloads_, 1);
  EXPECT_GE(returned_at_, 600.0);
  EXPECT_LE(returned_at_, 640.0);
  // The holder's lock, temp dir and progress record are gone.
  EXPECT_THAT(CacheNames(), UnorderedElementsAre(names_.module(), names_.descriptor()));
  // About one look per 5 s while nothing changes, as Python's waiter.
  EXPECT_LE(static_cast<double>(counting_->times.size()) / returned_at_, 1.0);
}

TEST_F(BilledWaitTest, PythonHolderWithoutARecordIsWaitedForAtPythonsRate) {
  HolderTakesLock();
  clock_.At(60, [this] { HolderFinishes(); });
  auto r = Wait();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(downloads_, 0);
  EXPECT_LE(returned_at_ - finished_at_, 6.5);
  // A look reads the (missing) record and the lock; the temp dir is walked
  // at most every 5 s.
  EXPECT_LE(static_cast<double>(counting_->Between(10, 60)) / 50.0, 1.0);
}

TEST_F(BilledWaitTest, InterruptedWaiterLeavesNothingBehind) {
  std::atomic<bool> cancel{false};
  options_.cancel = &cancel;
  ScriptDownload(15'000'000, 1'000'000);
  clock_.At(5, [&cancel] { cancel = true; });
  auto r = Wait();
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_LE(returned_at_, 6.0);
  EXPECT_EQ(downloads_, 0);
  // Only the holder's entries.
  EXPECT_THAT(CacheNames(), UnorderedElementsAre(names_.lock(), names_.temp_dir(kHolderUid),
                                                 names_.progress(kHolderUid)));
}

TEST_F(BilledWaitTest, HolderPublishesItsProgressAndRemovesItBeforeTheLock) {
  std::vector<std::string> seen;
  auto r = AtomicDownload(
      *cache_, kHandle,
      [&](io::FileSystem& temp, const ProgressFn& progress) -> Result<DownloadRecord> {
        for (uint64_t done = 0; done <= 10'000; done += 1000) {
          progress(done, 10'000);
          clock_.SleepUnlessCancelled(milliseconds(500), nullptr);
        }
        for (const auto& name : CacheNames()) {
          if (ParseName(name).kind == NameKind::kProgress) {
            seen.push_back(*memory_->ReadFileToString(In(name)));
          }
        }
        TFHUB_RETURN_IF_ERROR(temp.WriteStringToFile("saved_model.pb", "pb"));
        DownloadRecord rec;
        rec.sizes["saved_model.pb"] = 2;
        rec.bytes = 2;
        return rec;
      },
      options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(seen.size(), 1u);
  auto record = ParseLockProgress(seen[0]);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->total, 10'000u);
  EXPECT_EQ(record->done, 10'000u);  // written at 0 s, 1 s, 3 s, 5 s
  EXPECT_EQ(record->rate, 2000u);
  EXPECT_EQ(record->seq, 4u);
  EXPECT_THAT(CacheNames(), UnorderedElementsAre(names_.module(), names_.descriptor()));
}

}  // namespace
}  // namespace tfhub::cache
