// What is particular to the local backend; the generic contract is checked
// by the conformance suite (file_system_conformance_test.cc: plain paths
// and file:// URIs).
#include "io/local_file_system.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace tfhub::io {
namespace {

class LocalFileSystemTest : public ::testing::Test {
 protected:
  LocalFileSystem fs_;
  test::TempDir dir_;
};

TEST_F(LocalFileSystemTest, ErrorsNameThePathAndCause) {
  auto r = fs_.ReadFileToString(dir_.Sub("missing"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(dir_.Sub("missing")), std::string::npos);
  EXPECT_NE(r.status().message().find("No such file or directory"), std::string::npos);
  EXPECT_EQ(PosixError("write", "/x", ENOSPC).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(PosixError("write", "/x", EROFS).code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace tfhub::io
