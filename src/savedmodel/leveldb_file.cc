#include "savedmodel/leveldb_file.h"

namespace tfhub::savedmodel {

namespace {

constexpr uint64_t kFooterSize = 48;
constexpr uint64_t kBlockTrailerSize = 5;

bool GetVarint64(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    *v |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

Status LevelDbFile::CheckFooter() {
  const uint64_t size = file_->Size();
  if (size < kFooterSize) {
    return DataLossError(name_ + " is too short for a table (" + std::to_string(size) + " bytes)");
  }
  char scratch[kFooterSize];
  TFHUB_ASSIGN_OR_RETURN(std::string_view footer, file_->ReadAt(size - kFooterSize, kFooterSize, scratch));
  footer_.assign(footer.data(), footer.size());
  // The metaindex handle, then the index handle.
  for (int i = 0; i < 2; ++i) {
    uint64_t offset = 0, length = 0;
    if (!GetVarint64(&footer, &offset) || !GetVarint64(&footer, &length) || offset > size || length > size ||
        offset + length + kBlockTrailerSize > size - kFooterSize) {
      return DataLossError(name_ + " is corrupt: its table footer points outside the file");
    }
  }
  return Status::Ok();
}

leveldb::Status LevelDbFile::Read(uint64_t offset, size_t n, leveldb::Slice* result,
                                  char* scratch) const {
  if (!footer_.empty() && n == kFooterSize && offset + kFooterSize == file_->Size()) {
    *result = leveldb::Slice(footer_.data(), footer_.size());
    return leveldb::Status::OK();
  }
  auto data = file_->ReadAt(offset, n, scratch);
  if (!data.ok()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (first_error_.ok()) first_error_ = data.status();
    }
    *result = leveldb::Slice();
    return leveldb::Status::IOError(name_, data.status().message());
  }
  *result = leveldb::Slice(data->data(), data->size());
  return leveldb::Status::OK();
}

Status LevelDbFile::first_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_error_;
}

}  // namespace tfhub::savedmodel
