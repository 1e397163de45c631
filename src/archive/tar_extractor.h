// archive::ExtractTar — walks a tar stream with libarchive and turns its
// members into safe extraction steps.
//
// Only regular files and directories pass. Member names go through
// NormalizeMemberName(); symlinks, hard links, devices and FIFOs fail with
// the reference's "Unexpected object type in tar archive: b'<type>'". Names
// are checked before types, as tensorflow_hub does.
//
// The input may be plain tar or compressed with anything libarchive's
// filters recognise (bzip2, xz, ...); gzip is normally inflated before it
// reaches here (see streaming_extractor.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tfhub/result.h"

namespace tfhub::archive {

// Pull-style input: each call returns the next block of the stream, empty at
// the end. A block stays valid until the next call.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual Result<std::string_view> Next() = 0;
};

// Receives the members in archive order. Paths are normalised and relative
// to the extraction root; a non-OK return stops the walk with that status.
class EntrySink {
 public:
  virtual ~EntrySink() = default;
  virtual Status Directory(const std::string& path) = 0;
  virtual Status BeginFile(const std::string& path) = 0;
  virtual Status FileData(std::string_view data) = 0;
  virtual Status EndFile() = 0;
};

struct ExtractLimits {
  uint64_t max_members = 10'000'000;
  uint64_t max_bytes = uint64_t{1} << 40;  // 1 TiB of extracted data
};

struct TarStats {
  uint64_t members = 0;
  uint64_t files = 0;
  uint64_t bytes = 0;
};

// Walks the whole archive. Errors: InvalidArgument "not a tar archive: ..."
// when the stream does not start with a tar (or compressed tar) header (and
// *not_an_archive, if given, is set to true);
// InvalidArgument for refused members (names, types) and for an archive
// with no members; DataLoss for a damaged or truncated archive;
// ResourceExhausted when a limit is hit; the source's or sink's own errors.
Result<TarStats> ExtractTar(ByteSource& source, EntrySink& sink, bool detect_compression,
                            const ExtractLimits& limits = {}, bool* not_an_archive = nullptr);

}  // namespace tfhub::archive
