#include "tfhub/saved_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "io/local_file_system.h"
#include "savedmodel/proto/saved_model.pb.h"
#include "savedmodel/test_bundle_writer.h"
#include "savedmodel/test_counting_file_system.h"
#include "testing/temp_dir.h"

namespace tfhub {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kFixtures = std::string(TFHUB_TESTDATA_DIR) + "/savedmodels/";

std::string Describe(const TensorInfo& t) {
  return t.key + "=" + t.name + " " + DataTypeName(t.dtype) + " " +
         (t.shape ? t.shape->ToString() : "none");
}

// "name|method|in1;in2|out1;out2", in the style of the fixtures' README.
std::string Describe(const Signature& s) {
  std::string out = s.name + "|" + s.method_name + "|";
  for (size_t i = 0; i < s.inputs.size(); ++i) out += (i ? ";" : "") + Describe(s.inputs[i]);
  out += "|";
  for (size_t i = 0; i < s.outputs.size(); ++i) out += (i ? ";" : "") + Describe(s.outputs[i]);
  return out;
}

std::vector<std::string> DescribeAll(const SavedModel& m) {
  std::vector<std::string> out;
  for (const auto& s : m.signatures()) out.push_back(Describe(s));
  return out;
}

constexpr char kInit[] = "__saved_model_init_op||";
const std::string kInitOp = std::string(kInit) + "|__saved_model_init_op=NoOp DT_INVALID unknown_rank";
constexpr char kPredict[] = "tensorflow/serving/predict";

struct FixtureSignatures {
  const char* tf_version;
  std::vector<std::string> signatures;
};

const std::map<std::string, FixtureSignatures>& Expected() {
  const std::string p = kPredict;
  static const auto* expected = new std::map<std::string, FixtureSignatures>{
      {"tf1_half_plus_two_cpu",
       {"1.14.0",
        {"classify_x_to_y|tensorflow/serving/classify|inputs=tf_example:0 DT_STRING unknown_rank|"
         "scores=y:0 DT_FLOAT [-1,1]",
         "regress_x2_to_y3|tensorflow/serving/regress|inputs=x2:0 DT_FLOAT [-1,1]|"
         "outputs=y3:0 DT_FLOAT [-1,1]",
         "regress_x_to_y|tensorflow/serving/regress|inputs=tf_example:0 DT_STRING unknown_rank|"
         "outputs=y:0 DT_FLOAT [-1,1]",
         "regress_x_to_y2|tensorflow/serving/regress|inputs=tf_example:0 DT_STRING unknown_rank|"
         "outputs=y2:0 DT_FLOAT [-1,1]",
         "serving_default|" + p + "|x=x:0 DT_FLOAT [-1,1]|y=y:0 DT_FLOAT [-1,1]"}}},
      {"tf2_half_plus_two_cpu",
       {"2.14.0",
        {kInitOp,
         "classify_x2_to_y3|" + p + "|inputs=classify_x2_to_y3_inputs:0 DT_FLOAT [1]|"
         "scores=StatefulPartitionedCall:0 DT_FLOAT [1]",
         "classify_x_to_y|" + p + "|inputs=classify_x_to_y_inputs:0 DT_STRING [-1]|"
         "scores=StatefulPartitionedCall_1:0 DT_FLOAT [-1,1]",
         "regress_x2_to_y3|" + p + "|inputs=regress_x2_to_y3_inputs:0 DT_FLOAT [1]|"
         "outputs=StatefulPartitionedCall_2:0 DT_FLOAT [1]",
         "regress_x_to_y|" + p + "|inputs=regress_x_to_y_inputs:0 DT_STRING [-1]|"
         "outputs=StatefulPartitionedCall_3:0 DT_FLOAT [-1,1]",
         "regress_x_to_y2|" + p + "|inputs=regress_x_to_y2_inputs:0 DT_STRING [-1]|"
         "outputs=StatefulPartitionedCall_4:0 DT_FLOAT [-1,1]",
         "serving_default|" + p + "|x=serving_default_x:0 DT_FLOAT [1]|"
         "y=StatefulPartitionedCall_5:0 DT_FLOAT [1]"}}},
      {"hub_half_plus_two_v1",
       {"1.12.0",
        {"default||default=Placeholder:0 DT_FLOAT unknown_rank|default=add:0 DT_FLOAT unknown_rank"}}},
      {"tf1_counter",
       {"1.5.0-rc1",
        {"get_counter|" + p + "||output=counter:0 DT_FLOAT_REF []",
         "incr_counter|" + p + "||output=incr_counter_op/AssignAdd:0 DT_FLOAT_REF []",
         "incr_counter_by|" + p + "|delta=delta:0 DT_FLOAT unknown_rank|"
         "output=incr_counter_by_op/AssignAdd:0 DT_FLOAT_REF []",
         "reset_counter|" + p + "||output=reset_counter_op/Assign:0 DT_FLOAT_REF []"}}},
      {"tfjs_int64_multiply",
       {"2.3.1",
        {kInitOp, "serving_default|" + p + "|x=serving_default_x:0 DT_INT64 [2]|"
                  "output_0=StatefulPartitionedCall:0 DT_INT64 [2]"}}},
      {"tfjs_uint8_multiply",
       {"2.3.1",
        {kInitOp, "serving_default|" + p + "|x=serving_default_x:0 DT_UINT8 [1]|"
                  "output_0=StatefulPartitionedCall:0 DT_INT32 [1]"}}},
      {"tfjs_times_two_int",
       {"2.0.0-beta1",
        {kInitOp, "serving_default|" + p + "|x=serving_default_x:0 DT_INT32 []|"
                  "output_0=StatefulPartitionedCall:0 DT_INT32 []"}}},
      {"tfjs_times_three_float",
       {"2.0.0-beta1",
        {kInitOp, "serving_default|" + p + "|x=serving_default_x:0 DT_FLOAT []|"
                  "output_0=StatefulPartitionedCall:0 DT_FLOAT []"}}},
      {"tfjs_module_with_multiple_signatures",
       {"2.0.0-beta1",
        {kInitOp,
         "serving_default|" + p + "|x=serving_default_x:0 DT_FLOAT []|"
         "output_0=StatefulPartitionedCall:0 DT_FLOAT []",
         "timestwo|" + p + "|x=timestwo_x:0 DT_FLOAT []|output_0=StatefulPartitionedCall_1:0 DT_FLOAT []"}}},
      {"rust_regression_savedmodel",
       {"2.5.0",
        {kInitOp, "b|" + p + "||output=StatefulPartitionedCall:0 DT_FLOAT [1]",
         "train|" + p + "|x=train_x:0 DT_FLOAT [-1];y=train_y:0 DT_FLOAT [-1]|"
         "loss=StatefulPartitionedCall_1:0 DT_FLOAT []",
         "w|" + p + "||output=StatefulPartitionedCall_2:0 DT_FLOAT [1]"}}},
  };
  return *expected;
}

class SavedModelTest : public ::testing::Test {
 protected:
  test::TempDir dir_{"tfhub_sm"};
};

TEST_F(SavedModelTest, EveryFixtureHasTheSignaturesOfItsReadme) {
  ASSERT_EQ(Expected().size(), 10u);
  for (const auto& [name, want] : Expected()) {
    SCOPED_TRACE(name);
    auto model = SavedModel::Open(kFixtures + name);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ((*model)->tensorflow_version(), want.tf_version);
    EXPECT_EQ(DescribeAll(**model), want.signatures);
    const bool hub = name == "hub_half_plus_two_v1";
    EXPECT_EQ((*model)->is_hub_module(), hub);
    EXPECT_EQ((*model)->schema_version(), hub ? 0 : 1);
    EXPECT_EQ((*model)->tags(), hub ? std::vector<std::string>{} : std::vector<std::string>{"serve"});
    EXPECT_FALSE((*model)->variables().empty());
  }
}

TEST_F(SavedModelTest, VariablesAndValues) {
  auto model = SavedModel::Open(kFixtures + "tf1_half_plus_two_cpu");
  ASSERT_TRUE(model.ok());
  std::vector<std::string> names;
  for (const auto& v : (*model)->variables()) names.push_back(v.name);
  EXPECT_THAT(names, ElementsAre("a", "a2", "b", "c", "c2"));
  EXPECT_EQ((*model)->variable("b")->size_bytes, 4u);
  EXPECT_EQ((*model)->variable("zz"), nullptr);
  auto b = (*model)->ReadVariable("b");
  ASSERT_TRUE(b.ok());
  EXPECT_THAT(*b->values<float>(), ElementsAre(2.0f));
  EXPECT_EQ((*model)->ReadVariable("zz").status().code(), StatusCode::kNotFound);
}

TEST_F(SavedModelTest, AssetsFromTheTf1CollectionAndFromAssetFileDef) {
  for (const char* name : {"tf1_half_plus_two_cpu", "tf2_half_plus_two_cpu"}) {
    auto model = SavedModel::Open(kFixtures + name);
    ASSERT_TRUE(model.ok());
    ASSERT_EQ((*model)->assets().size(), 1u) << name;
    const Asset& a = (*model)->assets()[0];
    EXPECT_EQ(a.filename, "foo.txt");
    EXPECT_EQ(a.tensor_name,
              std::string(name) == "tf1_half_plus_two_cpu" ? "Const:0" : "asset_path_initializer:0");
    EXPECT_EQ(test::ReadFileToString(a.path), "asset-file-contents");
  }
  auto none = SavedModel::Open(kFixtures + "tf1_counter");
  ASSERT_TRUE(none.ok());
  EXPECT_THAT((*none)->assets(), IsEmpty());
}

TEST_F(SavedModelTest, DirectoryWithoutSavedModelIsInvalidArgument) {
  auto model = SavedModel::Open(dir_.path());
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(model.status().message(),
              HasSubstr("'" + dir_.path() + "' contains neither 'saved_model.pb' nor 'saved_model.pbtxt'"));
}

TEST_F(SavedModelTest, GarbageSavedModelIsDataLoss) {
  test::WriteStringToFile(dir_.Sub("saved_model.pb"), "\xff\xff\xff garbage");
  EXPECT_EQ(SavedModel::Open(dir_.path()).status().code(), StatusCode::kDataLoss);
}

TEST_F(SavedModelTest, ModelWithoutVariables) {
  tf::SavedModel proto;
  proto.add_meta_graphs()->mutable_meta_info_def()->add_tags("serve");
  test::WriteStringToFile(dir_.Sub("saved_model.pb"), proto.SerializeAsString());
  auto model = SavedModel::Open(dir_.path());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_THAT((*model)->variables(), IsEmpty());
  EXPECT_EQ((*model)->ReadVariable("a").status().code(), StatusCode::kNotFound);
}

TEST_F(SavedModelTest, TextFormatWithAnAssetInAnAny) {
  test::WriteStringToFile(dir_.Sub("saved_model.pbtxt"), R"pb(
    saved_model_schema_version: 1
    meta_graphs {
      meta_info_def { tags: "serve" tensorflow_version: "9.9" }
      graph_def { node { name: "x" op: "Placeholder" } }
      collection_def {
        key: "saved_model_assets"
        value {
          any_list {
            value {
              [type.googleapis.com/tensorflow.AssetFileDef] {
                tensor_info { name: "Const:0" }
                filename: "vocab.txt"
              }
            }
          }
        }
      }
      signature_def {
        key: "serving_default"
        value {
          inputs { key: "x" value { name: "x:0" dtype: DT_FLOAT tensor_shape { dim { size: -1 } } } }
          method_name: "tensorflow/serving/predict"
        }
      }
    }
  )pb");
  auto model = SavedModel::Open(dir_.path());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->tensorflow_version(), "9.9");
  EXPECT_THAT(DescribeAll(**model), ElementsAre("serving_default|tensorflow/serving/predict|"
                                                "x=x:0 DT_FLOAT [-1]|"));
  ASSERT_EQ((*model)->assets().size(), 1u);
  EXPECT_EQ((*model)->assets()[0].filename, "vocab.txt");
}

TEST_F(SavedModelTest, TextFormatErrorNamesFileAndPosition) {
  test::WriteStringToFile(dir_.Sub("saved_model.pbtxt"), "saved_model_schema_version: 1\nmeta_graphs {\n");
  auto model = SavedModel::Open(dir_.path());
  EXPECT_EQ(model.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(model.status().message(),
              AllOf(HasSubstr(dir_.Sub("saved_model.pbtxt") + " is not a valid text-format SavedModel: 3:"),
                    Not(HasSubstr("saved_model.pb "))));
}

TEST_F(SavedModelTest, AssetsAreOnePerFileNameAndOtherAnyTypesAreSkipped) {
  tf::SavedModel proto;
  auto* mg = proto.add_meta_graphs();
  auto* def = mg->add_asset_file_def();
  def->set_filename("vocab.txt");
  def->mutable_tensor_info()->set_name("FromField:0");
  auto* any_list = (*mg->mutable_collection_def())["saved_model_assets"].mutable_any_list();
  tf::AssetFileDef dup;
  dup.set_filename("vocab.txt");
  dup.mutable_tensor_info()->set_name("FromCollection:0");
  tf::AssetFileDef other = dup;
  other.set_filename("a.txt");
  for (const auto* d : {&dup, &other}) {
    auto* any = any_list->add_value();
    any->set_type_url("type.googleapis.com/tensorflow.AssetFileDef");
    any->set_value(d->SerializeAsString());
  }
  auto* foreign = any_list->add_value();
  foreign->set_type_url("type.googleapis.com/tensorflow.Something");
  foreign->set_value("\xff not an AssetFileDef");
  test::WriteStringToFile(dir_.Sub("saved_model.pb"), proto.SerializeAsString());

  auto model = SavedModel::Open(dir_.path());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_EQ((*model)->assets().size(), 2u);
  EXPECT_EQ((*model)->assets()[0].filename, "a.txt");
  EXPECT_EQ((*model)->assets()[1].tensor_name, "FromField:0");  // asset_file_def comes first
  EXPECT_EQ((*model)->assets()[1].path, dir_.Sub("assets/vocab.txt"));

  foreign->set_type_url("type.googleapis.com/tensorflow.AssetFileDef");
  test::WriteStringToFile(dir_.Sub("saved_model.pb"), proto.SerializeAsString());
  auto broken = SavedModel::Open(dir_.path());
  EXPECT_EQ(broken.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(broken.status().message(),
              HasSubstr("collection 'saved_model_assets' holds an unparsable AssetFileDef"));
}

TEST_F(SavedModelTest, TheOnlyMetaGraphIsTakenWhateverItsTags) {
  tf::SavedModel proto;
  test::WriteStringToFile(dir_.Sub("saved_model.pb"), proto.SerializeAsString());
  auto none = SavedModel::Open(dir_.path());  // no MetaGraphDef at all: {"serve"} is missing
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(none.status().message(), HasSubstr("available tag sets: []"));

  proto.add_meta_graphs()->mutable_meta_info_def()->add_tags("train");
  test::WriteStringToFile(dir_.Sub("saved_model.pb"), proto.SerializeAsString());
  auto only = SavedModel::Open(dir_.path());
  ASSERT_TRUE(only.ok()) << only.status().ToString();
  EXPECT_THAT((*only)->tags(), ElementsAre("train"));
  EXPECT_EQ(SavedModel::Open(dir_.path(), {.tags = std::vector<std::string>{"serve"}}).status().code(),
            StatusCode::kNotFound);
}

TEST_F(SavedModelTest, MetaGraphChosenByTags) {
  tf::SavedModel proto;
  proto.set_saved_model_schema_version(1);
  for (std::vector<std::string> tags : {std::vector<std::string>{}, {"train", "gpu"}}) {
    auto* mg = proto.add_meta_graphs();
    for (const auto& t : tags) mg->mutable_meta_info_def()->add_tags(t);
    (*mg->mutable_signature_def())[tags.empty() ? "plain" : "trainer"].set_method_name("m");
  }
  test::WriteStringToFile(dir_.Sub("saved_model.pb"), proto.SerializeAsString());

  auto fallback = SavedModel::Open(dir_.path());  // two MetaGraphs: default {"serve"}
  EXPECT_EQ(fallback.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(fallback.status().message(),
              AllOf(HasSubstr("{'serve'}"), HasSubstr("[{}, {'gpu', 'train'}]")));

  auto train = SavedModel::Open(dir_.path(), {.tags = std::vector<std::string>{"gpu", "train"}});
  ASSERT_TRUE(train.ok()) << train.status().ToString();
  EXPECT_EQ((*train)->signatures().at(0).name, "trainer");
  EXPECT_EQ((*train)->available_tag_sets().size(), 2u);

  test::WriteStringToFile(dir_.Sub("tfhub_module.pb"), "\x08\x03");  // hub module: {} by default
  auto hub = SavedModel::Open(dir_.path());
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  EXPECT_EQ((*hub)->signatures().at(0).name, "plain");
}

TEST_F(SavedModelTest, OpeningReadsOnlySavedModelPbAndTheIndex) {
  // A model with a large variable: opening must not touch its data file.
  std::filesystem::copy_file(kFixtures + "tf1_half_plus_two_cpu/saved_model.pb",
                             dir_.Sub("saved_model.pb"));
  savedmodel::testing::BundleBuilder b;
  b.Add<float>("big", tf::DT_FLOAT, {1 << 18}, std::vector<float>(1 << 18, 0.5f));
  b.Add<int32_t>("small", tf::DT_INT32, {3}, {1, 2, 3});
  test::MakeDirs(dir_.Sub("variables"));
  b.Write(dir_.Sub("variables/variables"));

  io::LocalFileSystem local;
  auto counting = std::make_shared<savedmodel::testing::CountingFileSystem>(&local);
  LoadOptions options;
  options.file_system = counting;
  auto model = SavedModel::Open(dir_.path(), options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const uint64_t pb = std::filesystem::file_size(dir_.Sub("saved_model.pb"));
  const uint64_t index = std::filesystem::file_size(dir_.Sub("variables/variables.index"));
  std::set<std::string> files;
  for (const auto& r : counting->reads()) files.insert(r.path);
  EXPECT_THAT(files, ElementsAre(dir_.Sub("saved_model.pb"), dir_.Sub("variables/variables.index")));
  EXPECT_LE(counting->bytes_read(), pb + index);

  counting->Clear();
  auto small = (*model)->ReadVariable("small");
  ASSERT_TRUE(small.ok());
  EXPECT_THAT(*small->values<int32_t>(), ElementsAre(1, 2, 3));
  EXPECT_EQ(counting->bytes_read(), 12u);
}

TEST_F(SavedModelTest, ReadAllVariablesUpFrontInThreads) {
  savedmodel::testing::BundleBuilder b;
  for (int i = 0; i < 20; ++i) b.Add<int32_t>("v" + std::to_string(i), tf::DT_INT32, {}, {i});
  test::MakeDirs(dir_.Sub("variables"));
  b.Write(dir_.Sub("variables/variables"));
  std::filesystem::copy_file(kFixtures + "tf1_counter/saved_model.pb", dir_.Sub("saved_model.pb"));

  io::LocalFileSystem local;
  auto counting = std::make_shared<savedmodel::testing::CountingFileSystem>(&local);
  auto model = SavedModel::Open(dir_.path(), {.file_system = counting, .read_all_variables = true,
                                              .num_threads = 4});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  counting->Clear();
  for (int i = 0; i < 20; ++i) {
    auto v = (*model)->ReadVariable("v" + std::to_string(i));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ((*v->values<int32_t>())[0], i);
  }
  EXPECT_EQ(counting->bytes_read(), 0u);

  // A damaged tensor fails the up-front read.
  std::filesystem::remove(dir_.Sub("variables/variables.data-00000-of-00001"));
  EXPECT_EQ(SavedModel::Open(dir_.path(), {.read_all_variables = true}).status().code(),
            StatusCode::kNotFound);
}

TEST_F(SavedModelTest, LoadResolvesAPathHandle) {
  ResolveOptions resolve_options;
  resolve_options.cache_dir = dir_.Sub("cache");
  auto model = load(kFixtures + "tfjs_times_two_int", {.resolve_options = resolve_options});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_THAT(*(*model)->ReadVariable("v/.ATTRIBUTES/VARIABLE_VALUE")->values<int32_t>(),
              ElementsAre(2));
  EXPECT_EQ(load(dir_.Sub("missing"), {.resolve_options = resolve_options}).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace tfhub
