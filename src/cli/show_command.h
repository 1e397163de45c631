// `tfhub show HANDLE [--signature NAME] [--json] [--tensor NAME [--limit N]]`:
// what saved_model_cli show --all prints (tags, signatures with dtypes and
// shapes), plus the checkpoint's variables (dtype, shape, size) and assets;
// --tensor prints one variable's values instead.
//
// Exit codes: 0 success, 1 the resolve/open/read failed (message on stderr,
// and with --json the {"error": ...} document of cli/json_output.h on
// stdout), 2 usage error (unknown --signature).
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <string>

#include "tfhub/options.h"

namespace tfhub::cli {

struct ShowArgs {
  std::string handle;
  std::string signature;  // empty: all
  bool json = false;
  std::string tensor;     // non-empty: print this variable's values
  int64_t limit = 100;    // values printed with --tensor; <= 0: all
};

// Registers the "show" subcommand on `app`, filling `*args` when parsed.
CLI::App* AddShowCommand(CLI::App& app, ShowArgs* args);

// Runs it; returns the exit code.
int RunShow(const ShowArgs& args, const ResolveOptions& options, std::ostream& out,
            std::ostream& err);

}  // namespace tfhub::cli
