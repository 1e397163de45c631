// The FileSystem conformance suite (testing/file_system_conformance.h) over
// the backends that need no server: local paths, file:// URIs, a local
// directory held open (both ways of resolving beneath it), memory, and a
// subtree of memory. gs:// and http(s) run it in
// tests/integration/file_system_conformance_test.cc.
#include "testing/file_system_conformance.h"

#include "io/local_dir_file_system.h"
#include "io/local_file_system.h"
#include "io/memory_file_system.h"
#include "testing/temp_dir.h"

namespace tfhub::io {
namespace {

using test::FileSystemCapabilities;

constexpr FileSystemCapabilities kLocal{.posix_metadata = true};

// LocalFileSystem on a temp dir, named by plain paths or (kFileUri) by
// file:// URIs.
template <bool kFileUri>
class LocalHarness : public test::FileSystemHarness {
 public:
  static constexpr const char* kName = kFileUri ? "LocalFileUri" : "Local";
  static constexpr FileSystemCapabilities kCapabilities = kLocal;
  LocalHarness() {
    fs_ = &local_;
    root_ = (kFileUri ? "file://" : "") + dir_.path();
  }

 private:
  LocalFileSystem local_;
  test::TempDir dir_;
};

// LocalDirFileSystem on a temp dir, resolving with openat2 where the kernel
// has it, or (kOpenat2 false) component by component.
template <bool kOpenat2>
class LocalDirHarness : public test::FileSystemHarness {
 public:
  static constexpr const char* kName = kOpenat2 ? "LocalDir" : "LocalDirPerComponent";
  static constexpr FileSystemCapabilities kCapabilities = kLocal;
  LocalDirHarness() {
    testing::SetUseOpenat2(kOpenat2);
    auto opened = OpenLocalDirectory(dir_.path(), /*follow_final_symlink=*/false);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) dir_fs_ = std::move(*opened);
    fs_ = dir_fs_.get();
  }
  ~LocalDirHarness() { testing::SetUseOpenat2(true); }

 private:
  test::TempDir dir_;
  std::unique_ptr<LocalDirFileSystem> dir_fs_;
};

class MemoryHarness : public test::FileSystemHarness {
 public:
  static constexpr const char* kName = "Memory";
  static constexpr FileSystemCapabilities kCapabilities{};
  MemoryHarness() {
    EXPECT_TRUE(memory_.CreateDirs("/conformance").ok());
    fs_ = &memory_;
    root_ = "/conformance";
  }

 private:
  MemoryFileSystem memory_;
};

// A directory of a MemoryFileSystem through OpenDirectory() (a
// SubtreeFileSystem): relative paths.
class MemorySubtreeHarness : public test::FileSystemHarness {
 public:
  static constexpr const char* kName = "MemorySubtree";
  static constexpr FileSystemCapabilities kCapabilities{};
  MemorySubtreeHarness() {
    EXPECT_TRUE(memory_.CreateDirs("/a/root").ok());
    auto opened = memory_.OpenDirectory("/a/root");
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) subtree_ = std::move(*opened);
    fs_ = subtree_.get();
  }

 private:
  MemoryFileSystem memory_;
  std::unique_ptr<FileSystem> subtree_;
};

}  // namespace
}  // namespace tfhub::io

namespace tfhub::test {
namespace {

using Backends = ::testing::Types<io::LocalHarness<false>, io::LocalHarness<true>, io::LocalDirHarness<true>,
                                  io::LocalDirHarness<false>, io::MemoryHarness, io::MemorySubtreeHarness>;
INSTANTIATE_TYPED_TEST_SUITE_P(Unit, FileSystemConformanceTest, Backends, FileSystemHarnessNames);

}  // namespace
}  // namespace tfhub::test
