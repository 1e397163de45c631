// savedmodel: conversions from the .proto messages to the public value types
// of tfhub/saved_model.h.
#pragma once

#include "savedmodel/proto/types.pb.h"
#include "tfhub/saved_model.h"

namespace tfhub::savedmodel {

// Dims outermost first; unknown_rank drops any dims (as TF does).
TensorShape ShapeFromProto(const tf::TensorShapeProto& proto);

}  // namespace tfhub::savedmodel
