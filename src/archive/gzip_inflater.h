// archive::GzipInflater — incremental gzip decoding with ISA-L (igzip).
//
// Accepts the input in arbitrary pieces; handles multi-member streams
// (concatenated gzip files, as `cat a.gz b.gz` makes); verifies each
// member's CRC-32 and length trailer.
//
// Thread safety: one thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "tfhub/status.h"

namespace tfhub::archive {

class GzipInflater {
 public:
  GzipInflater();
  ~GzipInflater();
  GzipInflater(const GzipInflater&) = delete;
  GzipInflater& operator=(const GzipInflater&) = delete;

  // True if `prefix` starts with the gzip magic bytes 1f 8b.
  static bool LooksLikeGzip(std::string_view prefix);

  // Decodes from `*input` (advanced past what was consumed) into
  // out[0..out_size), setting *produced. Consumes all of *input unless the
  // output fills up (partial headers and trailers are kept inside). Errors: DataLoss for a corrupt stream, a
  // checksum mismatch, or bytes after a member that do not start another
  // member ("trailing garbage").
  Status Inflate(std::string_view* input, char* out, size_t out_size, size_t* produced);

  // True when every member begun so far has been completely decoded and
  // checked (so end of input here means a complete stream).
  bool AtMemberBoundary() const { return at_boundary_; }

  // Continues a stream whose first member(s) were decoded elsewhere (the
  // parallel decoder): what follows must start another member, or is
  // trailing garbage.
  void ContinueAfterMember() {
    at_boundary_ = true;
    started_ = true;
  }

 private:
  struct State;
  std::unique_ptr<State> state_;
  bool at_boundary_ = true;
  bool started_ = false;
};

}  // namespace tfhub::archive
