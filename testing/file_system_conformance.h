// Test-support: one conformance suite for every io::FileSystem backend (as
// Arrow's GenericFileSystemTest), so that the backends agree on the
// contract written in include/tfhub/file_system.h and a new backend proves
// itself by instantiating the suite.
//
// Contract:
//  * Header-only: GoogleTest type-parameterised tests over the public
//    interface (tfhub/file_system.h) alone; the including test binary links
//    GoogleTest/gmock and tfhub (tfhub_testing does not). Include it from
//    the .cc files that instantiate it.
//  * A backend is described by a harness type H, default-constructed afresh
//    for every test (its destructor cleans up):
//        static constexpr const char* kName;      // "Memory": names the tests
//        static constexpr FileSystemCapabilities kCapabilities;
//        io::FileSystem& fs();
//        std::string Path(std::string_view rel) const;  // "" = the test's own
//                                                  // empty directory; "a/b" below it
//        void PutFile(const std::string& rel, std::string_view content);
//        void PutDir(const std::string& rel);     // both make missing parents
//    PutFile/PutDir may take another route than fs() (a read-only backend's
//    files are put by the server's side). FileSystemHarness below does all
//    but kName/kCapabilities for a writable backend.
//  * Instantiate with
//        using Backends = ::testing::Types<MemoryHarness, ...>;
//        INSTANTIATE_TYPED_TEST_SUITE_P(Unit, FileSystemConformanceTest, Backends,
//                                       FileSystemHarnessNames);
//    in namespace tfhub::test (the macro takes the suite's bare name).
//    Tests whose capability a backend lacks are skipped (GTEST_SKIP, with
//    the capability named), never silently passed; tests of "not supported"
//    check the refusal instead where the contract says what it is.
//  * Paths the suite hands to H are plain names ([a-z0-9/_]), so that any
//    backend takes them unescaped (http URLs included); the malformed ones
//    ("..", absolute, empty components) go only to OpenDirectory() results,
//    which must refuse them before the backend sees them.
#ifndef TFHUB_TESTING_FILE_SYSTEM_CONFORMANCE_H_
#define TFHUB_TESTING_FILE_SYSTEM_CONFORMANCE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tfhub/file_system.h"

namespace tfhub::test {

// What a backend offers; the suite checks the contract within it.
struct FileSystemCapabilities {
  // Creating, writing, deleting and renaming work. Off: each of them is
  // refused (PermissionDenied or Unimplemented) and changes nothing.
  bool writable = true;
  // ListDir()/ListTree() work, and Stat() tells directories. Off: both are
  // Unimplemented, naming the method and the path.
  bool listable = true;
  // Directories are real (local, in-memory): a file needs an existing
  // parent, an empty directory exists on its own, and a file is in the way
  // of a directory of the same name. Off (object stores): a directory is a
  // prefix of object names, implied by any object below it.
  bool has_directories = true;
  // HasAtomicDirectoryRename().
  bool atomic_directory_rename = true;
  // Concurrent CreateExclusive() calls of one path: exactly one wins.
  bool exclusive_under_concurrency = true;
  // Stat() has owner, group, mode, times, device and inode (a POSIX stat),
  // and SetAccessTime() works. Off: those fields stay unset/0 and
  // SetAccessTime() is Unimplemented.
  bool posix_metadata = false;
};

// Names instantiations after H::kName.
struct FileSystemHarnessNames {
  template <typename H>
  static std::string GetName(int) {
    return H::kName;
  }
};

// A harness for a writable backend: set fs_ and root_ ("" for a filesystem
// whose paths are relative, as from OpenDirectory()) in the constructor.
class FileSystemHarness {
 public:
  io::FileSystem& fs() { return *fs_; }
  std::string Path(std::string_view rel) const { return rel.empty() ? root_ : io::JoinPath(root_, rel); }
  void PutDir(const std::string& rel) {
    const Status s = fs_->CreateDirs(Path(rel));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void PutFile(const std::string& rel, std::string_view content) {
    const size_t slash = rel.rfind('/');
    if (slash != std::string::npos) PutDir(rel.substr(0, slash));
    const Status s = fs_->WriteStringToFile(Path(rel), content);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

 protected:
  io::FileSystem* fs_ = nullptr;
  std::string root_;
};

template <typename H>
class FileSystemConformanceTest : public ::testing::Test {
 protected:
  static constexpr FileSystemCapabilities kCaps = H::kCapabilities;
  // Directories are visible to Stat().
  static constexpr bool kSeesDirectories = kCaps.listable || kCaps.has_directories;

  io::FileSystem& fs() { return h_.fs(); }
  std::string P(std::string_view rel) const { return h_.Path(rel); }
  io::FileType TypeOf(std::string_view rel) {
    auto info = fs().Stat(P(rel));
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? info->type : io::FileType::kOther;
  }
  // The contents of `rel`, or "<error: ...>".
  std::string Read(std::string_view rel) {
    auto r = fs().ReadFileToString(P(rel));
    return r.ok() ? *r : "<error: " + r.status().ToString() + ">";
  }
  // "path:size" of every file ListTree() reports, sorted.
  static std::vector<std::string> Sorted(const std::vector<io::TreeEntry>& tree) {
    std::vector<std::string> out;
    for (const auto& e : tree) out.push_back(e.path + ":" + std::to_string(e.size));
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<std::string> Sorted(std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    return names;
  }
  // A refusal of a read-only backend.
  static bool IsRefusal(const Status& s) {
    return s.code() == StatusCode::kPermissionDenied || s.code() == StatusCode::kUnimplemented;
  }

  H h_;
};

#define TFHUB_REQUIRE_CAPABILITY(cap) \
  if (!(cap)) GTEST_SKIP() << "the backend lacks " #cap

TYPED_TEST_SUITE_P(FileSystemConformanceTest);

// ---- Stat --------------------------------------------------------------

TYPED_TEST_P(FileSystemConformanceTest, StatOfAMissingPathIsNotFoundWithoutError) {
  EXPECT_EQ(this->TypeOf("nope"), io::FileType::kNotFound);
  EXPECT_EQ(this->TypeOf("nope/deeper"), io::FileType::kNotFound);
}

TYPED_TEST_P(FileSystemConformanceTest, StatOfAFileHasItsSize) {
  this->h_.PutFile("f", "hello");
  this->h_.PutFile("empty", "");
  auto info = this->fs().Stat(this->P("f"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->type, io::FileType::kFile);
  EXPECT_EQ(info->size, 5u);
  auto empty = this->fs().Stat(this->P("empty"));
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->type, io::FileType::kFile);
  EXPECT_EQ(empty->size, 0u);
}

TYPED_TEST_P(FileSystemConformanceTest, StatOfADirectory) {
  TFHUB_REQUIRE_CAPABILITY(this->kSeesDirectories);
  this->h_.PutDir("d/sub");
  this->h_.PutFile("d/f", "x");
  EXPECT_EQ(this->TypeOf(""), io::FileType::kDirectory);
  EXPECT_EQ(this->TypeOf("d"), io::FileType::kDirectory);
  EXPECT_EQ(this->TypeOf("d/sub"), io::FileType::kDirectory);
}

TYPED_TEST_P(FileSystemConformanceTest, MetadataWhereTheBackendHasIt) {
  this->h_.PutFile("f", "x");
  auto info = this->fs().Stat(this->P("f"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  const auto then = std::chrono::system_clock::from_time_t(1'000'000'000);
  const Status set = this->fs().SetAccessTime(this->P("f"), then);
  if (this->kCaps.posix_metadata) {
    EXPECT_EQ(info->owner, ::geteuid());
    EXPECT_TRUE(info->group.has_value());
    EXPECT_NE(info->mode, 0u);
    EXPECT_TRUE(info->mtime.has_value());
    EXPECT_NE(info->inode, 0u);
    ASSERT_TRUE(set.ok()) << set.ToString();
    EXPECT_EQ(this->fs().Stat(this->P("f"))->atime, then);
  } else {
    EXPECT_FALSE(info->owner.has_value());
    EXPECT_FALSE(info->group.has_value());
    EXPECT_FALSE(info->mtime.has_value());
    EXPECT_FALSE(info->atime.has_value());
    EXPECT_EQ(info->inode, 0u);
    EXPECT_EQ(set.code(), StatusCode::kUnimplemented) << set.ToString();
    EXPECT_THAT(set.message(), ::testing::HasSubstr("SetAccessTime"));
  }
}

// ---- Reads -------------------------------------------------------------

TYPED_TEST_P(FileSystemConformanceTest, ReadFileToStringIsCappedAtMaxBytes) {
  const std::string content(100, 'x');
  this->h_.PutFile("big", content);
  EXPECT_EQ(this->Read("big"), content);
  auto exact = this->fs().ReadFileToString(this->P("big"), 100);
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(*exact, content);
  auto over = this->fs().ReadFileToString(this->P("big"), 99);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kFailedPrecondition) << over.status().ToString();
  EXPECT_THAT(over.status().message(), ::testing::HasSubstr("big"));
  auto missing = this->fs().ReadFileToString(this->P("missing"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_THAT(missing.status().message(), ::testing::HasSubstr("missing"));
}

TYPED_TEST_P(FileSystemConformanceTest, RandomAccessReadsAndTheEofContract) {
  this->h_.PutFile("f", "0123456789");
  auto file = this->fs().NewRandomAccessFile(this->P("f"));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->Size(), 10u);
  char scratch[16];
  auto r = (*file)->ReadAt(2, 3, scratch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "234");
  r = (*file)->ReadAt(0, 10, scratch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "0123456789");
  r = (*file)->ReadAt(10, 0, scratch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "");
  // A read that would end past Size() is OutOfRange, even an empty one.
  EXPECT_EQ((*file)->ReadAt(8, 5, scratch).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ((*file)->ReadAt(10, 1, scratch).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ((*file)->ReadAt(11, 0, scratch).status().code(), StatusCode::kOutOfRange);
  auto missing = this->fs().NewRandomAccessFile(this->P("missing"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
}

// What ReadStream delivers: OnStart once (with the size), then every byte in
// order; a missing file is NotFound before anything starts; the sink's own
// error comes back unchanged.
TYPED_TEST_P(FileSystemConformanceTest, ReadStreamDeliversTheWholeFileInOrder) {
  std::string content;
  for (int i = 0; i < 100000; ++i) content += static_cast<char>('a' + i % 26);
  this->h_.PutFile("f", content);
  struct Collect final : io::StreamSink {
    Status OnStart(const io::StreamInfo& info) override {
      ++starts;
      size = info.size;
      got.clear();
      return Status::Ok();
    }
    Status OnData(std::string_view data) override {
      got.append(data);
      return fail_after > 0 && got.size() >= fail_after ? AbortedError("the sink stops") : Status::Ok();
    }
    int starts = 0;
    std::optional<uint64_t> size;
    std::string got;
    size_t fail_after = 0;
  };
  Collect sink;
  const Status s = this->fs().ReadStream(this->P("f"), sink);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(sink.starts, 1);
  EXPECT_EQ(sink.size, content.size());
  EXPECT_TRUE(sink.got == content);
  Collect missing;
  EXPECT_EQ(this->fs().ReadStream(this->P("missing"), missing).code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.starts, 0);
  Collect stopping;
  stopping.fail_after = 1;
  const Status stopped = this->fs().ReadStream(this->P("f"), stopping);
  EXPECT_EQ(stopped.code(), StatusCode::kAborted) << stopped.ToString();
  EXPECT_EQ(stopped.message(), "the sink stops");
}

TYPED_TEST_P(FileSystemConformanceTest, RandomAccessReadsRunConcurrently) {
  std::string content(64 << 10, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 2654435761u) >> 13);
  this->h_.PutFile("f", content);
  auto file = this->fs().NewRandomAccessFile(this->P("f"));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const io::RandomAccessFile& shared = **file;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::string scratch(4096, '\0');
      for (int i = 0; i < 4; ++i) {
        const uint64_t offset = static_cast<uint64_t>((t * 4 + i) * 1999) % (content.size() - scratch.size());
        auto got = shared.ReadAt(offset, scratch.size(), scratch.data());
        if (!got.ok() || *got != std::string_view(content).substr(offset, scratch.size())) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TYPED_TEST_P(FileSystemConformanceTest, ADirectoryIsNotReadAsAFile) {
  TFHUB_REQUIRE_CAPABILITY(this->kSeesDirectories);
  this->h_.PutDir("d");
  this->h_.PutFile("d/f", "x");
  EXPECT_FALSE(this->fs().ReadFileToString(this->P("d")).ok());
  EXPECT_FALSE(this->fs().NewRandomAccessFile(this->P("d")).ok());
}

// ---- Listing -----------------------------------------------------------

TYPED_TEST_P(FileSystemConformanceTest, ListDirNamesTheEntries) {
  this->h_.PutDir("d/sub");
  this->h_.PutFile("d/a", "1");
  this->h_.PutFile("d/sub/b", "2");
  this->h_.PutFile("dx", "sibling with the same prefix");
  auto names = this->fs().ListDir(this->P("d"));
  if (!this->kCaps.listable) {
    EXPECT_EQ(names.status().code(), StatusCode::kUnimplemented) << names.status().ToString();
    EXPECT_THAT(names.status().message(), ::testing::HasSubstr("ListDir"));
    EXPECT_THAT(names.status().message(), ::testing::HasSubstr(this->P("d")));
    EXPECT_EQ(this->fs().ListTree(this->P("d")).status().code(), StatusCode::kUnimplemented);
    return;
  }
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_THAT(this->Sorted(*names), ::testing::ElementsAre("a", "sub"));
  auto top = this->fs().ListDir(this->P(""));
  ASSERT_TRUE(top.ok()) << top.status().ToString();
  EXPECT_THAT(this->Sorted(*top), ::testing::ElementsAre("d", "dx"));
  EXPECT_EQ(this->fs().ListDir(this->P("missing")).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(this->fs().ListDir(this->P("dx")).ok());  // a file
}

TYPED_TEST_P(FileSystemConformanceTest, ListTreeListsEveryFileWithItsSize) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.listable);
  this->h_.PutDir("t/d/e");
  this->h_.PutDir("t/empty");
  this->h_.PutFile("t/a", "1");
  this->h_.PutFile("t/d/e/b", "22");
  this->h_.PutFile("t/d/zero", "");
  this->h_.PutFile("tx", "outside");
  auto tree = this->fs().ListTree(this->P("t"));
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  EXPECT_THAT(this->Sorted(*tree), ::testing::ElementsAre("a:1", "d/e/b:2", "d/zero:0"));
  auto all = this->fs().ListTree(this->P(""));
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_THAT(this->Sorted(*all), ::testing::ElementsAre("t/a:1", "t/d/e/b:2", "t/d/zero:0", "tx:7"));
  EXPECT_EQ(this->fs().ListTree(this->P("missing")).status().code(), StatusCode::kNotFound);
}

// ---- Writes ------------------------------------------------------------

TYPED_TEST_P(FileSystemConformanceTest, WritesAreRefusedWhereReadOnly) {
  if (this->kCaps.writable) GTEST_SKIP() << "the backend is writable";
  this->h_.PutFile("f", "keep");
  auto& fs = this->fs();
  const std::string x = this->P("x");
  for (const Status& s : {fs.WriteStringToFile(x, "x"), fs.CreateExclusive(x, "x"), fs.CreateDirs(x),
                          fs.DeleteFile(this->P("f")), fs.DeleteRecursively(this->P("f")),
                          fs.Rename(this->P("f"), x), fs.RenameNoReplace(this->P("f"), x)}) {
    EXPECT_TRUE(this->IsRefusal(s)) << s.ToString();
  }
  EXPECT_EQ(this->TypeOf("x"), io::FileType::kNotFound);
  EXPECT_EQ(this->Read("f"), "keep");
}

TYPED_TEST_P(FileSystemConformanceTest, WrittenFilesReadBack) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.writable);
  auto file = this->fs().NewWritableFile(this->P("f"));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const std::string binary("a\0b\xff", 4);
  ASSERT_TRUE((*file)->Append("hello, ").ok());
  ASSERT_TRUE((*file)->Append(binary).ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(this->Read("f"), "hello, " + binary);
  EXPECT_EQ(this->fs().Stat(this->P("f"))->size, 11u);
  // Rewriting truncates.
  ASSERT_TRUE(this->fs().WriteStringToFile(this->P("f"), "short").ok());
  EXPECT_EQ(this->Read("f"), "short");
  ASSERT_TRUE(this->fs().WriteStringToFile(this->P("empty"), "").ok());
  EXPECT_EQ(this->TypeOf("empty"), io::FileType::kFile);
  EXPECT_EQ(this->Read("empty"), "");
}

TYPED_TEST_P(FileSystemConformanceTest, AFileNeedsItsDirectoryWhereDirectoriesAreReal) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.writable);
  const Status s = this->fs().WriteStringToFile(this->P("nodir/f"), "x");
  if (this->kCaps.has_directories) {
    EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
    EXPECT_EQ(this->TypeOf("nodir"), io::FileType::kNotFound);
    EXPECT_EQ(this->fs().CreateExclusive(this->P("nodir/g"), "x").code(), StatusCode::kNotFound);
  } else {
    // An object store: the object implies its directories.
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(this->Read("nodir/f"), "x");
    EXPECT_EQ(this->TypeOf("nodir"), io::FileType::kDirectory);
  }
}

TYPED_TEST_P(FileSystemConformanceTest, CreateDirsIsIdempotent) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.writable);
  ASSERT_TRUE(this->fs().CreateDirs(this->P("a/b/c")).ok());
  ASSERT_TRUE(this->fs().CreateDirs(this->P("a/b/c")).ok());
  ASSERT_TRUE(this->fs().CreateDirs(this->P("a")).ok());
  EXPECT_EQ(this->TypeOf("a"), io::FileType::kDirectory);
  EXPECT_EQ(this->TypeOf("a/b"), io::FileType::kDirectory);
  EXPECT_EQ(this->TypeOf("a/b/c"), io::FileType::kDirectory);
  if (this->kCaps.listable) {
    EXPECT_THAT(*this->fs().ListDir(this->P("a/b")), ::testing::ElementsAre("c"));
  }
}

TYPED_TEST_P(FileSystemConformanceTest, CreateDirsThroughAFileFails) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.writable && this->kCaps.has_directories);
  this->h_.PutFile("f", "x");
  const Status s = this->fs().CreateDirs(this->P("f/sub"));
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::HasSubstr("f/sub"));
  EXPECT_FALSE(this->fs().CreateDirs(this->P("f")).ok());
  EXPECT_EQ(this->Read("f"), "x");
}

// ---- Deletes -----------------------------------------------------------

TYPED_TEST_P(FileSystemConformanceTest, DeleteFileDeletesOneFile) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.writable);
  this->h_.PutFile("f", "x");
  this->h_.PutFile("d/g", "y");
  ASSERT_TRUE(this->fs().DeleteFile(this->P("f")).ok());
  EXPECT_EQ(this->TypeOf("f"), io::FileType::kNotFound);
  EXPECT_EQ(this->fs().DeleteFile(this->P("f")).code(), StatusCode::kNotFound);
  EXPECT_FALSE(this->fs().DeleteFile(this->P("d")).ok());  // a directory
  EXPECT_EQ(this->Read("d/g"), "y");
}

TYPED_TEST_P(FileSystemConformanceTest, DeleteRecursivelyDeletesATreeAndNothingElse) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.writable);
  this->h_.PutDir("t/empty");
  this->h_.PutFile("t/a", "1");
  this->h_.PutFile("t/sub/b", "2");
  this->h_.PutFile("tx", "same prefix, not below");
  this->h_.PutFile("t2/c", "3");
  this->h_.PutFile("f", "4");
  ASSERT_TRUE(this->fs().DeleteRecursively(this->P("t")).ok());
  EXPECT_EQ(this->TypeOf("t"), io::FileType::kNotFound);
  EXPECT_EQ(this->TypeOf("t/sub/b"), io::FileType::kNotFound);
  EXPECT_EQ(this->Read("tx"), "same prefix, not below");
  EXPECT_EQ(this->Read("t2/c"), "3");
  EXPECT_TRUE(this->fs().DeleteRecursively(this->P("t")).ok());  // missing is fine
  ASSERT_TRUE(this->fs().DeleteRecursively(this->P("f")).ok());  // so is a file
  EXPECT_EQ(this->TypeOf("f"), io::FileType::kNotFound);
  if (this->kCaps.listable) {
    EXPECT_THAT(this->Sorted(*this->fs().ListTree(this->P(""))), ::testing::ElementsAre("t2/c:1", "tx:22"));
  }
}

// ---- Renames -----------------------------------------------------------

TYPED_TEST_P(FileSystemConformanceTest, RenameNoReplaceRefusesAnExistingTarget) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.writable);
  this->h_.PutFile("a", "1");
  this->h_.PutFile("b", "2");
  this->h_.PutDir("empty");
  EXPECT_EQ(this->fs().RenameNoReplace(this->P("a"), this->P("b")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(this->fs().RenameNoReplace(this->P("a"), this->P("empty")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(this->Read("a"), "1");
  EXPECT_EQ(this->Read("b"), "2");
  ASSERT_TRUE(this->fs().RenameNoReplace(this->P("a"), this->P("c")).ok());
  EXPECT_EQ(this->TypeOf("a"), io::FileType::kNotFound);
  EXPECT_EQ(this->Read("c"), "1");
  EXPECT_EQ(this->fs().RenameNoReplace(this->P("missing"), this->P("d")).code(), StatusCode::kNotFound);
}

TYPED_TEST_P(FileSystemConformanceTest, RenameNoReplaceMovesADirectoryWithItsContents) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.writable);
  this->h_.PutDir("d/sub/empty");
  this->h_.PutFile("d/a", "1");
  this->h_.PutFile("d/sub/b", "2");
  this->h_.PutDir("full");
  this->h_.PutFile("full/x", "3");
  EXPECT_EQ(this->fs().RenameNoReplace(this->P("d"), this->P("full")).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(this->fs().RenameNoReplace(this->P("d"), this->P("e")).ok());
  EXPECT_EQ(this->TypeOf("d"), io::FileType::kNotFound);
  EXPECT_EQ(this->TypeOf("e"), io::FileType::kDirectory);
  EXPECT_EQ(this->Read("e/a"), "1");
  EXPECT_EQ(this->Read("e/sub/b"), "2");
  EXPECT_EQ(this->TypeOf("e/sub/empty"), io::FileType::kDirectory);
  EXPECT_EQ(this->Read("full/x"), "3");
  EXPECT_EQ(this->fs().HasAtomicDirectoryRename(), this->kCaps.atomic_directory_rename);
}

TYPED_TEST_P(FileSystemConformanceTest, RenameReplacesAFile) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.writable);
  this->h_.PutFile("a", "new");
  this->h_.PutFile("b", "old");
  ASSERT_TRUE(this->fs().Rename(this->P("a"), this->P("b")).ok());
  EXPECT_EQ(this->TypeOf("a"), io::FileType::kNotFound);
  EXPECT_EQ(this->Read("b"), "new");
  ASSERT_TRUE(this->fs().Rename(this->P("b"), this->P("c")).ok());
  EXPECT_EQ(this->Read("c"), "new");
  this->h_.PutFile("d/f", "x");
  ASSERT_TRUE(this->fs().Rename(this->P("d"), this->P("e")).ok());
  EXPECT_EQ(this->TypeOf("d"), io::FileType::kNotFound);
  EXPECT_EQ(this->Read("e/f"), "x");
  EXPECT_EQ(this->fs().Rename(this->P("missing"), this->P("g")).code(), StatusCode::kNotFound);
}

// ---- CreateExclusive ---------------------------------------------------

TYPED_TEST_P(FileSystemConformanceTest, CreateExclusiveIsExclusive) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.writable);
  ASSERT_TRUE(this->fs().CreateExclusive(this->P("lock"), "me").ok());
  EXPECT_EQ(this->fs().CreateExclusive(this->P("lock"), "you").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(this->Read("lock"), "me");
  if (this->kCaps.listable) {  // no temporary file left behind
    EXPECT_THAT(*this->fs().ListDir(this->P("")), ::testing::ElementsAre("lock"));
  }
  if (this->kCaps.has_directories) {  // a directory in the way counts too
    this->h_.PutDir("dir");
    EXPECT_EQ(this->fs().CreateExclusive(this->P("dir"), "x").code(), StatusCode::kAlreadyExists);
  }
}

TYPED_TEST_P(FileSystemConformanceTest, ConcurrentCreateExclusiveHasOneWinner) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.writable && this->kCaps.exclusive_under_concurrency);
  constexpr int kThreads = 8;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      results[t] = this->fs().CreateExclusive(this->P("lock"), "owner " + std::to_string(t));
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  int winner = -1;
  for (int t = 0; t < kThreads; ++t) {
    if (results[t].ok()) {
      EXPECT_EQ(winner, -1) << "two winners: " << winner << " and " << t;
      winner = t;
    } else {
      EXPECT_EQ(results[t].code(), StatusCode::kAlreadyExists) << results[t].ToString();
    }
  }
  ASSERT_NE(winner, -1);
  EXPECT_EQ(this->Read("lock"), "owner " + std::to_string(winner));
}

// ---- OpenDirectory -----------------------------------------------------

TYPED_TEST_P(FileSystemConformanceTest, OpenDirectoryTakesRelativePaths) {
  this->h_.PutFile("top/sub/f", "x");
  this->h_.PutFile("top/g", "yy");
  auto opened = this->fs().OpenDirectory(this->P("top"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  io::FileSystem& sub = **opened;
  EXPECT_EQ(*sub.ReadFileToString("sub/f"), "x");
  EXPECT_EQ(sub.Stat("g")->size, 2u);
  EXPECT_EQ(sub.Stat("nope")->type, io::FileType::kNotFound);
  auto file = sub.NewRandomAccessFile("g");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->Size(), 2u);
  auto nested = sub.OpenDirectory("sub");
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  EXPECT_EQ(*(*nested)->ReadFileToString("f"), "x");
  if (this->kSeesDirectories) {
    EXPECT_EQ(sub.Stat("")->type, io::FileType::kDirectory);
    EXPECT_EQ(sub.Stat("sub")->type, io::FileType::kDirectory);
  }
  if (this->kCaps.listable) {
    EXPECT_THAT(this->Sorted(*sub.ListDir("")), ::testing::ElementsAre("g", "sub"));
    EXPECT_THAT(this->Sorted(*sub.ListTree("")), ::testing::ElementsAre("g:2", "sub/f:1"));
  }
  if (this->kCaps.writable) {
    ASSERT_TRUE(sub.CreateDirs("new").ok());
    ASSERT_TRUE(sub.WriteStringToFile("new/h", "z").ok());
    EXPECT_EQ(this->Read("top/new/h"), "z");
    ASSERT_TRUE(sub.RenameNoReplace("new/h", "h").ok());
    EXPECT_EQ(this->Read("top/h"), "z");
    ASSERT_TRUE(sub.DeleteRecursively("new").ok());
    EXPECT_EQ(this->TypeOf("top/new"), io::FileType::kNotFound);
  }
}

TYPED_TEST_P(FileSystemConformanceTest, OpenDirectoryRefusesPathsThatLeaveIt) {
  this->h_.PutFile("top/f", "x");
  this->h_.PutFile("outside", "keep");
  auto opened = this->fs().OpenDirectory(this->P("top"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  io::FileSystem& sub = **opened;
  const std::vector<std::string> bad = {"..", "../outside", "/etc/passwd", "f/../../outside", "a//b",
                                        "./f",  "f/",         "f/.",         std::string("f\0x", 3)};
  for (const std::string& p : bad) {
    SCOPED_TRACE("path '" + p + "'");
    EXPECT_EQ(sub.Stat(p).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(sub.ReadFileToString(p).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(sub.NewRandomAccessFile(p).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(sub.OpenDirectory(p).status().code(), StatusCode::kInvalidArgument);
    if (this->kCaps.listable) {
      EXPECT_EQ(sub.ListDir(p).status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(sub.ListTree(p).status().code(), StatusCode::kInvalidArgument);
    }
    if (this->kCaps.writable) {
      EXPECT_EQ(sub.NewWritableFile(p).status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(sub.CreateExclusive(p, "x").code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(sub.CreateDirs(p).code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(sub.DeleteFile(p).code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(sub.DeleteRecursively(p).code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(sub.RenameNoReplace("f", p).code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(sub.Rename(p, "g").code(), StatusCode::kInvalidArgument);
    }
  }
  if (this->kCaps.writable) {
    // The directory itself is not deleted through itself.
    EXPECT_EQ(sub.DeleteRecursively("").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(this->Read("top/f"), "x");
  }
  EXPECT_EQ(this->Read("outside"), "keep");
}

TYPED_TEST_P(FileSystemConformanceTest, OpenDirectoryChecksRealDirectories) {
  TFHUB_REQUIRE_CAPABILITY(this->kCaps.has_directories);
  this->h_.PutFile("f", "x");
  EXPECT_EQ(this->fs().OpenDirectory(this->P("missing")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(this->fs().OpenDirectory(this->P("f")).status().code(), StatusCode::kFailedPrecondition);
}

REGISTER_TYPED_TEST_SUITE_P(FileSystemConformanceTest, StatOfAMissingPathIsNotFoundWithoutError,
                            StatOfAFileHasItsSize, StatOfADirectory, MetadataWhereTheBackendHasIt,
                            ReadFileToStringIsCappedAtMaxBytes, RandomAccessReadsAndTheEofContract,
                            ReadStreamDeliversTheWholeFileInOrder,
                            RandomAccessReadsRunConcurrently, ADirectoryIsNotReadAsAFile, ListDirNamesTheEntries,
                            ListTreeListsEveryFileWithItsSize, WritesAreRefusedWhereReadOnly, WrittenFilesReadBack,
                            AFileNeedsItsDirectoryWhereDirectoriesAreReal, CreateDirsIsIdempotent,
                            CreateDirsThroughAFileFails, DeleteFileDeletesOneFile,
                            DeleteRecursivelyDeletesATreeAndNothingElse, RenameNoReplaceRefusesAnExistingTarget,
                            RenameNoReplaceMovesADirectoryWithItsContents, RenameReplacesAFile,
                            CreateExclusiveIsExclusive, ConcurrentCreateExclusiveHasOneWinner,
                            OpenDirectoryTakesRelativePaths, OpenDirectoryRefusesPathsThatLeaveIt,
                            OpenDirectoryChecksRealDirectories);

#undef TFHUB_REQUIRE_CAPABILITY

}  // namespace tfhub::test

#endif  // TFHUB_TESTING_FILE_SYSTEM_CONFORMANCE_H_
