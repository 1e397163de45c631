// gcs::GcsFileSystem — io::FileSystem for gs://bucket/object URIs on the
// Cloud Storage JSON API (GcsClient), with TensorFlow's conventions for
// directories, so that Python (tf.io.gfile) and tfhub see the same tree:
//  * a directory is a prefix: gs://b/d is a directory when an object named
//    "d/" (a placeholder, written by CreateDirs) or any object under "d/"
//    exists;
//  * CreateDirs writes the "d/" placeholder (one request; parents are
//    implied, as Cloud Storage has no real directories);
//  * renaming a directory copies every object server-side (rewrite) and then
//    deletes the originals. That is NOT atomic: HasAtomicDirectoryRename()
//    is false, and the cache protocol then writes the descriptor last, as
//    the marker of a complete module.
//  * CreateExclusive is an upload with ifGenerationMatch=0 (412 ->
//    AlreadyExists), preceded by an existence check for services that
//    ignore preconditions; a 412 on an object holding exactly our content is
//    our own retried create and counts as success.
//  * Reads are ranged GETs pinned to the generation seen at open; a large
//    ReadAt is split into parts fetched in parallel on one event loop (the
//    downloads' part scheduler, net::FetchParts); a generation gone
//    meanwhile is DataLoss.
//  * Every call is a billed, rate-limited request: RequestsAreBilled().
//  * Writes are buffered: one simple upload up to simple_upload_limit at
//    Close(). A larger file is a parallel composite upload: its parts of
//    composite_part bytes go up as they fill, in the background, as
//    temporary objects "<name>.tfhub-part-<token>-<i>" (several at once,
//    at most upload_parts_in_flight for the whole file system: that many
//    part buffers are all the memory it takes); Close() uploads the last,
//    composes them into <name> (objects.compose, 32 sources a request, in
//    stages for more), checks that the object's CRC32C is the combination
//    of the parts' (each part's checked against the service's on upload),
//    and deletes the parts. A part that fails fails Close(), and <name> is
//    then not created and the parts are deleted. With composite_uploads
//    off: a resumable upload in chunks of upload_chunk (Cloud Storage's
//    protocol; the firebase emulator commits every PUT, so there only a
//    single chunk works: see testing/gcs-emulator/README.md).
//
// The client is created on first use by `make_client` (so registering the
// backend costs nothing, and a configuration error — a malformed key file —
// surfaces as the error of the first gs:// operation, every time).
//
// Thread safety: safe for concurrent use (WritableFile: one thread).
#pragma once

#include <condition_variable>
#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "gcs/gcs_client.h"
#include "net/parallel_get.h"
#include "tfhub/file_system.h"

namespace tfhub::gcs {

struct GcsFileSystemOptions {
  size_t simple_upload_limit = 8 << 20;      // bytes sent in one request
  size_t upload_chunk = 8 << 20;             // resumable chunks (a multiple of 256 KiB)
  bool composite_uploads = true;             // larger files: parts composed (else resumable)
  size_t composite_part = 16 << 20;          // bytes of each part
  int upload_parts_in_flight = 8;            // part buffers uploading at once, in all
  std::function<std::string()> part_token;   // tests: the token in part names (else random)
  size_t parallel_read_threshold = 8 << 20;  // ReadAt above this is split into parts
  int parallelism = 8;                       // concurrent copies, deletes
  // Parts of a large ReadAt, and of a ReadStream of an object larger than
  // one part: on one event loop (net::FetchParts), stream.connections at
  // once (ReadStream with connections <= 1: one GET).
  net::ParallelGetOptions stream;
};

class GcsFileSystem final : public io::FileSystem {
 public:
  using ClientFactory = std::function<Result<std::shared_ptr<GcsClient>>()>;
  GcsFileSystem(ClientFactory make_client, GcsFileSystemOptions options);

  Result<io::FileInfo> Stat(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Status CreateDirs(const std::string& path) override;
  Status DeleteFile(const std::string& path) override;
  Status DeleteRecursively(const std::string& path) override;
  Status RenameNoReplace(const std::string& from, const std::string& to) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Result<std::unique_ptr<io::RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::unique_ptr<io::WritableFile>> NewWritableFile(const std::string& path) override;
  Status CreateExclusive(const std::string& path, std::string_view content) override;
  Result<std::string> ReadFileToString(const std::string& path, uint64_t max_bytes = kNoLimit) override;
  // One listing without a delimiter (a request per 1,000 objects).
  Result<std::vector<io::TreeEntry>> ListTree(const std::string& dir) override;
  // The object pinned to the generation its metadata names, with the
  // metadata's crc32c/md5 to check. Larger than options.stream.part_bytes:
  // parallel ranged parts on one event loop (net::FetchParts), each part's
  // CRC32C computed as it arrives; a part that finds that generation gone
  // starts the stream over on the live object (twice at most, then
  // DataLoss). Smaller, or stored with a Content-Encoding (Cloud Storage
  // decodes it when serving and then ignores Range): one GET.
  Status ReadStream(const std::string& path, io::StreamSink& sink) override;
  bool HasAtomicDirectoryRename() const override { return false; }
  bool RequestsAreBilled() const override { return true; }

 private:
  Result<GcsClient*> Client();
  Status RenameImpl(const std::string& from, const std::string& to, bool no_replace);

  ClientFactory make_client_;
  GcsFileSystemOptions options_;
 public:
  // The budget of part buffers in flight (composite uploads), shared by all
  // of this file system's files.
  class PartBudget {
   public:
    explicit PartBudget(int n) : free_(std::max(1, n)) {}
    void Acquire() {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return free_ > 0; });
      --free_;
    }
    void Release() {
      {
        std::lock_guard lock(mu_);
        ++free_;
      }
      cv_.notify_one();
    }

   private:
    std::mutex mu_;
    std::condition_variable cv_;
    int free_;
  };

 private:
  std::shared_ptr<PartBudget> part_budget_;
  std::mutex mu_;
  std::optional<Result<std::shared_ptr<GcsClient>>> client_;
};

}  // namespace tfhub::gcs
