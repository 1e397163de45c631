// The tfhub command line. Reads the environment once (OptionsFromEnvironment)
// and maps Status codes to exit codes.
//
// Exit codes: 0 success, 1 resolve failed, 2 usage error (bad arguments or
// configuration), 128+N interrupted by signal N (130 for Ctrl-C, 143 for
// SIGTERM) after removing the partial download.
#include <CLI/CLI.hpp>

#include <cctype>
#include <iostream>
#include <vector>
#include <string>

#include "cli/cache_command.h"
#include "cli/interrupts.h"
#include "cli/show_command.h"
#include "tfhub/resolve.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const tfhub::Status& status, int exit_code) {
  std::cerr << "tfhub: error: " << status.message() << '\n';
  if (const int sig = tfhub::cli::InterruptSignal(); sig != 0) return 128 + sig;
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  tfhub::cli::InstallInterruptHandler();  // first: before any thread starts
  CLI::App app{"tfhub: resolve TensorFlow Hub model handles into a local cache shared with Python "
               "tensorflow_hub.",
               "tfhub"};
  app.set_version_flag("--version", std::string("tfhub ") + std::string(tfhub::Version()));
  app.require_subcommand(1);

  tfhub::CommandLineFlags flags;
  app.add_option("--tfhub_cache_dir", flags.tfhub_cache_dir,
                 "Cache directory (TFHUB_CACHE_DIR wins when set; default <temp dir>/tfhub_modules)");
  app.add_option("--tfhub_model_load_format", flags.tfhub_model_load_format,
                 "AUTO, COMPRESSED or UNCOMPRESSED (TFHUB_MODEL_LOAD_FORMAT wins when set)");
  app.add_flag("--offline", flags.offline, "Resolve from the cache only, never download (as TFHUB_OFFLINE=1)");

  std::string handle;
  CLI::App* resolve_cmd = app.add_subcommand(
      "resolve", "Resolve HANDLE (URL or path) and print the module's path on stdout");
  resolve_cmd->fallthrough();
  resolve_cmd->add_option("handle", handle, "Model handle: http(s) URL or local path")->required();
  std::string sha256;
  resolve_cmd
      ->add_option("--sha256", sha256, "Require the downloaded archive to have this SHA-256 (64 hex digits)")
      ->check([](const std::string& v) {
        const bool ok = v.size() == 64 && v.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
        return ok ? std::string() : std::string("expected 64 hexadecimal digits");
      });
  tfhub::cli::ShowArgs show_args;
  CLI::App* show_cmd = tfhub::cli::AddShowCommand(app, &show_args);
  tfhub::cli::CacheArgs cache_args;
  CLI::App* cache_cmd = tfhub::cli::AddCacheCommand(app, &cache_args);
  std::vector<std::string> help_topic;
  CLI::App* help_cmd = app.add_subcommand("help", "Show help for a command: tfhub help [COMMAND [SUBCOMMAND]]");
  help_cmd->add_option("command", help_topic, "e.g. resolve, show, cache, cache prune");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }

  if (*help_cmd) {
    const CLI::App* topic = &app;
    for (const auto& name : help_topic) {
      try {
        topic = topic->get_subcommand(name);
      } catch (const CLI::OptionNotFound&) {
        std::cerr << "tfhub: error: no such command: " << name << '\n';
        return kExitUsage;
      }
    }
    std::cout << topic->help();
    return 0;
  }

  auto options = tfhub::OptionsFromEnvironment(flags);
  if (!options.ok()) return Fail(options.status(), kExitUsage);
  options->cancel = tfhub::cli::InterruptFlag();

  if (*show_cmd) return tfhub::cli::RunShow(show_args, *options, std::cout, std::cerr);
  if (*cache_cmd) return tfhub::cli::RunCache(cache_args, *options, std::cout, std::cerr);
  if (*resolve_cmd) {
    for (char c : sha256) options->archive_sha256 += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto path = tfhub::resolve(handle, *options);
    if (!path.ok()) return Fail(path.status(), kExitFailure);
    std::cout << *path << '\n';
    return std::cout.good() ? 0 : kExitFailure;
  }
  return kExitUsage;
}
