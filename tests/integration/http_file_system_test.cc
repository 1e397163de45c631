// http(s):// as a read-only filesystem, against nginx: stat, ranged reads,
// whole reads, refusals, and a SavedModel read straight off the server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "served_models.h"
#include "testing/temp_dir.h"
#include "tfhub/file_system.h"
#include "tfhub/saved_model.h"

namespace tfhub::itest {
namespace {

using ::testing::HasSubstr;

constexpr char kModel[] = "tf2_half_plus_two_cpu";

class HttpFileSystemTest : public ::testing::Test {
 protected:
  HttpFileSystemTest() : served_(ServedModels::Get()) {}
  ServedModels& served_;
};

TEST_F(HttpFileSystemTest, StatReadAndRefuse) {
  const std::string url = served_.url(std::string("/models/") + kModel + ".tar.gz");
  auto fs_or = io::FileSystemForUri(url);
  ASSERT_TRUE(fs_or.ok()) << fs_or.status().message();
  io::FileSystem* fs = *fs_or;
  const std::string local = test::ReadFileToString(ServedModels::ModelDir(kModel) + "/saved_model.pb");
  const std::string pb = served_.url(std::string("/raw/") + kModel + "/saved_model.pb");

  auto info = fs->Stat(pb);
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->type, io::FileType::kFile);
  EXPECT_EQ(info->size, local.size());
  EXPECT_EQ(fs->Stat(served_.url("/raw/nope"))->type, io::FileType::kNotFound);

  auto file = fs->NewRandomAccessFile(pb);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ((*file)->Size(), local.size());
  std::string scratch(local.size(), '\0');
  auto middle = (*file)->ReadAt(100, 1000, scratch.data());
  ASSERT_TRUE(middle.ok()) << middle.status().message();
  EXPECT_EQ(*middle, local.substr(100, 1000));
  auto all = (*file)->ReadAt(0, local.size(), scratch.data());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, local);
  EXPECT_EQ((*file)->ReadAt(local.size() - 1, 2, scratch.data()).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(*fs->ReadFileToString(pb), local);
  EXPECT_EQ(fs->ReadFileToString(served_.url("/raw/nope")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fs->NewRandomAccessFile(served_.url("/raw/nope")).status().code(), StatusCode::kNotFound);

  EXPECT_EQ(fs->WriteStringToFile(served_.url("/raw/x"), "x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(fs->CreateExclusive(served_.url("/raw/x"), "x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(fs->DeleteRecursively(served_.url("/raw")).code(), StatusCode::kPermissionDenied);
  auto list = fs->ListDir(served_.url("/raw"));
  EXPECT_EQ(list.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(list.status().message(), HasSubstr("does not support ListDir()"));
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
