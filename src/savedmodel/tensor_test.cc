#include "savedmodel/tensor_factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "tfhub/saved_model.h"

namespace tfhub::savedmodel {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

template <typename T>
Tensor Numeric(DataType dtype, std::vector<int64_t> dims, const std::vector<T>& values) {
  std::shared_ptr<std::byte[]> buffer(new std::byte[values.size() * sizeof(T)]);
  std::memcpy(buffer.get(), values.data(), values.size() * sizeof(T));
  return TensorFactory::FromBytes(dtype, TensorShape{false, std::move(dims)},
                                  static_cast<int64_t>(values.size()), std::move(buffer),
                                  values.size() * sizeof(T));
}

TEST(TensorTest, DefaultTensorIsEmptyAndInvalid) {
  const Tensor t;
  EXPECT_EQ(t.dtype(), DataType::kInvalid);
  EXPECT_EQ(t.num_elements(), 0);
  EXPECT_THAT(t.bytes(), IsEmpty());
  EXPECT_THAT(t.strings(), IsEmpty());
  EXPECT_FALSE(t.values<float>().ok());
}

TEST(TensorTest, NumericValuesAreTypeChecked) {
  const Tensor t = Numeric<int32_t>(DataType::kInt32, {2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(t.shape().ToString(), "[2,2]");
  EXPECT_EQ(t.num_elements(), 4);
  EXPECT_EQ(t.bytes().size(), 16u);
  EXPECT_THAT(*t.values<int32_t>(), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(t.strings(), IsEmpty());
  const auto wrong = t.values<uint32_t>();
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(), HasSubstr("DT_INT32"));
  EXPECT_THAT(wrong.status().message(), HasSubstr("DT_UINT32"));
}

TEST(TensorTest, CopiesShareTheData) {
  Tensor copy;
  {
    const Tensor t = Numeric<double>(DataType::kDouble, {}, {2.5});
    copy = t;
    EXPECT_EQ(copy.bytes().data(), t.bytes().data());
  }
  EXPECT_THAT(*copy.values<double>(), ElementsAre(2.5));
}

TEST(TensorTest, StringTensor) {
  auto strings = std::make_shared<const std::vector<std::string>>(
      std::vector<std::string>{"a", "", "ccc"});
  const Tensor t = TensorFactory::FromStrings(TensorShape{false, {3}}, strings);
  EXPECT_EQ(t.dtype(), DataType::kString);
  EXPECT_EQ(t.num_elements(), 3);
  EXPECT_THAT(t.strings(), ElementsAre("a", "", "ccc"));
  EXPECT_THAT(t.bytes(), IsEmpty());
  EXPECT_FALSE(t.values<uint8_t>().ok());
}

TEST(TensorTest, DataTypeNamesAndSizes) {
  EXPECT_EQ(DataTypeName(DataType::kFloat), "DT_FLOAT");
  EXPECT_EQ(DataTypeName(static_cast<DataType>(33)), "DT_FLOAT4_E2M1FN");
  EXPECT_EQ(DataTypeName(static_cast<DataType>(101)), "DT_FLOAT_REF");
  EXPECT_EQ(DataTypeName(static_cast<DataType>(133)), "DT_FLOAT4_E2M1FN_REF");
  EXPECT_EQ(DataTypeName(static_cast<DataType>(34)), "DT_34");
  EXPECT_EQ(DataTypeName(static_cast<DataType>(100)), "DT_100");
  EXPECT_EQ(DataTypeSize(DataType::kComplex128), 16u);
  EXPECT_EQ(DataTypeSize(DataType::kString), 0u);
  EXPECT_EQ(DataTypeSize(static_cast<DataType>(101)), 0u);
  EXPECT_EQ(DataTypeSize(static_cast<DataType>(-1)), 0u);
}

TEST(TensorTest, ShapeElementCounts) {
  EXPECT_EQ((TensorShape{false, {}}).num_elements(), 1);
  EXPECT_EQ((TensorShape{false, {2, 0, 3}}).num_elements(), 0);
  EXPECT_EQ((TensorShape{false, {2, -1}}).num_elements(), -1);
  EXPECT_EQ((TensorShape{true, {}}).num_elements(), -1);
  EXPECT_EQ((TensorShape{false, {int64_t{1} << 40, int64_t{1} << 40}}).num_elements(), -1);
  EXPECT_EQ((TensorShape{true, {}}).ToString(), "unknown_rank");
}

}  // namespace
}  // namespace tfhub::savedmodel
