// io::MemoryFileSystem — a whole read-write filesystem in memory, for tests,
// fuzzers and tools that want a tree without touching disk. It behaves as
// the local backend does where that is observable through io::FileSystem:
//
//  * Paths are '/'-separated names below one root directory ("" or "/");
//    empty components are ignored ("/a//b/" is "a/b") and a leading
//    "<scheme>://" is dropped, so that it can be registered under any
//    scheme. "." and ".." components are InvalidArgument (not resolved).
//  * Directories are real: CreateDirs() makes them, a file or directory is
//    created only in an existing directory (NotFound otherwise,
//    FailedPrecondition when a parent is a file), and an empty directory
//    stays until deleted.
//  * RenameNoReplace() refuses any existing target (AlreadyExists); Rename()
//    replaces a file, or an empty directory with a directory (a non-empty
//    one is AlreadyExists, as ENOTEMPTY is locally). Directories move with
//    their contents, atomically (HasAtomicDirectoryRename() is true).
//  * CreateExclusive() is atomic: content and name appear together.
//  * A WritableFile is created (empty) or truncated when opened; what is
//    appended becomes the file's content at Close() (or destruction). Like a
//    descriptor, it follows its file through renames; after a delete its
//    content goes nowhere.
//  * A RandomAccessFile reads the content as it was when opened.
//  * RequestsAreBilled() is false unless the constructor says otherwise.
//  * FileInfo has type and size only (no owners, modes or times);
//    SetAccessTime() is Unimplemented.
//  * OpenDirectory() checks that the directory exists, then prefixes paths
//    (SubtreeFileSystem).
//
// Thread safety: safe for concurrent use (one lock; file reads take none).
// Ownership: files it hands out, and filesystems from OpenDirectory(),
// borrow it and must be destroyed first.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tfhub/file_system.h"

namespace tfhub::io {

class MemoryFileSystem final : public FileSystem {
 public:
  MemoryFileSystem();
  // `requests_are_billed`: what RequestsAreBilled() answers, so that tests
  // can stand in for an object store's billing (gs://) with a tree in memory.
  explicit MemoryFileSystem(bool requests_are_billed);
  MemoryFileSystem(const MemoryFileSystem&) = delete;
  MemoryFileSystem& operator=(const MemoryFileSystem&) = delete;

  Result<FileInfo> Stat(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::string> ReadFileToString(const std::string& path, uint64_t max_bytes = kNoLimit) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Status CreateDirs(const std::string& path) override;
  Status DeleteFile(const std::string& path) override;
  Status DeleteRecursively(const std::string& path) override;
  Status RenameNoReplace(const std::string& from, const std::string& to) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Status CreateExclusive(const std::string& path, std::string_view content) override;
  // One pass over the tree, under the lock (a consistent snapshot).
  Result<std::vector<TreeEntry>> ListTree(const std::string& dir) override;
  Result<std::unique_ptr<FileSystem>> OpenDirectory(const std::string& dir) override;
  bool RequestsAreBilled() const override { return requests_are_billed_; }

 private:
  // A file's content, replaced whole on Close(); readers hold on to the
  // version they opened.
  struct FileNode {
    std::shared_ptr<const std::string> content;
  };
  // A directory has no node.
  struct Entry {
    std::shared_ptr<FileNode> file;
    bool is_dir() const { return file == nullptr; }
  };
  class Writer;

  // Entries by normalized path ("" the root, "a/b"); the root always exists.
  using Tree = std::map<std::string, Entry>;

  // OK when the parent of `key` (not "") is a directory; `path` names it.
  Status CheckParent(const std::string& key, const std::string& path, std::string_view op) const;
  // The entry of a file / a directory at `key`: NotFound, or
  // FailedPrecondition for the other type.
  Result<Tree::const_iterator> FindFile(const std::string& key, const std::string& path, std::string_view op) const;
  Result<Tree::const_iterator> FindDir(const std::string& key, const std::string& path, std::string_view op) const;
  Status RenameImpl(const std::string& from, const std::string& to, bool replace);
  void Publish(const std::shared_ptr<FileNode>& node, std::string content);

  const bool requests_are_billed_ = false;
  mutable std::mutex mu_;
  Tree tree_;
};

}  // namespace tfhub::io
