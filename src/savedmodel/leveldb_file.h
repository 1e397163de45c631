// savedmodel::LevelDbFile — lets leveldb::Table read through io::FileSystem.
//
// leveldb::Table reads its footer, index block and data blocks with
// positional reads of a leveldb::RandomAccessFile; this adapter forwards each
// one to an io::RandomAccessFile (local, gs://, or a test wrapper), so the
// index of a remote checkpoint costs only the blocks leveldb asks for.
//
// leveldb::Status cannot carry tfhub's status codes, so the first failed read
// is also kept and can be fetched with first_error() to report the real
// cause (e.g. Unavailable from a remote read) instead of leveldb's IOError.
//
// Thread safety: Read() is safe from several threads, as leveldb requires.
#pragma once

#include <leveldb/env.h>

#include <memory>
#include <mutex>
#include <string>

#include "tfhub/file_system.h"

namespace tfhub::savedmodel {

class LevelDbFile final : public leveldb::RandomAccessFile {
 public:
  // `file` must outlive this adapter. `name` is used in messages.
  LevelDbFile(const io::RandomAccessFile* file, std::string name)
      : file_(file), name_(std::move(name)) {}

  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override;

  // The first failed read as a tfhub Status, or OK.
  Status first_error() const;

  // Reads the table's 48-byte footer and checks that its block handles lie
  // inside the file — leveldb allocates a block as large as a handle says
  // before reading it, so a crafted footer could ask for exabytes. Call it
  // before leveldb::Table::Open; the footer is then served from memory, so
  // it is read once. DataLoss naming the file when it is corrupt
  // (docs/savedmodel_format.md §8.2).
  Status CheckFooter();

 private:
  const io::RandomAccessFile* file_;
  std::string name_;
  std::string footer_;  // set by CheckFooter()
  mutable std::mutex mu_;
  mutable Status first_error_;  // guarded by mu_
};

}  // namespace tfhub::savedmodel
