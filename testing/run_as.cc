#include "testing/run_as.h"

#include <grp.h>
#include <pwd.h>

namespace tfhub::test {

std::optional<User> LookUpUser(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  User user;
  user.name = found->pw_name;
  user.uid = found->pw_uid;
  user.gid = found->pw_gid;
  int n = 32;
  for (;;) {
    user.groups.resize(static_cast<size_t>(n));
    const int want = n;
    if (getgrouplist(found->pw_name, found->pw_gid, user.groups.data(), &n) >= 0) break;
    if (n <= want) n = want * 2;  // some implementations do not say how many
  }
  user.groups.resize(static_cast<size_t>(n));
  return user;
}

std::optional<gid_t> LookUpGroup(const std::string& name) {
  std::vector<char> buf(65536);
  group gr{};
  group* found = nullptr;
  if (getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  return found->gr_gid;
}

ProcessResult RunAsUser(const User& user, const std::string& script, const std::vector<std::string>& args,
                        RunOptions options) {
  std::vector<std::string> argv = {"/bin/sh", "-c", script, "sh"};
  argv.insert(argv.end(), args.begin(), args.end());
  options.cwd = "/";
  options.credentials = Credentials{user.uid, user.gid, user.groups};
  for (const char* name : {"HOME", "USER", "LOGNAME"}) {
    if (!options.env_changes.contains(name)) {
      options.env_changes[name] = std::string(name) == "HOME" ? "/" : user.name;
    }
  }
  return RunProcessWithOptions(argv, options);
}

}  // namespace tfhub::test
