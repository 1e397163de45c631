// io::FileSystem — the one interface every storage backend implements, keyed
// by URI scheme: local paths and file://, gs:// (Cloud Storage). Public so
// that programs can route reads through their own backend or decorator
// (LoadOptions::file_system, FileSystemRegistry::Register) and use tfhub's
// backends directly.
//
// Paths are URIs or plain local paths, passed whole to the backend that owns
// the scheme: "/tmp/x", "rel/dir", "file:///tmp/x", "gs://bucket/obj",
// "https://host/dir/file" (read-only). A filesystem from OpenDirectory()
// takes relative paths instead ("", "a/b"): see there.
//
// Thread safety: FileSystem implementations are safe for concurrent use.
// A WritableFile is used by one thread at a time.
//
// Errors (never throws): NotFound, AlreadyExists, PermissionDenied (also
// read-only filesystems), FailedPrecondition (wrong type, e.g. a directory
// where a file was expected), ResourceExhausted (no space left),
// Unimplemented (operation not offered by this backend). Messages name the
// path and the cause.
//
// Core and optional methods: a backend must implement Stat(),
// NewRandomAccessFile() and ReadFileToString() (enough to read a
// SavedModel). Every other method has a default: the optional operations
// (listing, creating, writing, deleting, renaming, access times) return
// Unimplemented "Filesystem for '<path>' does not support <Method>()"
// (TensorFlow's words); ListTree() walks ListDir(), OpenDirectory() prefixes
// paths (SubtreeFileSystem). A read-only backend therefore overrides only
// what it answers differently (http(s) refuses writes as PermissionDenied).
// testing/file_system_conformance.h is the suite every backend passes.
//
// Ownership: files from NewRandomAccessFile()/NewWritableFile() belong to the
// caller and must be destroyed before the FileSystem that made them. A
// FileSystem* from FileSystemRegistry::ForUri() is borrowed from the
// registry: valid until its scheme is registered again or the registry is
// destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tfhub/options.h"
#include "tfhub/result.h"

namespace tfhub::io {

// kSymlink only from filesystems that never follow links (OpenDirectory()).
enum class FileType { kNotFound, kFile, kDirectory, kSymlink, kOther };

struct FileInfo {
  FileType type = FileType::kNotFound;
  uint64_t size = 0;  // bytes, for files
  // Where the backend has them (local files); unset or 0 elsewhere.
  std::optional<uint32_t> owner;  // the owning user id
  std::optional<uint32_t> group;  // the owning group id
  uint32_t mode = 0;              // permission bits (07777)
  std::optional<std::chrono::system_clock::time_point> atime, mtime;
  uint64_t device = 0, inode = 0;  // identity of the file (0, 0: unknown)
  uint64_t links = 0;              // hard links (0: unknown)
};

// A regular file somewhere under a directory (ListTree).
struct TreeEntry {
  std::string path;  // relative to the directory listed, '/'-separated
  uint64_t size = 0;
};

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends `data` at the end. Data may be buffered until Close().
  virtual Status Append(std::string_view data) = 0;
  // Flushes and closes; the file is complete only after an OK Close().
  // Destroying an unclosed file closes it and ignores errors.
  virtual Status Close() = 0;
};

// Positional reads of one file.
//
// Thread safety: ReadAt() may be called concurrently from several threads.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // The file's size in bytes, as it was when opened.
  virtual uint64_t Size() const = 0;
  // Reads exactly `n` bytes at `offset` into `scratch` (at least `n` bytes)
  // and returns them; the view may point into `scratch` or into memory the
  // file owns, valid until the next call. EOF contract: a read that would
  // end past Size() is OutOfRange (naming the file and how much there was);
  // callers that want "up to n" clamp with Size() first.
  virtual Result<std::string_view> ReadAt(uint64_t offset, size_t n, char* scratch) const = 0;
};

// What a stream says about itself before its first byte
// (FileSystem::ReadStream).
struct StreamInfo {
  std::optional<uint64_t> size;  // bytes it will deliver, when known
  // Checksums of the whole content that its source vouches for (Cloud
  // Storage's x-goog-hash): the reader checks what arrived against them.
  std::optional<uint32_t> crc32c;
  std::optional<std::string> md5;  // 16 raw bytes
};

// Receives a stream (FileSystem::ReadStream), on the reading thread.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Before the first byte. Called again when the stream starts over from
  // its first byte — its source changed while it was read, so it could not
  // be resumed: everything received so far is to be forgotten.
  virtual Status OnStart(const StreamInfo& info) = 0;
  // The next bytes, in order. A non-OK return stops the stream.
  virtual Status OnData(std::string_view data) = 0;
  // The next bytes, in order, with their CRC32C (standard, as
  // base::crc32c::Value), computed where they were received: a sink that
  // checks StreamInfo::crc32c combines these instead of reading the bytes
  // again. By default, the same as OnData(data).
  virtual Status OnChecksummedData(std::string_view data, uint32_t crc32c) {
    (void)crc32c;
    return OnData(data);
  }
  // How many bytes of the stream have arrived from its source so far,
  // counting those fetched ahead of the ones delivered (parallel parts).
  // Called now and then on the reading thread, while the next bytes in
  // order are still awaited. By default ignored.
  virtual void OnReceived(uint64_t bytes) { (void)bytes; }
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // ---- Core: every backend implements these. ----

  // A missing path is OK with type kNotFound; errors are for real failures.
  virtual Result<FileInfo> Stat(const std::string& path) = 0;

  // Opens `path` for positional reads. NotFound if missing; FailedPrecondition
  // for a directory (where the backend can tell).
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) = 0;

  // Whole contents of a (small) file. A file of more than `max_bytes` is
  // FailedPrecondition naming it and its size (remote backends may fetch it
  // before they can tell).
  static constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();
  virtual Result<std::string> ReadFileToString(const std::string& path, uint64_t max_bytes = kNoLimit) = 0;

  // ---- Optional: unless said otherwise, the default returns Unimplemented
  // naming the method and the path. ----

  // Names (not paths) of the entries of a directory, without "." and "..".
  // NotFound if missing.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path);

  // Creates `path` and missing parents; OK if it already is a directory.
  virtual Status CreateDirs(const std::string& path);

  // Deletes one file (not a directory). NotFound if missing.
  virtual Status DeleteFile(const std::string& path);

  // Deletes a file or a directory tree. OK if `path` is missing.
  virtual Status DeleteRecursively(const std::string& path);

  // Renames `from` to `to` (a directory with its contents); AlreadyExists if
  // `to` exists (even an empty directory). NotFound if `from` is missing.
  virtual Status RenameNoReplace(const std::string& from, const std::string& to);

  // Renames `from` to `to`, replacing a file at `to`.
  virtual Status Rename(const std::string& from, const std::string& to);

  // Creates or truncates `path` for writing. Where directories are real
  // (not object-store prefixes), the parent must exist (NotFound).
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path);

  // Atomically creates `path` holding `content`; AlreadyExists if it exists.
  // Never leaves a partially written file visible under `path` on success of
  // another creator.
  virtual Status CreateExclusive(const std::string& path, std::string_view content);

  // Writes `content` to `path` (create or truncate), with NewWritableFile().
  Status WriteStringToFile(const std::string& path, std::string_view content);

  // Every regular file under the directory `dir`, recursively, with its
  // size (order unspecified). NotFound if `dir` does not exist; an error if
  // any directory below cannot be listed; entries vanishing meanwhile are
  // skipped. The default walks ListDir/Stat (at most 64 levels); object
  // stores answer with one flat listing instead of a request per file.
  virtual Result<std::vector<TreeEntry>> ListTree(const std::string& dir);

  // Delivers the whole file at `path` to `sink`, front to back, in pieces,
  // as it arrives, holding a bounded window in memory; network backends
  // retry and resume transient failures inside (a resume that cannot
  // continue the same content starts over: StreamSink::OnStart again).
  // Returns the sink's first error unchanged, or the backend's own. The
  // default reads NewRandomAccessFile() one block (16 MiB) ahead of the
  // sink; a remote backend splits each block into parallel ranged reads.
  virtual Status ReadStream(const std::string& path, StreamSink& sink);

  // True when renaming a directory is atomic (local filesystems). Object
  // stores copy and delete object by object, so a reader can see a
  // directory half renamed; the cache protocol then marks completion
  // another way (see cache/atomic_download.h).
  virtual bool HasAtomicDirectoryRename() const { return true; }

  // True when every call is a request to a remote service that bills it and
  // rate-limits it (object stores: gs://). Whoever polls such a filesystem
  // (a waiter on a cache lock) then looks as rarely as it can afford,
  // instead of at a fixed fast rate. False (the default) for local disks
  // and in-memory trees.
  virtual bool RequestsAreBilled() const { return false; }

  // A filesystem rooted at the directory `dir`: its paths are relative to
  // it ("" is `dir` itself, "a/b" below it) and never leave it — absolute
  // paths and empty, "." or ".." components are InvalidArgument. Messages
  // name full paths (`dir` joined with the relative one).
  //
  // The local backend holds `dir` open (a directory file descriptor, opened
  // without following a final symlink) and resolves every path beneath that
  // descriptor without following any symlink (openat2 RESOLVE_BENEATH |
  // RESOLVE_NO_SYMLINKS, or O_NOFOLLOW on every component): renaming `dir`,
  // or swapping anything below it for a symlink, cannot redirect what it
  // reads, writes or deletes. There Stat() reports a link as kSymlink,
  // reads and writes take regular files only (a FIFO never blocks an
  // open), a write never goes to a file with other hard links or another
  // owner, and DeleteRecursively()/ListTree() never follow a link nor leave
  // the tree they started in. Other backends (object stores have no links)
  // prefix the paths (SubtreeFileSystem); the result then borrows this
  // filesystem, which must outlive it. The default does not look at `dir`
  // (an object store's directory exists once something is in it); backends
  // with real directories check it. Errors: NotFound, FailedPrecondition
  // (not a directory, a symlink), the backend's errors.
  virtual Result<std::unique_ptr<FileSystem>> OpenDirectory(const std::string& dir);

  // Sets the access time of `path` (not following a final symlink), for
  // tools that look at files without wanting to count as a use. Unimplemented
  // where the backend has no access times (the default).
  virtual Status SetAccessTime(const std::string& path, std::chrono::system_clock::time_point atime);
};

// OK for a path an OpenDirectory() filesystem takes (see there): "" or
// '/'-separated names, none empty, "." or "..", and no NUL byte.
Status CheckRelativePath(std::string_view path);

// The scheme of `uri` ("file", "gs", "http", ...), or "" for a plain path.
// A scheme is [A-Za-z][A-Za-z0-9+.-]* followed by "://".
std::string_view UriScheme(std::string_view uri);

// Joins with exactly one "/" between `base` and `name` (name is relative).
std::string JoinPath(std::string_view base, std::string_view name);

// Maps URI schemes to backends. A registry is an instance, made where
// configuration is read (MakeFileSystemRegistry(), runtime::Context): there
// is no process-wide one.
//
// Thread safety: Register() is not safe against concurrent lookups (fill a
// registry before sharing it); ForUri() may be called concurrently.
class FileSystemRegistry {
 public:
  // Registers `fs` for `scheme` ("" = plain local paths). Replaces any
  // previous registration.
  void Register(std::string scheme, std::shared_ptr<FileSystem> fs);

  // The backend for `uri`, borrowed from the registry (valid until its
  // scheme is registered again or the registry goes); Unimplemented "File
  // system scheme 'x' not implemented" (TensorFlow's words) when no backend
  // has its scheme.
  Result<FileSystem*> ForUri(std::string_view uri) const;

 private:
  std::vector<std::pair<std::string, std::shared_ptr<FileSystem>>> backends_;
};

// The built-in backends — local paths and file://, gs://, http:// and
// https:// (read-only) — configured by `options`: TLS verification and CA
// file, retries, stall timeout, cancellation, log, Cloud Storage endpoint and
// credentials. Nothing is read from the environment (build `options` with
// OptionsFromEnvironment() for that). Cheap: the gs:// client and its
// credentials are made on first use.
std::unique_ptr<FileSystemRegistry> MakeFileSystemRegistry(const ResolveOptions& options);

}  // namespace tfhub::io
