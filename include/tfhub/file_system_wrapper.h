// io::FileSystemWrapper — forwards every FileSystem call to a target, so a
// decorator (read counting, fault injection, retries) overrides only what it
// changes. LevelDB's EnvWrapper, for io::FileSystem. The optional methods
// are forwarded too, so the target's answers come through, never
// FileSystem's Unimplemented defaults.
//
// Errors: whatever the target returns; the wrapper adds none.
//
// Ownership: the wrapper borrows `target` (it does not delete it); the target
// must outlive the wrapper and every file opened through it.
//
// Thread safety: as the target.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfhub/file_system.h"

namespace tfhub::io {

class FileSystemWrapper : public FileSystem {
 public:
  explicit FileSystemWrapper(FileSystem* target) : target_(target) {}

  FileSystem* target() const { return target_; }

  Result<FileInfo> Stat(const std::string& p) override { return target_->Stat(p); }
  Result<std::vector<std::string>> ListDir(const std::string& p) override { return target_->ListDir(p); }
  Status CreateDirs(const std::string& p) override { return target_->CreateDirs(p); }
  Status DeleteFile(const std::string& p) override { return target_->DeleteFile(p); }
  Status DeleteRecursively(const std::string& p) override { return target_->DeleteRecursively(p); }
  Status RenameNoReplace(const std::string& a, const std::string& b) override {
    return target_->RenameNoReplace(a, b);
  }
  Status Rename(const std::string& a, const std::string& b) override { return target_->Rename(a, b); }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& p) override {
    return target_->NewRandomAccessFile(p);
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p) override {
    return target_->NewWritableFile(p);
  }
  Status CreateExclusive(const std::string& p, std::string_view c) override {
    return target_->CreateExclusive(p, c);
  }
  Result<std::string> ReadFileToString(const std::string& p, uint64_t max_bytes = kNoLimit) override {
    return target_->ReadFileToString(p, max_bytes);
  }
  Result<std::vector<TreeEntry>> ListTree(const std::string& p) override { return target_->ListTree(p); }
  Status ReadStream(const std::string& p, StreamSink& sink) override { return target_->ReadStream(p, sink); }
  bool HasAtomicDirectoryRename() const override { return target_->HasAtomicDirectoryRename(); }
  bool RequestsAreBilled() const override { return target_->RequestsAreBilled(); }
  Result<std::unique_ptr<FileSystem>> OpenDirectory(const std::string& p) override {
    return target_->OpenDirectory(p);
  }
  Status SetAccessTime(const std::string& p, std::chrono::system_clock::time_point t) override {
    return target_->SetAccessTime(p, t);
  }

 private:
  FileSystem* target_;
};

}  // namespace tfhub::io
