#include "savedmodel/leveldb_file.h"

namespace tfhub::savedmodel {

leveldb::Status LevelDbFile::Read(uint64_t offset, size_t n, leveldb::Slice* result,
                                  char* scratch) const {
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
