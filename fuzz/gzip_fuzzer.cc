// libFuzzer target: GzipInflater (ISA-L) on arbitrary bytes.
//
// Invariants:
//   * the same input fed whole and fed in pieces (sizes derived from the
//     input) gives the same verdict, the same output for a complete stream
//     and consistent output for a truncated one, whatever the buffer sizes;
//   * Inflate never reports more output than its buffer, never grows its input;
//   * GzipInflater accepts a stream completely (OK, at a member boundary)
//     exactly when zlib does, member by member, with the same bytes (one
//     known difference: reserved header flag bits, see below).
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "archive/gzip_inflater.h"
#include "fuzz_support.h"

namespace {

using tfhub::archive::GzipInflater;

constexpr size_t kMaxOutput = 4u << 20;  // bombs: stop here

struct Outcome {
  bool ok = true;
  bool capped = false;
  bool at_boundary = true;
  std::string out;
};

Outcome Run(std::string_view input, size_t in_chunk, size_t out_chunk) {
  Outcome r;
  GzipInflater inflater;
  std::vector<char> buf(out_chunk);
  while (!input.empty()) {
    // Each piece in its own heap buffer, freed once consumed (as the
    // network chunks of StreamingExtractor are): ASan sees any access to a
    // previous piece through pointers kept from an earlier call.
    const std::string_view next = input.substr(0, in_chunk);
    input.remove_prefix(next.size());
    const std::unique_ptr<char[]> owned(new char[next.size()]);
    std::memcpy(owned.get(), next.data(), next.size());
    std::string_view piece(owned.get(), next.size());
    while (!piece.empty()) {
      size_t produced = 0;
      const size_t before = piece.size();
      auto st = inflater.Inflate(&piece, buf.data(), buf.size(), &produced);
      FUZZ_CHECK(produced <= buf.size(), "produced more than the buffer");
      FUZZ_CHECK(piece.size() <= before, "input grew");
      r.out.append(buf.data(), produced);
      if (!st.ok()) {
        r.ok = false;
        return r;
      }
      if (r.out.size() > kMaxOutput) {
        r.capped = true;
        return r;
      }
      // OK with no progress is only allowed when the input is used up.
      FUZZ_CHECK(produced > 0 || piece.size() < before || piece.empty(), "no progress");
    }
  }
  r.at_boundary = inflater.AtMemberBoundary();
  return r;
}

// zlib's view: a sequence of complete gzip members, nothing else. Returns
// "" when it accepts, else zlib's message.
std::string ZlibGunzip(std::string_view input, std::string* out, bool* capped) {
  while (!input.empty()) {
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return "inflateInit2 failed";
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    zs.avail_in = static_cast<uInt>(input.size());
    int rc = Z_OK;
    char buf[16384];
    while (rc == Z_OK) {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      rc = inflate(&zs, Z_NO_FLUSH);
      out->append(buf, sizeof buf - zs.avail_out);
      if (out->size() > kMaxOutput) {
        *capped = true;
        break;
      }
    }
    const std::string msg = rc == Z_STREAM_END ? "" : zs.msg ? zs.msg : "rc " + std::to_string(rc);
    const size_t used = input.size() - zs.avail_in;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) return msg;
    input.remove_prefix(used);
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Outcome whole = Run(input, SIZE_MAX, 64 * 1024);
  const size_t in_chunk = 1 + size % 97;
  const size_t out_chunk = 1 + (size / 97) % 1031;
  const Outcome pieces = Run(input, in_chunk, out_chunk);
  if (whole.capped || pieces.capped) return 0;
  // What matters is the verdict on the whole stream: a complete, valid one.
  // A malformed header may be refused at once when it arrives whole but look
  // merely incomplete when it arrives in pieces (igzip waits for more);
  // either way the stream is not accepted.
  const bool whole_accepted = whole.ok && whole.at_boundary;
  const bool pieces_accepted = pieces.ok && pieces.at_boundary;
  FUZZ_CHECK(whole_accepted == pieces_accepted,
             "verdict depends on chunking: whole " + std::to_string(whole_accepted) + ", pieces (" +
                 std::to_string(in_chunk) + "/" + std::to_string(out_chunk) + ") " + std::to_string(pieces_accepted));
  if (!whole.ok || !pieces.ok) return 0;
  if (whole.ok) {
    FUZZ_CHECK(whole.at_boundary == pieces.at_boundary, "boundary depends on chunking");
    if (whole.at_boundary) {
      FUZZ_CHECK(whole.out == pieces.out, "output depends on chunking");
    } else {
      // A truncated stream: how much of it comes out before the end of input
      // may depend on the buffers (igzip holds some back), but never differs.
      const size_t common = std::min(whole.out.size(), pieces.out.size());
      FUZZ_CHECK(whole.out.compare(0, common, pieces.out, 0, common) == 0, "output depends on chunking");
    }
  }
  // Against zlib. Known and accepted difference: igzip ignores the reserved
  // FLG bits (0xe0) of a gzip header, which RFC 1952 says to refuse (zlib and
  // gzip do: "unknown header flags set").
  if (input.empty()) return 0;
  std::string z;
  bool z_capped = false;
  const std::string z_error = ZlibGunzip(input, &z, &z_capped);
  if (z_capped) return 0;
  const bool igzip_accepts = whole.ok && whole.at_boundary;
  if (z_error.empty()) {
    FUZZ_CHECK(igzip_accepts, "igzip refuses a stream zlib accepts");
    FUZZ_CHECK(z == whole.out, "igzip and zlib disagree on the bytes");
  } else if (igzip_accepts) {
    FUZZ_CHECK(z_error == "unknown header flags set", "igzip accepts a stream zlib refuses: " + z_error);
  }
  return 0;
}
