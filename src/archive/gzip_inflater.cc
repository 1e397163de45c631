#include "archive/gzip_inflater.h"

#include "archive/isal_api.h"

#include <string>

namespace tfhub::archive {

struct GzipInflater::State {
  const IsalApi* api = nullptr;
  Status load_error;
  inflate_state st;
};

GzipInflater::GzipInflater() : state_(std::make_unique<State>()) {
  auto api = Isal();
  if (!api.ok()) {
    state_->load_error = api.status();
    return;
  }
  state_->api = *api;
  state_->api->isal_inflate_init(&state_->st);
  state_->st.crc_flag = ISAL_GZIP;
}

GzipInflater::~GzipInflater() = default;

bool GzipInflater::LooksLikeGzip(std::string_view prefix) {
  return prefix.size() >= 2 && static_cast<unsigned char>(prefix[0]) == 0x1f &&
         static_cast<unsigned char>(prefix[1]) == 0x8b;
}

Status GzipInflater::Inflate(std::string_view* input, char* out, size_t out_size, size_t* produced) {
  *produced = 0;
  if (!state_->load_error.ok()) return state_->load_error;
  const IsalApi& api = *state_->api;
  inflate_state& st = state_->st;
  while (!input->empty() && *produced < out_size) {
    if (at_boundary_) {
      // A new member must start here; igzip checks the rest of its header.
      if (static_cast<unsigned char>((*input)[0]) != 0x1f) {
        return DataLossError(started_ ? "trailing garbage after the end of the gzip stream"
                                      : "not in gzip format");
      }
      api.isal_inflate_reset(&st);
      st.crc_flag = ISAL_GZIP;
      at_boundary_ = false;
      started_ = true;
    }
    st.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(input->data()));
    st.avail_in = static_cast<uint32_t>(std::min<size_t>(input->size(), UINT32_MAX));
    st.next_out = reinterpret_cast<uint8_t*>(out + *produced);
    st.avail_out = static_cast<uint32_t>(std::min<size_t>(out_size - *produced, UINT32_MAX));
    const uint32_t in_before = st.avail_in;
    const uint32_t out_before = st.avail_out;
    const int rc = api.isal_inflate(&st);
    // On errors igzip's counters are not to be trusted (avail_in can even
    // wrap around): stop before using them.
    if (rc == ISAL_INCORRECT_CHECKSUM) return DataLossError("gzip checksum mismatch: the archive is corrupt");
    if (rc < 0) return DataLossError("corrupt gzip stream (igzip error " + std::to_string(rc) + ")");
    if (st.avail_in > in_before || st.avail_out > out_before) return InternalError("igzip counters went backwards");
    input->remove_prefix(in_before - st.avail_in);
    *produced += out_before - st.avail_out;
    if (st.block_state == ISAL_BLOCK_FINISH) {
      at_boundary_ = true;
      continue;
    }
    if (in_before == st.avail_in && out_before == st.avail_out) break;  // needs more input
  }
  return Status::Ok();
}

}  // namespace tfhub::archive
