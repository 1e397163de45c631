#include "served_models.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "testing/archive_builder.h"

namespace tfhub::itest {

std::string ServedModels::ModelDir(const std::string& name) {
  return std::string(TFHUB_TESTDATA_DIR) + "/savedmodels/" + name;
}

std::vector<std::string> ServedModels::ModelNames() {
  std::vector<std::string> names;
  for (const auto& n : test::ListDir(std::string(TFHUB_TESTDATA_DIR) + "/savedmodels")) {
    if (n.find('.') == std::string::npos) names.push_back(n);
  }
  return names;
}

ServedModels& ServedModels::Get() {
  // A static object, not a leaked pointer: its destructor stops nginx at exit.
  static ServedModels instance;
  return instance;
}

ServedModels::ServedModels() {
  test::MakeDirs(root_.Sub("models"));
  for (const auto& name : ModelNames()) {
    test::MakeTarWithGnuTar(ModelDir(name), root_.Sub("models/" + name + ".tar.gz"));
    test::MakeTarWithGnuTar(ModelDir(name), root_.Sub("models/" + name + ".tar"));
    test::MakeDirs(root_.Sub("raw/" + name));
    std::filesystem::copy(ModelDir(name), root_.Sub("raw/" + name), std::filesystem::copy_options::recursive);
  }
  test::WriteStringToFile(root_.Sub("bad/page.tar.gz"),
                          "<!doctype html><html><body>Not a model</body></html>\n");
  test::WriteStringToFile(root_.Sub("docs.html"), "<html>model documentation</html>\n");

  auto hostile = [&](const std::string& name, auto add) {
    test::ArchiveWriter w(/*gzip=*/true);
    add(w);
    test::WriteStringToFile(root_.Sub("hostile/" + name + ".tar.gz"), w.Finish());
  };
  hostile("symlink", [](test::ArchiveWriter& w) {
    w.AddFile("saved_model.pb", "x");
    w.AddSymlink("evil", "/etc");
    w.AddFile("evil/owned", "y");
  });
  hostile("dotdot", [](test::ArchiveWriter& w) { w.AddFile("../../escaped", "y"); });
  hostile("hardlink", [](test::ArchiveWriter& w) {
    w.AddFile("a", "x");
    w.AddHardlink("b", "a");
  });

  nginx_ = test::NginxServer::Start(root_.path(), R"(
    location /smart/ {
      if ($args ~ "(^|&)tf-hub-format=compressed") {
        rewrite ^/smart/(.*)$ /models/$1.tar.gz last;
      }
      rewrite ^ /docs.html last;
    }
    location /redirect/ {
      rewrite ^/redirect/(.*)$ /models/$1.tar.gz permanent;
    }
  )");
}

std::vector<std::pair<std::string, std::string>> TreeWithContents(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& rel : test::ListTree(dir)) {
    const std::string path = dir + "/" + rel;
    struct stat st;
    if (rel.back() == '/' || ::lstat(path.c_str(), &st) != 0) {
      out.emplace_back(rel, "");
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(4096, '\0');
      const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
      out.emplace_back(rel, "-> " + target.substr(0, n < 0 ? 0 : static_cast<size_t>(n)));
    } else if (!S_ISREG(st.st_mode)) {
      out.emplace_back(rel, "(not a regular file)");
    } else {
      out.emplace_back(rel, test::ReadFileToString(path));
    }
  }
  return out;
}

}  // namespace tfhub::itest
