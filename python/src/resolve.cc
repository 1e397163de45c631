// tfhub._tfhub.resolve and the options it shares with load().
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "cli/progress_bar.h"
#include "cli/terminal_output.h"
#include "config/flags.h"
#include "errors.h"
#include "interruptible.h"
#include "options.h"
#include "tfhub/resolve.h"

namespace py = pybind11;

namespace tfhub::python {

ResolveOptions BuildResolveOptions(const ResolveArgs& args) {
  Result<ResolveOptions> env =
      config::OptionsFromEnvironmentAndExplicitSettings({args.cache_dir, args.load_format, args.offline});
  ThrowIfError(env.status());
  ResolveOptions options = std::move(env).value();
  if (args.sha256) {
    std::optional<std::string> pin = config::NormalizeSha256Pin(*args.sha256);
    if (!pin) {
      throw StatusError(InvalidArgumentError("sha256: expected 64 hexadecimal digits, got '" + *args.sha256 + "'"));
    }
    options.archive_sha256 = std::move(*pin);
  }
  return options;
}

namespace {

// Resolves with the CLI's progress bar on a terminal, cancellable by Ctrl-C.
ResolvedModule ResolveInterruptibly(const std::string& handle, ResolveOptions options) {
  std::optional<cli::ProgressBar> bar;
  cli::AttachOutput(options, /*quiet=*/false, bar);
  Result<ResolvedModule> resolved = RunInterruptible([&](const std::atomic<bool>* cancel) {
    options.cancel = cancel;
    Result<ResolvedModule> r = ResolveModule(handle, options);
    if (bar) bar->Clear();
    return r;
  });
  ThrowIfError(resolved.status());
  return std::move(resolved).value();
}

}  // namespace

// Used by load() too: the path of `handle`, resolved as resolve() does.
std::string ResolvePath(const std::string& handle, const ResolveOptions& options) {
  return ResolveInterruptibly(handle, options).path;
}

void DefineResolve(py::module_& m) {
  m.def(
      "resolve",
      [](const std::string& handle, std::optional<std::string> cache_dir, std::optional<std::string> load_format,
         std::optional<bool> offline, std::optional<std::string> sha256) {
        const ResolveOptions options = BuildResolveOptions({cache_dir, load_format, offline, sha256});
        return ResolvePath(handle, options);
      },
      py::arg("handle"), py::kw_only(), py::arg("cache_dir") = py::none(), py::arg("load_format") = py::none(),
      py::arg("offline") = py::none(), py::arg("sha256") = py::none(),
      "Resolves a model handle to a local directory (see tfhub.resolve).");
}

}  // namespace tfhub::python
