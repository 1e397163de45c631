// Test-support: another local user, for tests of what one user can do to
// another's files (tests/integration/shared_machine_test.cc: a second,
// unprivileged user attacks the cache of a root tfhub).
//
// Contract:
//  * LookUpUser()/LookUpGroup() read the user and group databases
//    (getpwnam_r, getgrouplist, getgrnam_r); nullopt when there is no such
//    user or group.
//  * RunAsUser() runs `/bin/sh -c script sh args...` as `user` (its uid, its
//    primary group and all its supplementary groups; subprocess.h's
//    RunOptions::credentials) and returns how it ended and its output. It
//    needs root (setgroups does, even for one's own groups). The
//    script reads its arguments as "$1", "$2", ...: no quoting needed, any
//    bytes but NUL. It starts in "/", with stdin from /dev/null and this
//    process's environment (plus HOME=/ and USER/LOGNAME of the user, and
//    `options.env_changes`). Like RunProcess(), a non-zero exit is reported,
//    not thrown; failing to start throws std::runtime_error.
//  * Thread-safe (fork+execve, only async-signal-safe calls in the child).
#ifndef TFHUB_TESTING_RUN_AS_H_
#define TFHUB_TESTING_RUN_AS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "testing/subprocess.h"

namespace tfhub::test {

struct User {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;               // primary group
  std::vector<gid_t> groups;   // every group the user is in, the primary one too
};

std::optional<User> LookUpUser(const std::string& name);
std::optional<gid_t> LookUpGroup(const std::string& name);

// See above. `options.cwd` and `options.credentials` are set here.
ProcessResult RunAsUser(const User& user, const std::string& script,
                        const std::vector<std::string>& args = {},
                        RunOptions options = {});

}  // namespace tfhub::test

#endif  // TFHUB_TESTING_RUN_AS_H_
