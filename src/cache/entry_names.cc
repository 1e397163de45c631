#include "cache/entry_names.h"

#include <algorithm>

#include "base/sha1.h"

namespace tfhub::cache {

namespace {
bool IsLowerHex(std::string_view s, size_t n) {
  return s.size() == n &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
}  // namespace

bool IsKey(std::string_view s) { return IsLowerHex(s, 40); }

bool IsUid(std::string_view s) { return IsLowerHex(s, 32); }

EntryNames EntryNames::ForHandle(std::string_view handle) { return EntryNames(base::Sha1Hex(handle)); }

ParsedName ParseName(std::string_view name) {
  ParsedName p;
  if (name.size() < 40 || !IsKey(name.substr(0, 40))) return p;
  const EntryNames names{std::string(name.substr(0, 40))};
  const std::string_view rest = name.substr(40);
  // A name of the form <key><prefix><uid><suffix>.
  auto uid_between = [&](std::string_view prefix, std::string_view suffix) -> bool {
    if (rest.size() != prefix.size() + 32 + suffix.size()) return false;
    if (!rest.starts_with(prefix) || !rest.ends_with(suffix)) return false;
    const std::string_view uid = rest.substr(prefix.size(), 32);
    if (!IsUid(uid)) return false;
    p.uid = std::string(uid);
    return true;
  };
  if (rest.empty()) {
    p.kind = NameKind::kModule;
  } else if (name == names.descriptor()) {
    p.kind = NameKind::kDescriptor;
  } else if (name == names.lock()) {
    p.kind = NameKind::kLock;
  } else if (uid_between(".lock.tmp", "")) {
    p.kind = NameKind::kLockTemp;
  } else if (uid_between(".", ".tmp")) {
    p.kind = NameKind::kTempDir;
  } else if (uid_between(".descriptor.txt.", ".tmp")) {
    p.kind = NameKind::kDescriptorTemp;
  } else if (uid_between(".", ".damaged")) {
    p.kind = NameKind::kDamaged;
  } else if (uid_between(".", ".progress")) {
    p.kind = NameKind::kProgress;
  }
  if (p.kind != NameKind::kUnknown) p.key = names.key();
  return p;
}

bool IsDirectoryKind(NameKind kind) {
  return kind == NameKind::kModule || kind == NameKind::kTempDir || kind == NameKind::kDamaged;
}

}  // namespace tfhub::cache
