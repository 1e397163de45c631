// `tfhub cache list|du|rm|prune|verify|clean`: look inside the cache shared
// with Python tensorflow_hub and tidy it (library: src/cachetools/).
//
//   list   [--json]                       one row per entry, with its state
//   du     [--json]                       sizes per entry and in total
//   rm     HANDLE|SHA1... [--dry-run] [--json]
//   prune  [--older-than D] [--max-size S] [--dry-run] [--json]
//   verify [--json]                       re-check tfhub's record of every module
//   clean  [--stale-locks] [--dry-run] [--json]
//
// Exit codes (stable, listed in README.md): 0 success; 1 a failure (cache
// dir unreadable, something could not be removed, rm of a handle that is
// not cached, an entry left alone because it is locked); 2 usage error;
// 3 `verify` found a damaged module; 128+N interrupted by signal N (rm,
// prune and clean stop between two removals at the first Ctrl-C).
//
// --json (cli/json_output.h): one document on stdout. A command that fails
// before it has a result prints {"error": {"code", "message"}}; rm, prune and
// clean always print their result ({"cache_dir", "dry_run", "removed",
// "freed_bytes", "errors"}) and add "error" (the first failure) when they
// exit non-zero. verify's exit 3 is a result, not an error: no "error".
// Error messages go to stderr in both modes.
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <string>
#include <vector>

#include "runtime/context.h"
#include "tfhub/options.h"

namespace tfhub::cli {

struct CacheArgs {
  std::string command;               // "list", "du", ...
  bool json = false;
  bool dry_run = false;
  std::vector<std::string> targets;  // rm: handles or SHA-1 keys
  std::string older_than;            // prune: "7d"
  std::string max_size;              // prune: "10G"
  bool stale_locks = false;          // clean: also stale locks of other hosts
};

inline constexpr int kCacheExitOk = 0;
inline constexpr int kCacheExitFailure = 1;
inline constexpr int kCacheExitUsage = 2;
inline constexpr int kCacheExitDamaged = 3;

// Registers "cache" and its subcommands on `app`, filling `*args` when parsed.
CLI::App* AddCacheCommand(CLI::App& app, CacheArgs* args);

// Runs the parsed command on options.cache_dir (or the default cache dir);
// returns the exit code. Results go to `out`, errors to `err`.
int RunCache(const CacheArgs& args, const runtime::Context& ctx, std::ostream& out, std::ostream& err);

}  // namespace tfhub::cli
