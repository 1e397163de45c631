// http(s):// as a read-only filesystem, against nginx: what is particular to
// it (writes refused as on a read-only mount, a SavedModel read straight off
// the server). Stat, reads, the EOF and size contracts are checked by the
// conformance suite (file_system_conformance_test.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "served_models.h"
#include "testing/temp_dir.h"
#include "tfhub/file_system.h"
#include "tfhub/saved_model.h"

namespace tfhub::itest {
namespace {

io::FileSystemRegistry& Registry() {
  static const auto registry = io::MakeFileSystemRegistry({});
  return *registry;
}

using ::testing::HasSubstr;

constexpr char kModel[] = "tf2_half_plus_two_cpu";

class HttpFileSystemTest : public ::testing::Test {
 protected:
  HttpFileSystemTest() : served_(ServedModels::Get()) {}
  ServedModels& served_;
};

TEST_F(HttpFileSystemTest, WritesAreRefusedAsOnAReadOnlyMount) {
  const std::string pb = served_.url(std::string("/raw/") + kModel + "/saved_model.pb");
  const std::string x = served_.url("/raw/x");
  io::FileSystem* fs = Registry().ForUri(x).value();
  for (const Status& s : {fs->WriteStringToFile(x, "x"), fs->CreateExclusive(x, "x"), fs->CreateDirs(x),
                          fs->DeleteFile(pb), fs->DeleteRecursively(served_.url("/raw")), fs->Rename(pb, x),
                          fs->RenameNoReplace(pb, x)}) {
    EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
    EXPECT_THAT(s.message(), HasSubstr("read-only"));
  }
}

TEST_F(HttpFileSystemTest, ASavedModelIsReadStraightOffTheServer) {
  auto model = SavedModel::Open(served_.url(std::string("/raw/") + kModel), LoadOptions{});
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_FALSE((*model)->signatures().empty());
  auto a = (*model)->ReadVariable("a/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_TRUE(a.ok()) << a.status().message();
  auto values = a->values<float>();
  ASSERT_TRUE(values.ok());
  ASSERT_EQ(values->size(), 1u);
  EXPECT_EQ((*values)[0], 0.5f);
}

}  // namespace
}  // namespace tfhub::itest
