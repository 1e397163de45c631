// `tfhub show` end to end: a bundled SavedModel served by nginx as .tar.gz
// is resolved into a fresh cache, opened and shown.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "served_models.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace tfhub::itest {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ShowTest : public ::testing::Test {
 protected:
  ShowTest() : served_(ServedModels::Get()) {}

  test::ProcessResult Tfhub(std::vector<std::string> args) {
    args.insert(args.begin(), TFHUB_CLI_PATH);
    return test::RunProcess(args, {{"TFHUB_CACHE_DIR", dir_.path()},
                                   {"TFHUB_MODEL_LOAD_FORMAT", std::nullopt},
                                   {"http_proxy", std::nullopt},
                                   {"ALL_PROXY", std::nullopt}});
  }
  std::string Model(const std::string& name) const {
    return served_.url("/models/" + name + ".tar.gz");
  }

  ServedModels& served_;
  test::TempDir dir_{"tfhub_show"};
};

TEST_F(ShowTest, ShowsSignaturesVariablesAndAssetsOfAServedModel) {
  auto r = Tfhub({"show", Model("tf1_half_plus_two_cpu")});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_THAT(r.out, AllOf(StartsWith("MetaGraphDef with tag-set: 'serve' contains the following "
                                      "SignatureDefs:\n"),
                           HasSubstr("signature_def['serving_default']:\n"
                                     "  The given SavedModel SignatureDef contains the following "
                                     "input(s):\n"
                                     "    inputs['x'] tensor_info:\n"
                                     "        dtype: DT_FLOAT\n"
                                     "        shape: (-1, 1)\n"
                                     "        name: x:0\n"),
                           HasSubstr("Method name is: tensorflow/serving/classify"),
                           HasSubstr("Variables (5):\n  a  DT_FLOAT  ()  4 bytes\n"),
                           HasSubstr("Assets (1):\n  foo.txt  -> Const:0\n")));
  EXPECT_EQ(r.err, "");
}

TEST_F(ShowTest, JsonAndOneSignature) {
  auto r = Tfhub({"show", Model("rust_regression_savedmodel"), "--json", "--signature", "train"});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tags"], nlohmann::json::array({"serve"}));
  ASSERT_EQ(j["signatures"].size(), 1u);
  const auto& train = j["signatures"]["train"];
  EXPECT_EQ(train["method_name"], "tensorflow/serving/predict");
  EXPECT_EQ(train["inputs"]["x"]["dtype"], "DT_FLOAT");
  EXPECT_EQ(train["inputs"]["x"]["shape"], nlohmann::json::array({-1}));
  EXPECT_EQ(train["outputs"]["loss"]["shape"], nlohmann::json::array());

  auto missing = Tfhub({"show", Model("rust_regression_savedmodel"), "--signature", "nope"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("no signature 'nope'"));
}

TEST_F(ShowTest, TensorValues) {
  auto r = Tfhub({"show", Model("rust_regression_savedmodel"), "--tensor",
                  "w/.ATTRIBUTES/VARIABLE_VALUE"});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, "w/.ATTRIBUTES/VARIABLE_VALUE: DT_FLOAT (1)\n0.20429754\n");

  r = Tfhub({"show", Model("tfjs_int64_multiply"), "--tensor", "v1/.ATTRIBUTES/VARIABLE_VALUE",
             "--json"});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(nlohmann::json::parse(r.out)["values"], nlohmann::json::array({3}));

  r = Tfhub({"show", Model("tfjs_int64_multiply"), "--tensor", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, AllOf(StartsWith("tfhub: error: "), HasSubstr("'nope'")));
}

TEST_F(ShowTest, NotASavedModel) {
  test::WriteStringToFile(dir_.Sub("plain/file.txt"), "x");
  auto r = Tfhub({"show", dir_.Sub("plain")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("contains neither 'saved_model.pb' nor 'saved_model.pbtxt'"));
}

}  // namespace
}  // namespace tfhub::itest
