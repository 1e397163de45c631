// libFuzzer target: what the cache reads out of names and lock files, and
// what it prints of them.
//
//  1. ParseLockContents(x): accepts only the lock's shape — a uid of 32
//     lowercase hex digits, a positive pid, a host without '/' or control
//     characters — and what it accepts formats back to the same owner; the
//     temp dir name built from an accepted uid is one plain name (no '/',
//     no "..") that ParseName() reads back as that very temp dir.
//  2. ParseName(x): whatever it recognises is exactly the name EntryNames
//     formats for that kind, key and uid.
//  3. EscapeForTerminal(x): no control byte survives, and escaping again
//     changes nothing.
#include <algorithm>
#include <cstdint>
#include <string>

#include "base/strings.h"
#include "cache/entry_names.h"
#include "cache/lock_file.h"
#include "fuzz_support.h"
#include "tfhub/file_system.h"

namespace {

using tfhub::cache::EntryNames;
using tfhub::cache::NameKind;

std::string Format(const tfhub::cache::ParsedName& p) {
  const EntryNames names(p.key);
  switch (p.kind) {
    case NameKind::kModule: return names.module();
    case NameKind::kDescriptor: return names.descriptor();
    case NameKind::kLock: return names.lock();
    case NameKind::kLockTemp: return names.lock_temp(p.uid);
    case NameKind::kTempDir: return names.temp_dir(p.uid);
    case NameKind::kDescriptorTemp: return names.descriptor_temp(p.uid);
    case NameKind::kDamaged: return names.damaged_dir(p.uid);
    case NameKind::kUnknown: break;
  }
  return "";
}

bool HasControlByte(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // 1. Lock contents.
  if (const auto owner = tfhub::cache::ParseLockContents(text)) {
    FUZZ_CHECK(tfhub::cache::IsUid(owner->uid), "accepted a uid that is not 32 lowercase hex digits");
    FUZZ_CHECK(owner->pid > 0, "accepted a pid that is not positive");
    FUZZ_CHECK(!owner->host.empty() && owner->host.find('/') == std::string::npos && !HasControlByte(owner->host),
               "accepted a host with '/' or a control character");
    const auto again =
        tfhub::cache::ParseLockContents(tfhub::cache::LockContents(owner->host, owner->pid, owner->uid));
    FUZZ_CHECK(again && again->host == owner->host && again->pid == owner->pid && again->uid == owner->uid,
               "lock contents do not round-trip");
    const EntryNames names(std::string(40, 'a'));
    const std::string temp = names.temp_dir(owner->uid);
    FUZZ_CHECK(temp.find('/') == std::string::npos && tfhub::io::CheckRelativePath(temp).ok(),
               "a temp dir name from a lock is not one plain name: " + temp);
    const auto parsed = tfhub::cache::ParseName(temp);
    FUZZ_CHECK(parsed.kind == NameKind::kTempDir && parsed.uid == owner->uid, "temp dir name not read back");
  }

  // 2. Names in a cache dir.
  const auto p = tfhub::cache::ParseName(text);
  if (p.kind != NameKind::kUnknown) {
    FUZZ_CHECK(tfhub::cache::IsKey(p.key), "recognised a name without a key");
    FUZZ_CHECK(Format(p) == text, "a recognised name is not the one EntryNames formats");
  }

  // 3. What is printed of them.
  const std::string shown = tfhub::base::EscapeForTerminal(text);
  FUZZ_CHECK(!HasControlByte(shown), "a control byte survived escaping");
  FUZZ_CHECK(tfhub::base::EscapeForTerminal(shown) == shown, "escaping is not idempotent");
  FUZZ_CHECK(tfhub::base::IsTerminalSafe(shown), "escaped text is not terminal-safe");
  return 0;
}
