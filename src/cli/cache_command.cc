#include "cli/cache_command.h"

#include <algorithm>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "base/system.h"
#include "cache/cache_dir.h"
#include "cachetools/cache_ops.h"
#include "cachetools/cache_scan.h"
#include "cachetools/units.h"
#include "cli/interrupts.h"
#include "cli/json_output.h"
#include "tfhub/file_system.h"

namespace tfhub::cli {

namespace {

using cachetools::Entry;
using cachetools::EntryState;
using nlohmann::json;
using std::chrono::system_clock;

std::string LocalTime(system_clock::time_point t) {
  const std::time_t tt = system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string_view HolderName(cachetools::LockHolder h) {
  switch (h) {
    case cachetools::LockHolder::kNone: return "none";
    case cachetools::LockHolder::kAlive: return "alive";
    case cachetools::LockHolder::kDeadLocal: return "dead_local_process";
    case cachetools::LockHolder::kStale: return "stale";
  }
  return "none";
}

bool IsModule(const Entry& e) {
  return e.state == EntryState::kComplete || e.state == EntryState::kDamaged || e.state == EntryState::kEmpty;
}

std::string Handle(const Entry& e) {
  return e.has_descriptor && !e.descriptor.handle.empty() ? e.descriptor.handle : "-";
}

std::string DownloadedBy(const Entry& e) {
  if (!e.has_descriptor || e.descriptor.hostname.empty()) return "-";
  return e.descriptor.hostname + " (PID:" + std::to_string(e.descriptor.pid) + ")";
}

json EntryJson(const Entry& e) {
  json j = {{"state", cachetools::EntryStateName(e.state)},
            {"key", e.key},
            {"path", e.path},
            {"paths", e.paths},
            {"bytes", e.bytes},
            {"files", e.files},
            {"handle", nullptr},
            {"download_time", nullptr},
            {"downloaded_by", nullptr},
            {"tfhub_record", e.has_descriptor && e.descriptor.has_record},
            {"last_used", nullptr},
            {"lock", nullptr},
            {"lock_holder", HolderName(e.lock_holder)},
            {"why", e.why}};
  if (e.has_descriptor) {
    if (!e.descriptor.handle.empty()) j["handle"] = e.descriptor.handle;
    if (!e.descriptor.download_time.empty()) j["download_time"] = e.descriptor.download_time;
    if (!e.descriptor.hostname.empty()) {
      j["downloaded_by"] = {{"host", e.descriptor.hostname}, {"pid", e.descriptor.pid}};
    }
  }
  if (e.last_used) j["last_used"] = system_clock::to_time_t(*e.last_used);
  if (e.lock_holder != cachetools::LockHolder::kNone) j["lock"] = e.lock_contents;
  if (!e.uid.empty()) j["uid"] = e.uid;
  return j;
}

// Left-aligned columns, the last one unpadded. Cells are escaped
// (base::EscapeForTerminal): handles, hosts, lock contents and names come
// from disk.
void PrintTable(std::ostream& out, std::vector<std::vector<std::string>> rows) {
  for (auto& row : rows) {
    for (auto& cell : row) cell = base::EscapeForTerminal(cell);
  }
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  }
}

struct CacheRun {
  std::string cache_dir;
  const cache::CacheDir* dir = nullptr;
  cachetools::ScanOptions scan_options;
  cachetools::Identity me;
  const std::atomic<bool>* cancel = nullptr;  // Ctrl-C: stop between removals
};

// The failures of rm, prune and clean: one item each in the result's
// "errors" (with "code" and the message in "error"), a line each on stderr.
struct Errors {
  json items = json::array();
  Status first;

  void Add(json item, const Status& s, std::ostream& err) {
    item["code"] = std::string(StatusCodeName(s.code()));
    item["error"] = s.message();
    items.push_back(std::move(item));
    if (first.ok()) first = s;
    err << "tfhub: error: " << base::EscapeForTerminal(s.message()) << '\n';
  }
  // The result's "error" member: the first failure, and how many more.
  json Summary() const {
    json j = StatusJson(first);
    if (items.size() > 1) {
      j["message"] = first.message() + " (and " + std::to_string(items.size() - 1) + " more errors)";
    }
    return j;
  }
};

void PrintUnrecognized(const cachetools::CacheScan& scan, std::ostream& out) {
  if (!scan.unrecognized.empty()) {
    out << scan.unrecognized.size() << " unrecognised name(s) left alone:";
    for (const auto& n : scan.unrecognized) out << ' ' << base::EscapeForTerminal(n);
    out << '\n';
  }
  if (!scan.untrusted.empty()) {
    out << scan.untrusted.size() << " name(s) of users tfhub does not trust in this cache dir, left alone:";
    for (const auto& u : scan.untrusted) out << ' ' << base::EscapeForTerminal(u.name) << " (uid " << u.owner << ")";
    out << '\n';
  }
}

json UntrustedJson(const cachetools::CacheScan& scan) {
  json items = json::array();
  for (const auto& u : scan.untrusted) items.push_back({{"name", u.name}, {"owner", u.owner}});
  return items;
}

int RunList(const CacheArgs& args, const cachetools::CacheScan& scan, std::ostream& out) {
  uint64_t total = 0;
  for (const auto& e : scan.entries) total += e.bytes;
  if (args.json) {
    json entries = json::array();
    for (const auto& e : scan.entries) entries.push_back(EntryJson(e));
    out << DumpJson(json{{"cache_dir", scan.cache_dir}, {"exists", scan.exists}, {"entries", entries},
                {"total_bytes", total}, {"unrecognized", scan.unrecognized},
                {"untrusted", UntrustedJson(scan)}}
               ) << '\n';
    return kCacheExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"STATE", "SIZE", "FILES", "LAST USED", "DOWNLOADED", "BY", "HANDLE", "PATH", "NOTE"}};
  for (const auto& e : scan.entries) {
    std::string by = DownloadedBy(e);
    if (e.state == EntryState::kDownloading || e.state == EntryState::kAbandonedLock) {
      by = "lock " + std::string(base::TrimWhitespace(e.lock_contents));
    }
    rows.push_back({std::string(cachetools::EntryStateName(e.state)), base::ReadableBytes(e.bytes),
                    std::to_string(e.files), e.last_used ? LocalTime(*e.last_used) : "-",
                    e.has_descriptor && !e.descriptor.download_time.empty() ? e.descriptor.download_time.substr(0, 19)
                                                                            : "-",
                    by, Handle(e), e.path, e.why});
  }
  if (scan.entries.empty()) {
    out << "The cache " << base::EscapeForTerminal(scan.cache_dir) << (scan.exists ? " is empty." : " does not exist.")
        << '\n';
  } else {
    PrintTable(out, rows);
    out << scan.entries.size() << " entries, " << base::ReadableBytes(total) << " in "
        << base::EscapeForTerminal(scan.cache_dir) << '\n';
  }
  PrintUnrecognized(scan, out);
  return kCacheExitOk;
}

int RunDu(const CacheArgs& args, const cachetools::CacheScan& scan, std::ostream& out) {
  uint64_t total = 0, modules = 0, downloading = 0, cleanable = 0;
  size_t module_count = 0;
  for (const auto& e : scan.entries) {
    total += e.bytes;
    if (IsModule(e)) {
      modules += e.bytes;
      ++module_count;
    } else if (e.state == EntryState::kDownloading) {
      downloading += e.bytes;
    }
    if (cachetools::IsCleanable(e, /*include_stale_locks=*/false)) cleanable += e.bytes;
  }
  if (args.json) {
    json entries = json::array();
    for (const auto& e : scan.entries) {
      entries.push_back({{"path", e.path}, {"handle", Handle(e) == "-" ? json(nullptr) : json(Handle(e))},
                         {"state", cachetools::EntryStateName(e.state)}, {"bytes", e.bytes}, {"files", e.files}});
    }
    out << DumpJson(json{{"cache_dir", scan.cache_dir}, {"total_bytes", total}, {"modules", module_count},
                {"module_bytes", modules}, {"downloading_bytes", downloading}, {"cleanable_bytes", cleanable},
                {"entries", entries}}
               ) << '\n';
    return kCacheExitOk;
  }
  std::vector<const Entry*> sorted;
  for (const auto& e : scan.entries) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) { return a->bytes > b->bytes; });
  std::vector<std::vector<std::string>> rows;
  for (const Entry* e : sorted) {
    rows.push_back({base::ReadableBytes(e->bytes), std::string(cachetools::EntryStateName(e->state)),
                    Handle(*e) == "-" ? e->path : Handle(*e)});
  }
  rows.push_back({base::ReadableBytes(total), "total",
                  std::to_string(module_count) + " modules " + base::ReadableBytes(modules) +
                      ", being downloaded " + base::ReadableBytes(downloading) +
                      ", reclaimable by `tfhub cache clean` " + base::ReadableBytes(cleanable)});
  PrintTable(out, rows);
  return kCacheExitOk;
}

// Shared by rm, prune and clean: runs `remove` on each row (or only says
// what it would do) and reports.
int RemoveRows(const CacheArgs& args, const CacheRun& ctx, const std::vector<const Entry*>& rows,
               Errors errors, std::ostream& out, std::ostream& err,
               const std::function<Status(const Entry&)>& remove) {
  json removed = json::array();
  uint64_t freed = 0;
  for (const Entry* e : rows) {
    if (ctx.cancel != nullptr && ctx.cancel->load()) {
      errors.Add({{"path", e->path}}, AbortedError("interrupted before removing " + e->path), err);
      break;
    }
    Status s = args.dry_run ? Status::Ok() : remove(*e);
    const std::string what = std::string(cachetools::EntryStateName(e->state)) + ", " + base::ReadableBytes(e->bytes) +
                             (Handle(*e) == "-" ? "" : ", " + Handle(*e));
    if (s.ok()) {
      freed += e->bytes;
      removed.push_back(EntryJson(*e));
      if (!args.json) {
        out << (args.dry_run ? "would remove " : "removed ") << base::EscapeForTerminal(e->path) << " ("
            << base::EscapeForTerminal(what) << ")\n";
      }
    } else {
      errors.Add({{"path", e->path}}, s, err);
    }
  }
  const int sig = InterruptSignal();
  if (sig != 0 && errors.first.ok()) errors.first = AbortedError("interrupted");
  if (args.json) {
    json j = {{"cache_dir", ctx.cache_dir}, {"dry_run", args.dry_run}, {"removed", removed},
              {"freed_bytes", freed}, {"errors", errors.items}};
    if (!errors.first.ok()) j["error"] = errors.Summary();
    out << DumpJson(j) << '\n';
  } else {
    out << (args.dry_run ? "would free " : "freed ") << base::ReadableBytes(freed) << " (" << removed.size()
        << " entries)\n";
  }
  if (sig != 0) return 128 + sig;
  return errors.first.ok() ? kCacheExitOk : kCacheExitFailure;
}

int RunRm(const CacheArgs& args, const CacheRun& ctx, const cachetools::CacheScan& scan, std::ostream& out,
          std::ostream& err) {
  std::vector<const Entry*> rows;
  Errors errors;
  for (const auto& target : args.targets) {
    const std::string key = cachetools::KeyForArgument(target);
    const auto it = std::find_if(scan.entries.begin(), scan.entries.end(),
                                 [&](const Entry& e) { return e.key == key && IsModule(e); });
    if (it == scan.entries.end()) {
      errors.Add({{"target", target}}, NotFoundError(target + " is not in the cache " + ctx.cache_dir), err);
      continue;
    }
    if (std::find(rows.begin(), rows.end(), &*it) == rows.end()) rows.push_back(&*it);
  }
  return RemoveRows(args, ctx, rows, std::move(errors), out, err, [&](const Entry& e) {
    return cachetools::RemoveModule(*ctx.dir, e, ctx.me);
  });
}

int RunPrune(const CacheArgs& args, const CacheRun& ctx, const cachetools::CacheScan& scan, std::ostream& out,
             std::ostream& err) {
  cachetools::PruneCriteria criteria;
  if (!args.older_than.empty()) {
    auto d = cachetools::ParseDuration(args.older_than);
    if (!d.ok()) return ReportError(d.status().WithPrefix("--older-than"), args.json, kCacheExitUsage, out, err);
    criteria.older_than = *d;
  }
  if (!args.max_size.empty()) {
    auto s = cachetools::ParseSize(args.max_size);
    if (!s.ok()) return ReportError(s.status().WithPrefix("--max-size"), args.json, kCacheExitUsage, out, err);
    criteria.max_size = *s;
  }
  if (!criteria.older_than && !criteria.max_size) {
    return ReportError(InvalidArgumentError("prune needs --older-than and/or --max-size"), args.json,
                       kCacheExitUsage, out, err);
  }
  const auto plan = cachetools::PlanPrune(scan, criteria, ctx.scan_options.now);
  return RemoveRows(args, ctx, plan, Errors{}, out, err, [&](const Entry& e) {
    return cachetools::RemoveModule(*ctx.dir, e, ctx.me);
  });
}

int RunClean(const CacheArgs& args, const CacheRun& ctx, const cachetools::CacheScan& scan, std::ostream& out,
             std::ostream& err) {
  std::vector<const Entry*> rows;
  for (const auto& e : scan.entries) {
    if (cachetools::IsCleanable(e, args.stale_locks)) {
      rows.push_back(&e);
    } else if (e.state == EntryState::kAbandonedLock && !args.json) {
      out << "left alone: " << base::EscapeForTerminal(e.path) << " (lock '"
          << base::EscapeForTerminal(e.lock_contents) << "' of another host, " << e.why
          << "; --stale-locks removes it)\n";
    }
  }
  return RemoveRows(args, ctx, rows, Errors{}, out, err, [&](const Entry& e) {
    return cachetools::CleanEntry(*ctx.dir, e, ctx.me);
  });
}

int RunVerify(const CacheArgs& args, const cachetools::CacheScan& scan, std::ostream& out) {
  json entries = json::array();
  std::vector<std::vector<std::string>> rows = {{"RESULT", "PATH", "HANDLE", "DETAILS"}};
  size_t counts[3] = {0, 0, 0};
  for (const auto& e : scan.entries) {
    if (!IsModule(e)) continue;
    std::string why;
    const auto r = cachetools::VerifyModule(e, &why);
    ++counts[static_cast<int>(r)];
    entries.push_back({{"path", e.path}, {"handle", Handle(e) == "-" ? json(nullptr) : json(Handle(e))},
                       {"result", cachetools::VerifyResultName(r)}, {"why", why}});
    rows.push_back({std::string(cachetools::VerifyResultName(r)), e.path, Handle(e), why});
  }
  if (args.json) {
    out << DumpJson(json{{"cache_dir", scan.cache_dir}, {"entries", entries}, {"ok", counts[0]}, {"damaged", counts[1]},
                {"unverifiable", counts[2]}}
               ) << '\n';
  } else {
    if (rows.size() > 1) PrintTable(out, rows);
    out << counts[0] << " ok, " << counts[1] << " damaged, " << counts[2] << " unverifiable (no tfhub record)\n";
  }
  return counts[1] > 0 ? kCacheExitDamaged : kCacheExitOk;
}

}  // namespace

CLI::App* AddCacheCommand(CLI::App& app, CacheArgs* args) {
  CLI::App* cache = app.add_subcommand("cache", "Inspect and tidy the module cache (list, du, rm, prune, verify, clean)");
  cache->fallthrough();
  cache->require_subcommand(1);
  cache->add_flag("--json", args->json, "Print JSON (also after the subcommand)");
  auto sub = [&](const char* name, const char* help) {
    CLI::App* c = cache->add_subcommand(name, help);
    c->fallthrough();
    c->add_flag("--json", args->json, "Print JSON");
    c->callback([args, name] { args->command = name; });
    return c;
  };
  sub("list",
      "One row per cache entry: state (complete, damaged, empty, downloading, abandoned_lock, orphaned_temp, "
      "damaged_leftover, orphaned_descriptor), size, files, last use, download time and host, handle, path");
  sub("du", "Disk usage per entry and in total (what `clean` would reclaim)");
  CLI::App* rm = sub("rm", "Remove modules by handle or SHA-1 (never one under a live lock)");
  rm->add_option("target", args->targets, "Handle (as resolved) or the 40-hex-digit cache key")->required();
  rm->add_flag("--dry-run", args->dry_run, "Only say what would be removed");
  CLI::App* prune = sub("prune",
                        "Remove least recently used modules. \"Used\" is the module dir's access time (every hit "
                        "lists it; exact to a day under relatime)");
  prune->add_option("--older-than", args->older_than, "Remove modules not used for this long: 30m, 12h, 7d, 2w");
  prune->add_option("--max-size", args->max_size,
                    "Then remove LRU modules until all modules fit in this size: 500M, 10G (powers of 1024)");
  prune->add_flag("--dry-run", args->dry_run, "Only say what would be removed");
  sub("verify",
      "Re-check every module against what tfhub recorded at download time (file count, bytes, manifest of all "
      "paths and sizes); exit 3 if one is damaged");
  CLI::App* clean = sub("clean",
                        "Remove orphaned temp dirs, .damaged leftovers, orphaned descriptors, empty module dirs and "
                        "locks of dead local processes");
  clean->add_flag("--stale-locks", args->stale_locks,
                  "Also remove abandoned locks of other hosts (no progress for the lock timeout)");
  clean->add_flag("--dry-run", args->dry_run, "Only say what would be removed");
  return cache;
}

int RunCache(const CacheArgs& args, const runtime::Context& runtime_ctx, std::ostream& out, std::ostream& err) {
  const ResolveOptions& options = runtime_ctx.options();
  auto dir = cache::CacheDir::Open(options.cache_dir, /*create=*/false, runtime_ctx.file_systems(), runtime_ctx.log());
  if (!dir.ok()) return ReportError(dir.status(), args.json, kCacheExitFailure, out, err);
  CacheRun ctx;
  ctx.cache_dir = dir->path();
  ctx.dir = &*dir;
  ctx.scan_options.lock_timeout = options.lock_timeout;
  ctx.scan_options.now = system_clock::now();
  ctx.scan_options.host = base::HostName();
  ctx.me = {base::HostName(), base::ProcessId()};
  ctx.cancel = options.cancel;
  auto scan = cachetools::ScanCache(*dir, ctx.scan_options);
  if (!scan.ok()) return ReportError(scan.status(), args.json, kCacheExitFailure, out, err);

  if (args.command == "list") return RunList(args, *scan, out);
  if (args.command == "du") return RunDu(args, *scan, out);
  if (args.command == "rm") return RunRm(args, ctx, *scan, out, err);
  if (args.command == "prune") return RunPrune(args, ctx, *scan, out, err);
  if (args.command == "verify") return RunVerify(args, *scan, out);
  if (args.command == "clean") return RunClean(args, ctx, *scan, out, err);
  return ReportError(InvalidArgumentError("unknown cache command '" + args.command + "'"), args.json, kCacheExitUsage,
                     out, err);
}

}  // namespace tfhub::cli
