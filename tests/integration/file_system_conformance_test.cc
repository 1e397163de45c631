// The FileSystem conformance suite (testing/file_system_conformance.h) over
// the backends that need a server: gs:// against the Cloud Storage
// emulator, and http(s) (read-only) against nginx. The others run it in
// src/io/file_system_conformance_test.cc.
#include "testing/file_system_conformance.h"

#include <atomic>

#include "gcs_emulator.h"
#include "served_models.h"
#include "testing/temp_dir.h"

namespace tfhub::itest {
namespace {

using test::FileSystemCapabilities;

// gs://<a bucket of its own>/root, through the registered gs:// backend.
class GcsHarness : public test::FileSystemHarness {
 public:
  static constexpr const char* kName = "Gcs";
  static constexpr FileSystemCapabilities kCapabilities{
      .has_directories = false,          // prefixes of object names
      .atomic_directory_rename = false,  // copied object by object
      // The emulator ignores ifGenerationMatch (testing/gcs-emulator/README.md),
      // so two creators can both pass the existence check and both upload;
      // Cloud Storage answers the loser 412, which gcs_file_system_test.cc
      // covers with scripted answers.
      .exclusive_under_concurrency = false,
  };
  GcsHarness() : emulator_(GcsEmulator::Get()) {
    const std::string bucket = emulator_.NewBucket(::testing::UnitTest::GetInstance()->current_test_info()->name());
    root_ = "gs://" + bucket + "/root";
    fs_ = emulator_.registry().ForUri(root_).value();
    const Status s = fs_->CreateDirs(root_);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

 private:
  GcsEmulator& emulator_;
};

// http://127.0.0.1:PORT/conformance/N on the integration tests' nginx; files
// are put into its document root directly.
class HttpHarness {
 public:
  static constexpr const char* kName = "Http";
  static constexpr FileSystemCapabilities kCapabilities{
      .writable = false,         // PermissionDenied
      .listable = false,         // no listings over HTTP
      .has_directories = false,  // a directory URL is nothing Stat can tell
  };
  HttpHarness() : served_(ServedModels::Get()) {
    static std::atomic<int> next{0};
    rel_root_ = "conformance/" + std::to_string(next++);
    test::MakeDirs(Local(""));
    static const auto registry = io::MakeFileSystemRegistry({});
    fs_ = registry->ForUri(served_.url("/")).value();
  }
  ~HttpHarness() { test::RemoveTree(Local("")); }

  io::FileSystem& fs() { return *fs_; }
  std::string Path(std::string_view rel) const {
    return served_.url("/" + (rel.empty() ? rel_root_ : io::JoinPath(rel_root_, rel)));
  }
  void PutFile(const std::string& rel, std::string_view content) {
    test::WriteStringToFile(Local(rel), std::string(content));
  }
  void PutDir(const std::string& rel) { test::MakeDirs(Local(rel)); }

 private:
  std::string Local(const std::string& rel) const {
    return io::JoinPath(served_.nginx().root_dir(), rel.empty() ? rel_root_ : io::JoinPath(rel_root_, rel));
  }

  ServedModels& served_;
  std::string rel_root_;
  io::FileSystem* fs_ = nullptr;
};

}  // namespace
}  // namespace tfhub::itest

namespace tfhub::test {
namespace {

using Backends = ::testing::Types<itest::GcsHarness, itest::HttpHarness>;
INSTANTIATE_TYPED_TEST_SUITE_P(Integration, FileSystemConformanceTest, Backends, FileSystemHarnessNames);

}  // namespace
}  // namespace tfhub::test
