// savedmodel::TensorFactory — the one way to make a non-empty tfhub::Tensor.
//
// Tensor's fields are private and the public API has no constructor that
// fills them: tensors come from the checkpoint reader (TensorBundle::Read)
// only. This factory, a friend of Tensor, is that reader's (and its tests')
// constructor; it is not installed.
//
// Ownership: the tensor shares the buffer it is given (no copy); the buffer
// stays alive as long as any copy of the tensor does.
// Thread safety: stateless; the tensors are immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tfhub/saved_model.h"

namespace tfhub::savedmodel {

class TensorFactory {
 public:
  // A fixed-size tensor (DataTypeSize(dtype) > 0) over `byte_size` bytes of
  // host-order elements, row-major. `bytes` must come from new[] (so it is
  // aligned for every element type) and hold num_elements * DataTypeSize(dtype)
  // bytes; the caller checks that (the reader does, against the index).
  static Tensor FromBytes(DataType dtype, TensorShape shape, int64_t num_elements,
                          std::shared_ptr<const std::byte[]> bytes, size_t byte_size);

  // A DT_STRING tensor whose elements are `strings` (non-null), row-major.
  static Tensor FromStrings(TensorShape shape,
                            std::shared_ptr<const std::vector<std::string>> strings);
};

}  // namespace tfhub::savedmodel
