// A real nginx on 127.0.0.1 serving archives that GNU tar made from the
// bundled SavedModels (testdata/savedmodels), plus the odd routes the
// integration tests need. Started once per test binary.
//
//   /models/<name>.tar.gz, /models/<name>.tar   every bundled model
//   /raw/<name>/...       every bundled model's files as they are
//   /smart/<name>         archive only with ?tf-hub-format=compressed,
//                         otherwise an HTML documentation page (tfhub.dev)
//   /redirect/<name>      301 to /models/<name>.tar.gz
//   /bad/page.tar.gz      an HTML page served with 200
//   /hostile/<case>.tar.gz crafted archives (symlink, ../, hard link, ...)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "testing/nginx_server.h"
#include "testing/temp_dir.h"

namespace tfhub::itest {

class ServedModels {
 public:
  // The shared instance (created on first use; lives until exit).
  static ServedModels& Get();

  std::string url(const std::string& path) const { return nginx_->url(path); }
  test::NginxServer& nginx() { return *nginx_; }
  static std::string ModelDir(const std::string& name);
  static std::vector<std::string> ModelNames();

 private:
  ServedModels();
  test::TempDir root_{"tfhub_www"};
  std::unique_ptr<test::NginxServer> nginx_;
};

// Sorted relative paths ("a/", "a/b") under `dir` and the contents of each
// file, for comparing two trees. Links are not followed: a symlink's
// "contents" are "-> <target>", those of a FIFO or device a placeholder.
std::vector<std::pair<std::string, std::string>> TreeWithContents(const std::string& dir);

}  // namespace tfhub::itest
