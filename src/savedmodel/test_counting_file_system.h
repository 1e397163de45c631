// Test support (header-only, tests only): a FileSystem wrapper that records
// every positional read, to prove which bytes an operation fetches.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "tfhub/file_system.h"
#include "tfhub/file_system_wrapper.h"

namespace tfhub::savedmodel::testing {

struct ReadRecord {
  std::string path;
  uint64_t offset;
  size_t n;
};

class CountingFileSystem final : public io::FileSystemWrapper {
 public:
  explicit CountingFileSystem(io::FileSystem* base) : io::FileSystemWrapper(base) {}

  std::vector<ReadRecord> reads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reads_;
  }
  uint64_t bytes_read() const {
    uint64_t total = 0;
    for (const auto& r : reads()) total += r.n;
    return total;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    reads_.clear();
  }

  Result<std::string> ReadFileToString(const std::string& p, uint64_t max_bytes = kNoLimit) override {
    auto r = target()->ReadFileToString(p, max_bytes);
    if (r.ok()) Record(p, 0, r->size());
    return r;
  }
  Result<std::unique_ptr<io::RandomAccessFile>> NewRandomAccessFile(const std::string& p) override {
    TFHUB_ASSIGN_OR_RETURN(auto file, target()->NewRandomAccessFile(p));
    return std::unique_ptr<io::RandomAccessFile>(new File(this, p, std::move(file)));
  }

 private:
  class File final : public io::RandomAccessFile {
   public:
    File(CountingFileSystem* fs, std::string path, std::unique_ptr<io::RandomAccessFile> base)
        : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}
    uint64_t Size() const override { return base_->Size(); }
    Result<std::string_view> ReadAt(uint64_t offset, size_t n, char* scratch) const override {
      fs_->Record(path_, offset, n);
      return base_->ReadAt(offset, n, scratch);
    }

   private:
    CountingFileSystem* fs_;
    std::string path_;
    std::unique_ptr<io::RandomAccessFile> base_;
  };

  void Record(const std::string& path, uint64_t offset, size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    reads_.push_back({path, offset, n});
  }

  mutable std::mutex mu_;
  std::vector<ReadRecord> reads_;
};

}  // namespace tfhub::savedmodel::testing
