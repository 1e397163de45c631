// Shared helpers for the libFuzzer targets in fuzz/ (not part of the library).
//
//  * FUZZ_CHECK(cond, msg): an invariant; prints and aborts (libFuzzer then
//    saves the input as crash-*).
//  * MemoryFileSystem: an io::FileSystem over an in-memory map, read-only
//    enough for the SavedModel / tensor bundle readers. A path is a file if
//    it is a key, a directory if some key starts with "<path>/".
//  * Sections: splits an input into length-prefixed pieces
//    ([u32 little-endian length][bytes]...), the layout the multi-file
//    targets use; the last piece may be short (the length is clamped).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfhub/file_system.h"

#define FUZZ_CHECK(cond, msg)                                                          \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  %s\n", __FILE__, __LINE__, \
                   #cond, std::string(msg).c_str());                                   \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

namespace tfhub::fuzz {

// TFHUB_FUZZ_VERBOSE=1: targets print each input's outcome (for checking
// seeds and reproducing crashes; far too slow for fuzzing).
inline bool Verbose() {
  static const bool verbose = [] {
    const char* v = std::getenv("TFHUB_FUZZ_VERBOSE");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return verbose;
}

inline void Log(const std::string& what) {
  if (Verbose()) std::fprintf(stderr, "[fuzz] %s\n", what.c_str());
}

// Reads a u32 LE length then that many bytes (clamped to what is left).
// Returns false when `in` is empty.
inline bool NextSection(std::string_view* in, std::string_view* out) {
  if (in->empty()) return false;
  uint32_t len = 0;
  const size_t hdr = std::min<size_t>(4, in->size());
  for (size_t i = 0; i < hdr; ++i) len |= static_cast<uint32_t>(static_cast<unsigned char>((*in)[i])) << (8 * i);
  in->remove_prefix(hdr);
  const size_t n = std::min<size_t>(len, in->size());
  *out = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

class MemoryFileSystem final : public io::FileSystem {
 public:
  void Add(std::string path, std::string_view content) { files_[std::move(path)] = std::string(content); }

  Result<io::FileInfo> Stat(const std::string& path) override {
    io::FileInfo info;
    if (auto it = files_.find(path); it != files_.end()) {
      info.type = io::FileType::kFile;
      info.size = it->second.size();
      return info;
    }
    const std::string dir = path + "/";
    auto it = files_.lower_bound(dir);
    if (it != files_.end() && it->first.compare(0, dir.size(), dir) == 0) info.type = io::FileType::kDirectory;
    return info;
  }
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    const std::string dir = path + "/";
    std::vector<std::string> names;
    for (auto it = files_.lower_bound(dir); it != files_.end() && it->first.compare(0, dir.size(), dir) == 0; ++it) {
      std::string rest = it->first.substr(dir.size());
      rest = rest.substr(0, rest.find('/'));
      if (names.empty() || names.back() != rest) names.push_back(rest);
    }
    return names;
  }
  Status CreateDirs(const std::string&) override { return Unsupported(); }
  Status DeleteFile(const std::string&) override { return Unsupported(); }
  Status DeleteRecursively(const std::string&) override { return Unsupported(); }
  Status RenameNoReplace(const std::string&, const std::string&) override { return Unsupported(); }
  Status Rename(const std::string&, const std::string&) override { return Unsupported(); }
  Result<std::unique_ptr<io::WritableFile>> NewWritableFile(const std::string&) override { return Unsupported(); }
  Status CreateExclusive(const std::string&, std::string_view) override { return Unsupported(); }
  Result<std::string> ReadFileToString(const std::string& path, uint64_t max_bytes = kNoLimit) override {
    auto it = files_.find(path);
    if (it == files_.end()) return NotFoundError(path + " not found");
    if (it->second.size() > max_bytes) return FailedPreconditionError(path + " is too large");
    return it->second;
  }
  Result<std::unique_ptr<io::RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return NotFoundError(path + " not found");
    return std::unique_ptr<io::RandomAccessFile>(new File(path, it->second));
  }

 private:
  static Status Unsupported() { return UnimplementedError("read-only in-memory filesystem"); }

  class File final : public io::RandomAccessFile {
   public:
    // Copies the bytes into an exactly-sized heap buffer so ASan sees any
    // read past the end.
    File(std::string path, const std::string& data)
        : path_(std::move(path)), size_(data.size()), data_(new char[data.size() + 1]) {
      std::memcpy(data_.get(), data.data(), data.size());
    }
    uint64_t Size() const override { return size_; }
    Result<std::string_view> ReadAt(uint64_t offset, size_t n, char* scratch) const override {
      if (offset > size_ || n > size_ - offset) {
        return OutOfRangeError("read of " + std::to_string(n) + " bytes at " + std::to_string(offset) +
                               " past the end of " + path_ + " (" + std::to_string(size_) + " bytes)");
      }
      if (n > 0) std::memcpy(scratch, data_.get() + offset, n);
      return std::string_view(scratch, n);
    }

   private:
    std::string path_;
    uint64_t size_;
    std::unique_ptr<char[]> data_;
  };

  std::map<std::string, std::string> files_;
};

}  // namespace tfhub::fuzz
