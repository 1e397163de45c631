// archive::parallel_inflate::FindBlockStart — finds where a deflate block
// begins inside a chunk of a stream, without decoding what precedes it.
//
// Candidates are dynamic-Huffman blocks (BFINAL 0, BTYPE 2) at every bit
// offset: the header's counts must be in range, the code-length code and
// both codes valid and complete, and the first block must then decode
// without error (up to its end, or 64 Ki symbols). Stored and fixed blocks
// are not looked for: a chunk that starts with them is found at a later
// dynamic block, or not at all. A candidate can still be false (this is
// speculation): the scheduler confirms each one when the previous chunk's
// decoding ends exactly there.
//
// Deterministic: the result depends only on data[0..size).
//
// Thread safety: reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace tfhub::archive::parallel_inflate {

// The first candidate bit offset in [0, 8 * search_bytes), reading no byte at
// or past data[size].
std::optional<uint64_t> FindBlockStart(const uint8_t* data, size_t size, size_t search_bytes);

}  // namespace tfhub::archive::parallel_inflate
