// The tfhub command line. Reads the environment once (OptionsFromEnvironment)
// and maps Status codes to exit codes.
//
// Exit codes (stable, the table in README.md): 0 success, 1 the command
// failed, 2 usage error (bad arguments or configuration, unknown command),
// 3 `cache verify` found damage, 128+N interrupted by signal N (130 for
// Ctrl-C, 143 for SIGTERM) after removing the partial download.
//
// --json: every command and subcommand takes it, and prints one JSON
// document on stdout; failures follow cli/json_output.h ({"error": {"code",
// "message"}}, the same exit code, the message still on stderr). That holds
// for usage errors CLI11 finds too (whenever "--json" is among the
// arguments); `--help --json` prints what `tfhub help COMMAND --json` does.
//
// Progress: while a download runs, a progress bar on stderr when stderr is a
// terminal — unless --quiet, or TFHUB_DOWNLOAD_PROGRESS asks for the
// reference's log lines instead. --quiet also drops informational log lines
// (warnings and errors remain).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cache_command.h"
#include "cli/interrupts.h"
#include "cli/json_output.h"
#include "cli/progress_bar.h"
#include "cli/show_command.h"
#include "cli/terminal_output.h"
#include "config/flags.h"
#include "resolve/resolver.h"
#include "runtime/context.h"
#include "tfhub/resolve.h"

namespace {

using nlohmann::json;
using tfhub::cli::DumpJson;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// A failed command's exit code: `exit_code`, or 128+N once signal N asked
// it to stop.
int ExitCode(int exit_code) {
  if (const int sig = tfhub::cli::InterruptSignal(); sig != 0 && exit_code != 0) return 128 + sig;
  return exit_code;
}

int Fail(const tfhub::Status& status, bool json_output, int exit_code) {
  return ExitCode(tfhub::cli::ReportError(status, json_output, exit_code, std::cout, std::cerr));
}

// Whether the arguments ask for JSON; for errors found before (or while)
// they are parsed.
bool ArgvWantsJson(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--json") return true;
  }
  return false;
}

// "tfhub cache prune" for that subcommand.
std::string CommandPath(const CLI::App& cmd) {
  std::string path = cmd.get_name();
  for (const CLI::App* a = cmd.get_parent(); a != nullptr; a = a->get_parent()) path = a->get_name() + " " + path;
  return path;
}

// "list, du, rm, ..." for `tfhub cache`.
std::string SubcommandNames(const CLI::App& cmd) {
  std::string names;
  for (const CLI::App* sub : cmd.get_subcommands([](const CLI::App*) { return true; })) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  return names;
}

// `name` (a word after `parent`'s path) is not one of its subcommands.
tfhub::Status NoSuchCommand(const CLI::App& parent, const std::string& name) {
  const std::string path = CommandPath(parent);
  const std::string full = parent.get_parent() == nullptr ? name : parent.get_name() + " " + name;
  return tfhub::InvalidArgumentError("no such command: '" + full + "' (" + path + " has: " + SubcommandNames(parent) +
                                     ")");
}

// `cmd` was given without one of its subcommands.
tfhub::Status NeedsCommand(const CLI::App& cmd) {
  std::string help = "tfhub help ";
  if (cmd.get_parent() != nullptr) help += cmd.get_name() + " ";
  return tfhub::InvalidArgumentError(CommandPath(cmd) + " needs a command: " + SubcommandNames(cmd) + " (see " + help +
                                     "COMMAND)");
}

// `tfhub help COMMAND --json`: what `--help` says, as data.
json HelpJson(const CLI::App& cmd) {
  json arguments = json::array();
  json options = json::array();
  for (const CLI::Option* o : cmd.get_options()) {
    if (o->get_lnames().empty() && o->get_snames().empty()) {
      arguments.push_back({{"name", o->get_name()},
                           {"description", o->get_description()},
                           {"required", o->get_required()},
                           {"repeatable", o->get_items_expected_max() > 1}});
      continue;
    }
    json names = json::array();
    for (const auto& n : o->get_snames()) names.push_back("-" + n);
    for (const auto& n : o->get_lnames()) names.push_back("--" + n);
    options.push_back({{"names", names},
                       {"description", o->get_description()},
                       {"takes_value", o->get_items_expected_max() != 0},
                       {"default", o->get_default_str().empty() ? json(nullptr) : json(o->get_default_str())}});
  }
  json subcommands = json::array();
  for (const CLI::App* sub : cmd.get_subcommands([](const CLI::App*) { return true; })) {
    subcommands.push_back({{"name", sub->get_name()}, {"description", sub->get_description()}});
  }
  return {{"command", CommandPath(cmd)}, {"description", cmd.get_description()}, {"arguments", arguments},
          {"options", options}, {"subcommands", subcommands}};
}

// The innermost subcommand the parse reached: whose --help was asked for.
const CLI::App* ParsedCommand(const CLI::App& app) {
  const CLI::App* cmd = &app;
  while (!cmd->get_subcommands().empty()) cmd = cmd->get_subcommands().front();
  return cmd;
}

// `tfhub resolve --json`: the handle, the path, and — when the handle went
// through the cache — the cache dir and the entry's key (what `tfhub cache
// rm` takes); null for handles returned where they lie (local paths, gs://).
json ResolveJson(const std::string& handle, const tfhub::ResolvedModule& resolved) {
  json j = {{"handle", handle}, {"path", resolved.path}, {"cache_dir", nullptr}, {"key", nullptr}};
  if (!resolved.cache_dir.empty()) {
    j["cache_dir"] = resolved.cache_dir;
    j["key"] = resolved.key;
  }
  return j;
}

// Everything the command line asked for.
struct Commands {
  tfhub::config::CommandLineFlags flags;
  std::string handle;
  bool resolve_json = false;
  std::string sha256;
  bool quiet = false;
  tfhub::cli::ShowArgs show_args;
  tfhub::cli::CacheArgs cache_args;
  std::vector<std::string> help_topic;
  bool help_json = false;
  CLI::App* resolve_cmd = nullptr;
  CLI::App* show_cmd = nullptr;
  CLI::App* cache_cmd = nullptr;
  CLI::App* help_cmd = nullptr;

  bool json() const { return resolve_json || show_args.json || cache_args.json; }
};

void DefineCommands(CLI::App& app, Commands& c) {
  app.set_version_flag("--version", std::string("tfhub ") + std::string(tfhub::Version()));
  app.require_subcommand(1);
  app.add_option("--tfhub_cache_dir", c.flags.tfhub_cache_dir,
                 "Cache directory (TFHUB_CACHE_DIR wins when set; default <temp dir>/tfhub_modules)");
  app.add_option("--tfhub_model_load_format", c.flags.tfhub_model_load_format,
                 "AUTO, COMPRESSED or UNCOMPRESSED (TFHUB_MODEL_LOAD_FORMAT wins when set)");
  app.add_flag("--offline", c.flags.offline, "Resolve from the cache only, never download (as TFHUB_OFFLINE=1)");

  c.resolve_cmd = app.add_subcommand("resolve", "Resolve HANDLE and print the module's path on stdout");
  c.resolve_cmd->fallthrough();
  c.resolve_cmd
      ->add_option("handle", c.handle,
                   "Model handle: an http(s) URL (tfhub.dev-style, or of a .tar/.tar.gz/.tgz), a gs:// archive or "
                   "directory, or a local path")
      ->required();
  c.resolve_cmd->add_flag("--json", c.resolve_json,
                          "Print JSON: handle, path, cache_dir and key (null for local paths)");
  c.resolve_cmd
      ->add_option("--sha256", c.sha256, "Require the downloaded archive to have this SHA-256 (64 hex digits)")
      ->check([](const std::string& v) {
        return tfhub::config::NormalizeSha256Pin(v) ? std::string() : std::string("expected 64 hexadecimal digits");
      });
  c.show_cmd = tfhub::cli::AddShowCommand(app, &c.show_args);
  for (CLI::App* cmd : {c.resolve_cmd, c.show_cmd}) {
    cmd->add_flag("-q,--quiet", c.quiet, "No progress bar and no informational messages; errors still go to stderr");
  }
  c.cache_cmd = tfhub::cli::AddCacheCommand(app, &c.cache_args);
  c.help_cmd = app.add_subcommand("help", "Show help for a command: tfhub help [COMMAND [SUBCOMMAND]]");
  c.help_cmd->fallthrough();
  c.help_cmd->add_option("command", c.help_topic, "e.g. resolve, show, cache, cache prune");
  c.help_cmd->add_flag("--json", c.help_json,
                       "Print JSON: the command's description, arguments, options and subcommands");
}

// A usage error CLI11 found: exit 2 with a message (and JSON when asked).
int ReportParseError(CLI::App& app, const CLI::ParseError& e, bool json_output) {
  const CLI::App& cmd = *ParsedCommand(app);
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && cmd.get_require_subcommand_min() > 0 &&
      cmd.get_subcommands().empty()) {
    // `tfhub`, `tfhub cache`, `tfhub cache frobnicate`: say which commands
    // there are, rather than CLI11's bare "A subcommand is required".
    std::vector<std::string> extra = app.remaining();
    if (&cmd != &app) {
      for (const auto& r : cmd.remaining()) extra.push_back(r);
    }
    const auto word = std::find_if(extra.begin(), extra.end(), [](const std::string& a) { return !a.starts_with('-'); });
    const tfhub::Status status = word != extra.end() ? NoSuchCommand(cmd, *word) : NeedsCommand(cmd);
    return tfhub::cli::ReportError(status, json_output, kExitUsage, std::cout, std::cerr);
  }
  const int rc = app.exit(e);
  if (rc == 0) return 0;
  if (json_output) {
    std::cout << DumpJson(json{{"error", tfhub::cli::StatusJson(tfhub::InvalidArgumentError(e.what()))}}) << '\n';
  }
  return kExitUsage;
}

// `tfhub help [COMMAND [SUBCOMMAND]] [--json]`.
int RunHelp(const CLI::App& app, const Commands& c) {
  const CLI::App* topic = &app;
  for (const auto& name : c.help_topic) {
    try {
      topic = topic->get_subcommand(name);
    } catch (const CLI::OptionNotFound&) {
      return Fail(NoSuchCommand(*topic, name), c.help_json, kExitUsage);
    }
  }
  if (c.help_json) {
    std::cout << DumpJson(HelpJson(*topic)) << '\n';
  } else {
    std::cout << topic->help();
  }
  return std::cout.good() ? 0 : kExitFailure;
}

// `tfhub resolve HANDLE [--sha256 HEX] [--json]`.
int RunResolve(const Commands& c, const tfhub::runtime::Context& ctx, const std::function<void()>& clear_bar) {
  auto resolved = tfhub::resolvers::ResolveWithContext(c.handle, ctx);
  clear_bar();
  if (!resolved.ok()) return Fail(resolved.status(), c.json(), kExitFailure);
  if (c.json()) {
    std::cout << DumpJson(ResolveJson(c.handle, *resolved)) << '\n';
  } else {
    std::cout << resolved->path << '\n';
  }
  return std::cout.good() ? 0 : kExitFailure;
}

}  // namespace

int main(int argc, char** argv) {
  tfhub::cli::InstallInterruptHandler();  // first: before any thread starts
  CLI::App app{"tfhub: resolve TensorFlow Hub model handles into a local cache shared with Python "
               "tensorflow_hub.",
               "tfhub"};
  Commands c;
  DefineCommands(app, c);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    if (!ArgvWantsJson(argc, argv)) return app.exit(e);
    std::cout << DumpJson(HelpJson(*ParsedCommand(app))) << '\n';
    return 0;
  } catch (const CLI::ParseError& e) {
    return ReportParseError(app, e, ArgvWantsJson(argc, argv));
  }
  if (*c.help_cmd) return RunHelp(app, c);

  // The environment is read here, once; everything below gets the context.
  auto options = tfhub::config::OptionsFromEnvironmentAndFlags(c.flags);
  if (!options.ok()) return Fail(options.status(), c.json(), kExitUsage);
  options->cancel = tfhub::cli::InterruptFlag();
  if (!c.sha256.empty()) options->archive_sha256 = tfhub::config::NormalizeSha256Pin(c.sha256).value();  // checked above
  std::optional<tfhub::cli::ProgressBar> bar;
  tfhub::cli::AttachOutput(*options, c.quiet, bar);  // progress bar and log lines on stderr
  const auto clear_bar = [&bar] {
    if (bar) bar->Clear();
  };
  const auto ctx = tfhub::runtime::Context::Make(*options);

  if (*c.show_cmd) {
    // RunShow prints the resolve's errors itself: the bar must be gone by
    // then, which the library's final (finished) report sees to.
    const int rc = tfhub::cli::RunShow(c.show_args, ctx->options(), std::cout, std::cerr);
    clear_bar();
    return ExitCode(rc);
  }
  if (*c.cache_cmd) return ExitCode(tfhub::cli::RunCache(c.cache_args, *ctx, std::cout, std::cerr));
  if (*c.resolve_cmd) return RunResolve(c, *ctx, clear_bar);
  return kExitUsage;
}
