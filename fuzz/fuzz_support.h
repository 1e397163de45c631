// Shared helpers for the libFuzzer targets in fuzz/ (not part of the library).
//
//  * FUZZ_CHECK(cond, msg): an invariant; prints and aborts (libFuzzer then
//    saves the input as crash-*).
//  * AddFile(fs, path, content): a file put into an io::MemoryFileSystem
//    (src/io/memory_file_system.h, the library's own), directories and all;
//    the SavedModel / tensor bundle targets read their inputs from there.
//  * Sections: splits an input into length-prefixed pieces
//    ([u32 little-endian length][bytes]...), the layout the multi-file
//    targets use; the last piece may be short (the length is clamped).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "io/memory_file_system.h"
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

// Puts `content` at `path` of `fs` (an io::MemoryFileSystem), making the
// directories on the way.
inline void AddFile(io::FileSystem& fs, const std::string& path, std::string_view content) {
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos) {
    const Status dirs = fs.CreateDirs(path.substr(0, slash));
    FUZZ_CHECK(dirs.ok(), dirs.ToString());
  }
  const Status written = fs.WriteStringToFile(path, content);
  FUZZ_CHECK(written.ok(), written.ToString());
}

}  // namespace tfhub::fuzz
