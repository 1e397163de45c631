#include "testing/run_as.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace tfhub::test {
namespace {

using ::testing::Contains;

TEST(LookUpTest, FindsRootAndNotAnInventedName) {
  const auto root = LookUpUser("root");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->uid, 0u);
  EXPECT_EQ(root->gid, 0u);
  EXPECT_THAT(root->groups, Contains(0u));
  EXPECT_FALSE(LookUpUser("tfhub-no-such-user").has_value());
  EXPECT_EQ(LookUpGroup("root"), std::optional<gid_t>(0));
  EXPECT_FALSE(LookUpGroup("tfhub-no-such-group").has_value());
}

// "nobody" is in every Debian base system: an unprivileged user that is
// certainly not this process.
class RunAsUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "only root can run a program as another user";
    auto nobody = LookUpUser("nobody");
    if (!nobody) GTEST_SKIP() << "there is no user 'nobody'";
    nobody_ = *nobody;
  }
  User nobody_;
};

TEST_F(RunAsUserTest, RunsWithTheUsersIdsAndPassesArgumentsVerbatim) {
  auto r = RunAsUser(nobody_, R"(id -u; id -g; id -G; pwd; printf '%s|' "$@")", {"a b", "$HOME; *", ""});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  std::string groups;
  for (gid_t g : nobody_.groups) groups += (groups.empty() ? "" : " ") + std::to_string(g);
  // `id -G` lists the effective group first, then the supplementary ones.
  EXPECT_EQ(r.out, std::to_string(nobody_.uid) + "\n" + std::to_string(nobody_.gid) + "\n" + groups + "\n/\na b|$HOME; *||");
}

TEST_F(RunAsUserTest, CannotDoWhatOnlyRootMay) {
  TempDir dir;  // 0700, root's
  ::chmod(dir.path().c_str(), 0755);
  test::MakeDirs(dir.Sub("open"));
  ::chmod(dir.Sub("open").c_str(), 01777);
  auto denied = RunAsUser(nobody_, R"(touch "$1")", {dir.Sub("x")});
  EXPECT_NE(denied.exit_code, 0) << denied.DebugString();
  EXPECT_FALSE(PathExists(dir.Sub("x")));
  auto made = RunAsUser(nobody_, R"(touch "$1")", {dir.Sub("open/x")});
  ASSERT_TRUE(made.ok()) << made.DebugString();
  struct stat st;
  ASSERT_EQ(::lstat(dir.Sub("open/x").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, nobody_.uid);
  EXPECT_EQ(st.st_gid, nobody_.gid);
}

TEST_F(RunAsUserTest, ExitStatusIsReported) {
  auto r = RunAsUser(nobody_, "echo out; echo err >&2; exit 7");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

}  // namespace
}  // namespace tfhub::test
