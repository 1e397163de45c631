#include "archive/parallel_inflate/isal_stream.h"

#include <algorithm>
#include <cstring>

namespace tfhub::archive::parallel_inflate {

IsalStream::IsalStream() : st_(std::make_unique<inflate_state>()) {
  auto api = Isal();
  if (!api.ok()) {
    load_error_ = api.status();
    return;
  }
  api_ = *api;
  api_->isal_inflate_init(st_.get());
}

IsalStream::~IsalStream() = default;

void IsalStream::Start(uint8_t first_byte, int bit_offset, const uint8_t* window, size_t window_size) {
  inflate_state& st = *st_;
  api_->isal_inflate_reset(&st);
  st.crc_flag = ISAL_DEFLATE;
  if (window_size > 0) api_->isal_inflate_set_dict(&st, const_cast<uint8_t*>(window), static_cast<uint32_t>(window_size));
  // Preload the start byte's remaining bits, as if ISA-L had read them.
  st.read_in = static_cast<uint64_t>(first_byte) >> bit_offset;
  st.read_in_length = 8 - bit_offset;
  bits_fed_ = 8;  // positions count from the start byte's first bit
}

IsalStream::Step IsalStream::Decode(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  inflate_state& st = *st_;
  Step step;
  st.next_in = const_cast<uint8_t*>(in);
  st.avail_in = static_cast<uint32_t>(std::min<size_t>(in_size, UINT32_MAX));
  st.next_out = out;
  st.avail_out = static_cast<uint32_t>(std::min<size_t>(out_size, UINT32_MAX));
  const uint32_t in_before = st.avail_in;
  const uint32_t out_before = st.avail_out;
  step.rc = api_->isal_inflate(&st);
  if (step.rc < 0) return step;  // counters are not to be trusted
  if (st.avail_in > in_before || st.avail_out > out_before) {
    step.rc = ISAL_INVALID_STATE;
    return step;
  }
  step.consumed = in_before - st.avail_in;
  step.produced = out_before - st.avail_out;
  bits_fed_ += 8 * static_cast<uint64_t>(step.consumed);
  return step;
}

bool IsalStream::Finished() const {
  return st_->block_state == ISAL_BLOCK_FINISH;
}

uint64_t IsalStream::Position() const {
  const inflate_state& st = *st_;
  // Unread: the bit buffer, and bytes kept back for a header that did not
  // fit in the input (which ISA-L reads again once more comes).
  const uint64_t pending = static_cast<uint64_t>(st.read_in_length) + 8 * static_cast<uint64_t>(st.tmp_in_size);
  return bits_fed_ - pending;
}

bool IsalStream::AtBoundary(uint64_t bit) const {
  const inflate_state& st = *st_;
  if (st.block_state != ISAL_BLOCK_NEW_HDR && st.block_state != ISAL_BLOCK_HDR) return false;
  if (st.tmp_out_valid != st.tmp_out_processed || st.write_overflow_len != 0 || st.copy_overflow_length != 0) return false;
  return Position() == bit;
}

void IsalStream::Snapshot() {
  if (!saved_) saved_ = std::make_unique<inflate_state>();
  std::memcpy(saved_.get(), st_.get(), sizeof(inflate_state));
  saved_bits_fed_ = bits_fed_;
}

void IsalStream::Restore() {
  std::memcpy(st_.get(), saved_.get(), sizeof(inflate_state));
  bits_fed_ = saved_bits_fed_;
}

}  // namespace tfhub::archive::parallel_inflate
