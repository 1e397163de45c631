#include "savedmodel/tensor_bundle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "io/local_file_system.h"
#include "savedmodel/test_bundle_writer.h"
#include "savedmodel/test_counting_file_system.h"
#include "testing/temp_dir.h"

namespace tfhub::savedmodel {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::BundleBuilder;

const std::string kFixtures = std::string(TFHUB_TESTDATA_DIR) + "/savedmodels/";

// One row of a fixture README's variables table. `value` is the element's
// bit pattern (floats) or integer value; for DT_STRING it is the string's length.
struct Expected {
  const char* name;
  DataType dtype;
  std::vector<int64_t> dims;
  uint64_t offset;
  uint64_t size;
  uint32_t crc;
  uint64_t value;
};

constexpr auto F = DataType::kFloat;
constexpr auto S = DataType::kString;
constexpr auto I32 = DataType::kInt32;
constexpr auto I64 = DataType::kInt64;
constexpr char kGraph[] = "_CHECKPOINTABLE_OBJECT_GRAPH";

const std::map<std::string, std::vector<Expected>>& FixtureTables() {
  static const auto* tables = new std::map<std::string, std::vector<Expected>>{
      {"tf1_half_plus_two_cpu",
       {{"a", F, {}, 0, 4, 0x1f273806, 0x3f000000}, {"a2", F, {}, 4, 4, 0x1f273806, 0x3f000000},
        {"b", F, {}, 8, 4, 0x4f78fd10, 0x40000000}, {"c", F, {}, 12, 4, 0xc382d6ef, 0x40400000},
        {"c2", F, {}, 16, 4, 0xc382d6ef, 0x40400000}}},
      {"tf2_half_plus_two_cpu",
       {{kGraph, S, {}, 12, 619, 0x47b7d190, 613},
        {"a/.ATTRIBUTES/VARIABLE_VALUE", F, {}, 0, 4, 0x1f273806, 0x3f000000},
        {"b/.ATTRIBUTES/VARIABLE_VALUE", F, {}, 4, 4, 0x4f78fd10, 0x40000000},
        {"c/.ATTRIBUTES/VARIABLE_VALUE", F, {}, 8, 4, 0xc382d6ef, 0x40400000}}},
      {"hub_half_plus_two_v1",
       {{"a", F, {}, 0, 4, 0x1f273806, 0x3f000000}, {"b", F, {}, 4, 4, 0x4f78fd10, 0x40000000}}},
      {"tf1_counter", {{"counter", F, {}, 0, 4, 0x3a117ba6, 0}}},
      {"tfjs_int64_multiply",
       {{kGraph, S, {}, 16, 164, 0x6362ebdf, 158},
        {"v1/.ATTRIBUTES/VARIABLE_VALUE", I64, {}, 0, 8, 0x0e4999b0, 3},
        {"v2/.ATTRIBUTES/VARIABLE_VALUE", I64, {}, 8, 8, 0x340b2778, 2}}},
      {"tfjs_uint8_multiply",
       {{kGraph, S, {}, 8, 164, 0x6362ebdf, 158},
        {"v1/.ATTRIBUTES/VARIABLE_VALUE", I32, {}, 0, 4, 0x287f3f63, 3},
        {"v2/.ATTRIBUTES/VARIABLE_VALUE", I32, {}, 4, 4, 0x7310d8d8, 2}}},
      {"tfjs_times_two_int",
       {{kGraph, S, {}, 4, 92, 0x5292fc47, 87},
        {"v/.ATTRIBUTES/VARIABLE_VALUE", I32, {}, 0, 4, 0x7310d8d8, 2}}},
      {"tfjs_times_three_float",
       {{kGraph, S, {}, 4, 92, 0x5292fc47, 87},
        {"v/.ATTRIBUTES/VARIABLE_VALUE", F, {}, 0, 4, 0xc382d6ef, 0x40400000}}},
      {"tfjs_module_with_multiple_signatures",
       {{kGraph, S, {}, 8, 164, 0xbc2bbecb, 158},
        {"two/.ATTRIBUTES/VARIABLE_VALUE", F, {}, 4, 4, 0x4f78fd10, 0x40000000},
        {"v/.ATTRIBUTES/VARIABLE_VALUE", F, {}, 0, 4, 0xc382d6ef, 0x40400000}}},
      {"rust_regression_savedmodel",
       {{kGraph, S, {}, 28, 537, 0xa3df44eb, 531},
        {"b/.ATTRIBUTES/VARIABLE_VALUE", F, {1}, 4, 4, 0x3a117ba6, 0},
        {"optimizer/decay/.ATTRIBUTES/VARIABLE_VALUE", F, {}, 16, 4, 0x3a117ba6, 0},
        {"optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE", I64, {}, 8, 8, 0x07980329, 0},
        {"optimizer/learning_rate/.ATTRIBUTES/VARIABLE_VALUE", F, {}, 20, 4, 0x1f273806, 0x3f000000},
        {"optimizer/momentum/.ATTRIBUTES/VARIABLE_VALUE", F, {}, 24, 4, 0x3a117ba6, 0},
        {"w/.ATTRIBUTES/VARIABLE_VALUE", F, {1}, 0, 4, 0xe0c6ec66, 0x3e513360}}},
  };
  return *tables;
}

uint64_t FirstValue(const Tensor& t) {
  switch (t.dtype()) {
    case DataType::kFloat: {
      uint32_t bits;
      std::memcpy(&bits, t.values<float>()->data(), 4);
      return bits;
    }
    case DataType::kInt32: return static_cast<uint64_t>((*t.values<int32_t>())[0]);
    case DataType::kInt64: return static_cast<uint64_t>((*t.values<int64_t>())[0]);
    case DataType::kString: return t.strings().at(0).size();
    default: return ~uint64_t{0};
  }
}

class TensorBundleTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<TensorBundle>> OpenAt(const std::string& prefix, bool verify = true) {
    return TensorBundle::Open(&fs_, prefix, {.verify_checksums = verify});
  }
  // A copy of fixture `name`'s variables/ in the temp dir; returns its prefix.
  std::string CopyFixture(const std::string& name) {
    const std::string to = dir_.Sub(name);
    std::filesystem::copy(kFixtures + name + "/variables", to);
    return to + "/variables";
  }

  io::LocalFileSystem fs_;
  test::TempDir dir_{"tfhub_bundle"};
};

TEST_F(TensorBundleTest, EveryFixtureMatchesItsReadme) {
  for (const auto& [fixture, expected] : FixtureTables()) {
    SCOPED_TRACE(fixture);
    auto bundle = OpenAt(kFixtures + fixture + "/variables/variables");
    ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
    EXPECT_EQ((*bundle)->num_shards(), 1);
    EXPECT_FALSE((*bundle)->big_endian());
    const auto& entries = (*bundle)->entries();
    ASSERT_EQ(entries.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      const Expected& want = expected[i];
      const VariableInfo& got = entries[i];
      SCOPED_TRACE(want.name);
      EXPECT_EQ(got.name, want.name);
      EXPECT_EQ(got.dtype, want.dtype);
      EXPECT_EQ(got.shape.dims, want.dims);
      EXPECT_FALSE(got.shape.unknown_rank);
      EXPECT_EQ(got.offset, want.offset);
      EXPECT_EQ(got.size_bytes, want.size);
      EXPECT_EQ(got.masked_crc32c, want.crc);
      EXPECT_EQ(got.shard, 0);
      EXPECT_FALSE(got.partitioned);
      auto tensor = (*bundle)->Read(got);
      ASSERT_TRUE(tensor.ok()) << tensor.status().ToString();
      EXPECT_EQ(tensor->num_elements(), 1);
      EXPECT_EQ(FirstValue(*tensor), want.value);
    }
  }
}

TEST_F(TensorBundleTest, StringTensorHoldsTheObjectGraph) {
  auto bundle = OpenAt(kFixtures + "tf2_half_plus_two_cpu/variables/variables");
  ASSERT_TRUE(bundle.ok());
  auto t = (*bundle)->Read(kGraph);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->strings().size(), 1u);
  EXPECT_EQ(t->strings()[0].size(), 613u);
  EXPECT_EQ(t->strings()[0][0], '\x0a');  // TrackableObjectGraph field 1, length-delimited
  EXPECT_FALSE(t->values<float>().ok());
}

TEST_F(TensorBundleTest, UnknownTensorIsNotFound) {
  auto bundle = OpenAt(kFixtures + "tf1_counter/variables/variables");
  ASSERT_TRUE(bundle.ok());
  auto t = (*bundle)->Read("nope");
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(t.status().message(), HasSubstr("'nope'"));
}

TEST_F(TensorBundleTest, FlippedDataByteIsAChecksumErrorNamingFileAndTensor) {
  const std::string prefix = CopyFixture("tf1_half_plus_two_cpu");
  const std::string shard = prefix + ".data-00000-of-00001";
  std::string data = test::ReadFileToString(shard);
  data[9] ^= 0x01;  // inside "b" (bytes [8, 12))
  test::WriteStringToFile(shard, data);

  auto bundle = OpenAt(prefix);
  ASSERT_TRUE(bundle.ok());
  EXPECT_TRUE((*bundle)->Read("a").ok());
  auto b = (*bundle)->Read("b");
  EXPECT_EQ(b.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(b.status().message(),
              AllOf(HasSubstr("checksum mismatch"), HasSubstr("tensor 'b'"), HasSubstr(shard)));

  auto unchecked = OpenAt(prefix, /*verify=*/false);
  ASSERT_TRUE(unchecked.ok());
  EXPECT_TRUE((*unchecked)->Read("b").ok());
}

TEST_F(TensorBundleTest, FlippedStringByteIsAChecksumError) {
  const std::string prefix = CopyFixture("tfjs_times_two_int");
  const std::string shard = prefix + ".data-00000-of-00001";
  std::string data = test::ReadFileToString(shard);
  data[50] ^= 0x40;  // inside the object graph string
  test::WriteStringToFile(shard, data);
  auto bundle = OpenAt(prefix);
  ASSERT_TRUE(bundle.ok());
  auto t = (*bundle)->Read(kGraph);
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), AllOf(HasSubstr("checksum mismatch"), HasSubstr(kGraph)));
}

TEST_F(TensorBundleTest, TruncatedIndexIsDataLoss) {
  const std::string prefix = CopyFixture("tf1_counter");
  const std::string index = test::ReadFileToString(prefix + ".index");
  for (size_t keep : {size_t{0}, size_t{20}, index.size() - 1}) {
    test::WriteStringToFile(prefix + ".index", index.substr(0, keep));
    auto bundle = OpenAt(prefix);
    EXPECT_EQ(bundle.status().code(), StatusCode::kDataLoss) << keep;
    EXPECT_THAT(bundle.status().message(), HasSubstr(prefix + ".index"));
  }
}

TEST_F(TensorBundleTest, CorruptIndexBlockIsDataLoss) {
  const std::string prefix = CopyFixture("tf1_counter");
  std::string index = test::ReadFileToString(prefix + ".index");
  index[5] ^= 0x10;  // inside the data block
  test::WriteStringToFile(prefix + ".index", index);
  auto bundle = OpenAt(prefix);
  EXPECT_EQ(bundle.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(bundle.status().message(), HasSubstr("checksum"));
}

TEST_F(TensorBundleTest, MissingShardNamesFileAndTensor) {
  const std::string prefix = CopyFixture("tf1_counter");
  std::filesystem::remove(prefix + ".data-00000-of-00001");
  auto bundle = OpenAt(prefix);
  ASSERT_TRUE(bundle.ok());
  auto t = (*bundle)->Read("counter");
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(t.status().message(),
              AllOf(HasSubstr("'counter'"), HasSubstr(prefix + ".data-00000-of-00001")));
}

TEST_F(TensorBundleTest, TruncatedShardIsDataLoss) {
  const std::string prefix = CopyFixture("tf1_half_plus_two_cpu");
  const std::string shard = prefix + ".data-00000-of-00001";
  test::WriteStringToFile(shard, test::ReadFileToString(shard).substr(0, 14));
  auto bundle = OpenAt(prefix);
  ASSERT_TRUE(bundle.ok());
  EXPECT_TRUE((*bundle)->Read("b").ok());
  auto c = (*bundle)->Read("c");
  EXPECT_EQ(c.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(c.status().message(), AllOf(HasSubstr("'c'"), HasSubstr(shard), HasSubstr("truncated")));
}

TEST_F(TensorBundleTest, WrongChecksumInIndex) {
  BundleBuilder b;
  b.Add<float>("x", tf::DT_FLOAT, {2}, {1.0f, 2.0f}).set_crc32c(0x12345678);
  b.Write(dir_.Sub("ckpt"));
  auto bundle = OpenAt(dir_.Sub("ckpt"));
  ASSERT_TRUE(bundle.ok());
  auto x = (*bundle)->Read("x");
  EXPECT_EQ(x.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(x.status().message(), AllOf(HasSubstr("'x'"), HasSubstr("ckpt.data-00000-of-00001")));
}

TEST_F(TensorBundleTest, SeveralShardsAndTypes) {
  BundleBuilder b(3);
  b.Add<float>("f", tf::DT_FLOAT, {2, 3}, {1, 2, 3, 4, 5, 6}, 0);
  b.Add<int64_t>("i", tf::DT_INT64, {3}, {-1, 0, int64_t{1} << 40}, 2);
  b.Add<double>("d", tf::DT_DOUBLE, {}, {2.5}, 1);
  b.Add<uint8_t>("u", tf::DT_UINT8, {4}, {1, 2, 250, 255}, 1);
  b.Add<std::complex<float>>("z", tf::DT_COMPLEX64, {1}, {{1.5f, -2.0f}}, 2);
  b.Add<uint16_t>("h", tf::DT_HALF, {1}, {0x3c00}, 0);  // 1.0 in binary16
  b.Write(dir_.Sub("ckpt"), /*snappy=*/true);

  auto bundle = OpenAt(dir_.Sub("ckpt"));
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  EXPECT_EQ((*bundle)->num_shards(), 3);
  EXPECT_EQ((*bundle)->Find("i")->shard, 2);
  auto f = (*bundle)->Read("f");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->shape().dims, (std::vector<int64_t>{2, 3}));
  EXPECT_THAT(*f->values<float>(), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_THAT(*(*bundle)->Read("i")->values<int64_t>(), ElementsAre(-1, 0, int64_t{1} << 40));
  EXPECT_THAT(*(*bundle)->Read("d")->values<double>(), ElementsAre(2.5));
  EXPECT_THAT(*(*bundle)->Read("u")->values<uint8_t>(), ElementsAre(1, 2, 250, 255));
  EXPECT_THAT(*(*bundle)->Read("z")->values<std::complex<float>>(),
              ElementsAre(std::complex<float>(1.5f, -2.0f)));
  auto h = (*bundle)->Read("h");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->bytes().size(), 2u);
  EXPECT_FALSE(h->values<uint16_t>().ok());  // DT_HALF is not DT_UINT16
  EXPECT_THAT((*bundle)->Read("f")->values<int32_t>().status().message(), HasSubstr("DT_FLOAT"));
}

TEST_F(TensorBundleTest, MultiElementStrings) {
  const std::vector<std::string> strings = {"", "a", std::string(300, 'x'), std::string("\0b", 2),
                                            "last"};
  BundleBuilder b;
  b.Add<int32_t>("n", tf::DT_INT32, {}, {7});
  b.AddStrings("s", {5}, strings);
  b.AddStrings("m", {2, 2}, {"w", "x", "y", "z"});
  b.AddStrings("empty", {0}, {});
  b.Write(dir_.Sub("ckpt"));
  auto bundle = OpenAt(dir_.Sub("ckpt"));
  ASSERT_TRUE(bundle.ok());
  auto s = (*bundle)->Read("s");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->strings(), strings);
  EXPECT_THAT((*bundle)->Read("m")->strings(), ElementsAre("w", "x", "y", "z"));
  auto empty = (*bundle)->Read("empty");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->strings().empty());
}

TEST_F(TensorBundleTest, StringLengthChecksumAndSizeAreChecked) {
  BundleBuilder b;
  uint32_t crc = 0;
  std::string bytes = testing::EncodeStrings({"ab", "cd"}, &crc);
  bytes[2] ^= 0x01;  // length checksum
  b.AddRaw("bad_len_crc", tf::DT_STRING, {2}, bytes).set_crc32c(crc);
  b.AddRaw("short", tf::DT_STRING, {3}, testing::EncodeStrings({"ab", "cd"}, &crc));
  b.Write(dir_.Sub("ckpt"));
  auto bundle = OpenAt(dir_.Sub("ckpt"));
  ASSERT_TRUE(bundle.ok());
  EXPECT_THAT((*bundle)->Read("bad_len_crc").status().message(), HasSubstr("length checksum"));
  EXPECT_EQ((*bundle)->Read("short").status().code(), StatusCode::kDataLoss);
}

TEST_F(TensorBundleTest, BigEndianBundlesAreSwapped) {
  BundleBuilder b;
  b.AddRaw("x", tf::DT_INT32, {2}, std::string("\x00\x00\x01\x02\xff\xff\xff\xfe", 8));
  b.header().set_endianness(tf::BundleHeaderProto::BIG);
  b.Write(dir_.Sub("ckpt"));
  auto bundle = OpenAt(dir_.Sub("ckpt"));
  ASSERT_TRUE(bundle.ok());
  EXPECT_TRUE((*bundle)->big_endian());
  EXPECT_THAT(*(*bundle)->Read("x")->values<int32_t>(), ElementsAre(0x102, -2));
}

TEST_F(TensorBundleTest, PaddingBetweenTensorsIsSkipped) {
  BundleBuilder b;
  b.Add<int32_t>("a", tf::DT_INT32, {}, {1});
  b.AddRaw("b", tf::DT_INT32, {}, std::string("\x02\x00\x00\x00", 4), 0, /*padding=*/12);
  b.Write(dir_.Sub("ckpt"));
  auto bundle = OpenAt(dir_.Sub("ckpt"));
  ASSERT_TRUE(bundle.ok());
  EXPECT_EQ((*bundle)->Find("b")->offset, 16u);
  EXPECT_THAT(*(*bundle)->Read("b")->values<int32_t>(), ElementsAre(2));
}

TEST_F(TensorBundleTest, PartitionedAndVariantTensorsAreUnimplemented) {
  BundleBuilder b;
  auto& p = b.Add<float>("part", tf::DT_FLOAT, {4}, {1, 2, 3, 4});
  p.add_slices()->add_extent()->set_length(2);
  b.AddRaw("var", tf::DT_VARIANT, {}, "xx");
  b.Write(dir_.Sub("ckpt"));
  auto bundle = OpenAt(dir_.Sub("ckpt"));
  ASSERT_TRUE(bundle.ok());
  EXPECT_TRUE((*bundle)->Find("part")->partitioned);
  auto part = (*bundle)->Read("part");
  EXPECT_EQ(part.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(part.status().message(), AllOf(HasSubstr("'part'"), HasSubstr("partitioned")));
  auto var = (*bundle)->Read("var");
  EXPECT_EQ(var.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(var.status().message(), HasSubstr("DT_VARIANT"));
}

TEST_F(TensorBundleTest, NewerBundleVersionIsRefused) {
  BundleBuilder b;
  b.Add<float>("x", tf::DT_FLOAT, {}, {1});
  b.header().mutable_version()->set_min_consumer(2);
  b.Write(dir_.Sub("ckpt"));
  EXPECT_EQ(OpenAt(dir_.Sub("ckpt")).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(TensorBundleTest, OpenReadsTheIndexOnlyAndAReadOnlyItsRange) {
  BundleBuilder b(2);
  b.Add<float>("big", tf::DT_FLOAT, {100000}, std::vector<float>(100000, 1.0f), 0);
  b.Add<float>("small", tf::DT_FLOAT, {2}, {3, 4}, 1);
  b.Add<float>("small0", tf::DT_FLOAT, {1}, {5}, 0);
  const std::string index = b.Write(dir_.Sub("ckpt"));

  testing::CountingFileSystem counting(&fs_);
  auto bundle = TensorBundle::Open(&counting, dir_.Sub("ckpt"), {});
  ASSERT_TRUE(bundle.ok());
  for (const auto& r : counting.reads()) EXPECT_EQ(r.path, dir_.Sub("ckpt.index"));
  EXPECT_LE(counting.bytes_read(), index.size());

  counting.Clear();
  auto small0 = (*bundle)->Read("small0");
  ASSERT_TRUE(small0.ok());
  const auto reads = counting.reads();
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].path, dir_.Sub("ckpt.data-00000-of-00002"));
  EXPECT_EQ(reads[0].offset, 400000u);
  EXPECT_EQ(reads[0].n, 4u);
}

}  // namespace
}  // namespace tfhub::savedmodel
