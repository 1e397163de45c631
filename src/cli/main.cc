// The tfhub command line. Reads the environment once (OptionsFromEnvironment)
// and maps Status codes to exit codes.
//
// Exit codes: 0 success, 1 resolve failed, 2 usage error (bad arguments or
// configuration), 128+N interrupted by signal N (130 for Ctrl-C, 143 for
// SIGTERM) after removing the partial download.
//
// Progress: while a download runs, a progress bar on stderr when stderr is a
// terminal — unless --quiet, or TFHUB_DOWNLOAD_PROGRESS asks for the
// reference's log lines instead. --quiet also drops informational log lines
// (warnings and errors remain).
#include <CLI/CLI.hpp>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cctype>
#include <iostream>
#include <optional>
#include <vector>
#include <string>

#include "cli/cache_command.h"
#include "cli/interrupts.h"
#include "cli/progress_bar.h"
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

// The terminal's columns, 80 when it does not say.
int TerminalColumns(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
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
  bool quiet = false;
  for (CLI::App* cmd : {resolve_cmd, show_cmd}) {
    cmd->add_flag("-q,--quiet", quiet, "No progress bar and no informational messages; errors still go to stderr");
  }
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

  // The bar and the log lines share stderr: a line first erases the bar
  // (the next report redraws it), and the bar is gone before anything else
  // is printed.
  std::optional<tfhub::cli::ProgressBar> bar;
  if (quiet) options->log_progress = false;
  if (!quiet && !options->log_progress && isatty(STDERR_FILENO)) {
    bar.emplace([](std::string_view text) { std::cerr << text << std::flush; },
                tfhub::cli::ProgressBar::Options{.width = TerminalColumns(STDERR_FILENO)});
    options->progress = [&bar](const tfhub::DownloadProgress& progress) {
      bar->Update(progress, tfhub::cli::ProgressBar::Clock::now());
    };
  }
  options->log = [&bar, quiet](std::string_view line) {
    if (quiet && !line.starts_with("WARNING")) return;
    if (bar) bar->Clear();
    std::cerr << line << '\n';
  };
  const auto clear_bar = [&bar] {
    if (bar) bar->Clear();
  };

  if (*show_cmd) {
    // RunShow prints the resolve's errors itself: the bar must be gone by
    // then, which the library's final (finished) report sees to.
    const int rc = tfhub::cli::RunShow(show_args, *options, std::cout, std::cerr);
    clear_bar();
    return rc;
  }
  if (*cache_cmd) return tfhub::cli::RunCache(cache_args, *options, std::cout, std::cerr);
  if (*resolve_cmd) {
    for (char c : sha256) options->archive_sha256 += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto path = tfhub::resolve(handle, *options);
    clear_bar();
    if (!path.ok()) return Fail(path.status(), kExitFailure);
    std::cout << *path << '\n';
    return std::cout.good() ? 0 : kExitFailure;
  }
  return kExitUsage;
}
