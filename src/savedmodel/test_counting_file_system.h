// Test support (header-only, tests only): a FileSystem wrapper that records
// every positional read, to prove which bytes an operation fetches.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "io/file_system.h"

namespace tfhub::savedmodel::testing {

struct ReadRecord {
  std::string path;
  uint64_t offset;
  size_t n;
};

class CountingFileSystem final : public io::FileSystem {
 public:
  explicit CountingFileSystem(io::FileSystem* base) : base_(base) {}

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

  Result<io::FileInfo> Stat(const std::string& p) override { return base_->Stat(p); }
  Result<std::vector<std::string>> ListDir(const std::string& p) override { return base_->ListDir(p); }
  Status CreateDirs(const std::string& p) override { return base_->CreateDirs(p); }
  Status DeleteFile(const std::string& p) override { return base_->DeleteFile(p); }
  Status DeleteRecursively(const std::string& p) override { return base_->DeleteRecursively(p); }
  Status RenameNoReplace(const std::string& a, const std::string& b) override {
    return base_->RenameNoReplace(a, b);
  }
  Status Rename(const std::string& a, const std::string& b) override { return base_->Rename(a, b); }
  Result<std::unique_ptr<io::WritableFile>> NewWritableFile(const std::string& p) override {
    return base_->NewWritableFile(p);
  }
  Status CreateExclusive(const std::string& p, std::string_view c) override {
    return base_->CreateExclusive(p, c);
  }
  Result<std::string> ReadFileToString(const std::string& p) override {
    auto r = base_->ReadFileToString(p);
    if (r.ok()) Record(p, 0, r->size());
    return r;
  }
  Result<std::unique_ptr<io::RandomAccessFile>> NewRandomAccessFile(const std::string& p) override {
    TFHUB_ASSIGN_OR_RETURN(auto file, base_->NewRandomAccessFile(p));
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

  io::FileSystem* base_;
  mutable std::mutex mu_;
  std::vector<ReadRecord> reads_;
};

}  // namespace tfhub::savedmodel::testing
