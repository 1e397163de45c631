// tfhub::SavedModel: saved_model.pb[txt] + the variables/ tensor bundle.
#include "tfhub/saved_model.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "base/parallel.h"
#include "tfhub/file_system.h"
#include "savedmodel/proto/saved_model.pb.h"
#include "savedmodel/shape.h"
#include "savedmodel/tensor_bundle.h"
#include "tfhub/resolve.h"

namespace tfhub {

namespace {

constexpr char kSavedModelPb[] = "saved_model.pb";
constexpr char kSavedModelPbtxt[] = "saved_model.pbtxt";
constexpr char kHubModulePb[] = "tfhub_module.pb";
constexpr char kAssetsCollection[] = "saved_model_assets";
constexpr char kAssetFileDefType[] = "tensorflow.AssetFileDef";

std::string TagSetString(const std::vector<std::string>& tags) {
  std::set<std::string> sorted(tags.begin(), tags.end());
  std::string out = "{";
  for (const auto& t : sorted) out += (out.size() > 1 ? ", '" : "'") + t + "'";
  return out + "}";
}

// Resolves "type.googleapis.com/tensorflow.X" in text-format Any fields to
// our own messages (package tfhub.tf), so TF-written .pbtxt files parse.
class TfTypeFinder : public google::protobuf::TextFormat::Finder {
 public:
  const google::protobuf::Descriptor* FindAnyType(const google::protobuf::Message& message,
                                                  const std::string& prefix,
                                                  const std::string& name) const override {
    (void)message;
    (void)prefix;
    std::string full = name;
    if (full.rfind("tensorflow.", 0) == 0) full = "tfhub.tf." + full.substr(11);
    return google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(full);
  }
};

// Keeps the first error; drops warnings (AllowUnknownField warns about every
// field this subset does not model, e.g. graph_def).
class TextErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ = std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
  }
  void AddWarning(int, int, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

// Reads a whole file through the filesystem's positional-read interface.
Result<std::string> ReadWholeFile(io::FileSystem* fs, const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(auto file, fs->NewRandomAccessFile(path));
  std::string data(file->Size(), '\0');
  if (data.empty()) return data;
  TFHUB_ASSIGN_OR_RETURN(auto view, file->ReadAt(0, data.size(), data.data()));
  if (view.data() != data.data()) data.assign(view);
  return data;
}

TensorInfo ConvertTensorInfo(const std::string& key, const tf::TensorInfo& proto) {
  TensorInfo info;
  info.key = key;
  switch (proto.encoding_case()) {
    case tf::TensorInfo::kName:
      info.name = proto.name();
      break;
    case tf::TensorInfo::kCooSparse:
      info.encoding = TensorInfo::Encoding::kCooSparse;
      info.name = proto.coo_sparse().values_tensor_name();
      break;
    case tf::TensorInfo::kCompositeTensor:
      info.encoding = TensorInfo::Encoding::kCompositeTensor;
      break;
    default:
      info.encoding = TensorInfo::Encoding::kNone;
      break;
  }
  info.dtype = static_cast<DataType>(proto.dtype());
  if (proto.has_tensor_shape()) info.shape = savedmodel::ShapeFromProto(proto.tensor_shape());
  return info;
}

template <typename Map>
std::vector<TensorInfo> ConvertTensorMap(const Map& map) {
  std::vector<TensorInfo> out;
  for (const auto& [key, value] : map) out.push_back(ConvertTensorInfo(key, value));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

// Parses a text-format SavedModel (read from `path`, named in the error).
Status ParseTextSavedModel(const std::string& text, const std::string& path,
                           tf::SavedModel* proto) {
  google::protobuf::TextFormat::Parser parser;
  TfTypeFinder finder;
  parser.SetFinder(&finder);
  parser.AllowUnknownField(true);
  parser.AllowUnknownExtension(true);
  TextErrors errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, proto)) {
    return DataLossError(path + " is not a valid text-format SavedModel: " + errors.first());
  }
  return Status::Ok();
}

// The SavedModel message of `export_dir`: saved_model.pb, else
// saved_model.pbtxt (docs/savedmodel_format.md §3). InvalidArgument when
// neither exists, DataLoss when the one read does not parse.
Result<tf::SavedModel> ReadSavedModelProto(io::FileSystem* fs, const std::string& export_dir) {
  tf::SavedModel proto;
  const std::string pb_path = io::JoinPath(export_dir, kSavedModelPb);
  const std::string pbtxt_path = io::JoinPath(export_dir, kSavedModelPbtxt);
  TFHUB_ASSIGN_OR_RETURN(auto pb_info, fs->Stat(pb_path));
  if (pb_info.type == io::FileType::kFile) {
    TFHUB_ASSIGN_OR_RETURN(std::string data, ReadWholeFile(fs, pb_path));
    if (!proto.ParseFromString(data)) {
      return DataLossError(pb_path + " is not a valid SavedModel protocol buffer");
    }
    return proto;
  }
  TFHUB_ASSIGN_OR_RETURN(auto txt_info, fs->Stat(pbtxt_path));
  if (txt_info.type != io::FileType::kFile) {
    return InvalidArgumentError("Trying to load a model of incompatible/unknown type. '" +
                                export_dir + "' contains neither '" + kSavedModelPb + "' nor '" +
                                kSavedModelPbtxt + "'.");
  }
  TFHUB_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(fs, pbtxt_path));
  TFHUB_RETURN_IF_ERROR(ParseTextSavedModel(text, pbtxt_path, &proto));
  return proto;
}

// The tag set of every MetaGraphDef, in file order.
std::vector<std::vector<std::string>> TagSets(const tf::SavedModel& proto) {
  std::vector<std::vector<std::string>> sets;
  for (const auto& mg : proto.meta_graphs()) {
    const auto& t = mg.meta_info_def().tags();
    sets.emplace_back(t.begin(), t.end());
  }
  return sets;
}

// The tag set to look for: the requested one; else the empty set for a TF1
// Hub module; else none (take the only MetaGraphDef) when there is exactly
// one; else {"serve"} (docs/savedmodel_format.md §3).
std::optional<std::vector<std::string>> WantedTags(const LoadOptions& options, bool hub_module,
                                                   int num_meta_graphs) {
  if (options.tags) return options.tags;
  if (hub_module) return std::vector<std::string>{};
  if (num_meta_graphs != 1) return std::vector<std::string>{"serve"};
  return std::nullopt;
}

// The MetaGraphDef whose tags equal `want` as a set (the first one if `want`
// is unset). NotFound listing `tag_sets` when none matches.
Result<const tf::MetaGraphDef*> ChooseMetaGraph(
    const tf::SavedModel& proto, const std::optional<std::vector<std::string>>& want,
    const std::vector<std::vector<std::string>>& tag_sets, const std::string& export_dir) {
  if (!want) return &proto.meta_graphs(0);
  const std::set<std::string> wanted(want->begin(), want->end());
  for (const auto& mg : proto.meta_graphs()) {
    const auto& t = mg.meta_info_def().tags();
    if (std::set<std::string>(t.begin(), t.end()) == wanted) return &mg;
  }
  std::string available;
  for (const auto& set : tag_sets) available += (available.empty() ? "" : ", ") + TagSetString(set);
  return NotFoundError("MetaGraphDef associated with tags " + TagSetString(*want) +
                       " could not be found in SavedModel '" + export_dir +
                       "'; available tag sets: [" + available + "]");
}

// Every SignatureDef of `meta_graph`, sorted by name.
std::vector<Signature> ConvertSignatures(const tf::MetaGraphDef& meta_graph) {
  std::vector<Signature> signatures;
  for (const auto& [name, sig] : meta_graph.signature_def()) {
    Signature s;
    s.name = name;
    s.method_name = sig.method_name();
    s.inputs = ConvertTensorMap(sig.inputs());
    s.outputs = ConvertTensorMap(sig.outputs());
    signatures.push_back(std::move(s));
  }
  std::sort(signatures.begin(), signatures.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return signatures;
}

// The AssetFileDefs of MetaGraphDef.asset_file_def (TF2, newer TF1), then
// those of the TF1 collection "saved_model_assets" (Any-wrapped), as
// docs/savedmodel_format.md §5 describes. DataLoss naming `pb_path` for an
// unparsable one.
Result<std::vector<tf::AssetFileDef>> AssetFileDefs(const tf::MetaGraphDef& meta_graph,
                                                    const std::string& pb_path) {
  std::vector<tf::AssetFileDef> defs(meta_graph.asset_file_def().begin(),
                                     meta_graph.asset_file_def().end());
  auto it = meta_graph.collection_def().find(kAssetsCollection);
  if (it == meta_graph.collection_def().end() || !it->second.has_any_list()) return defs;
  for (const auto& any : it->second.any_list().value()) {
    if (!any.type_url().ends_with(kAssetFileDefType)) continue;
    tf::AssetFileDef def;
    if (!def.ParseFromString(any.value())) {
      return DataLossError(pb_path + ": collection '" + kAssetsCollection +
                           "' holds an unparsable AssetFileDef");
    }
    defs.push_back(std::move(def));
  }
  return defs;
}

// The assets of `meta_graph`: one per file name (the first declaration
// wins), located under <export_dir>/assets/, sorted by file name.
Result<std::vector<Asset>> CollectAssets(const tf::MetaGraphDef& meta_graph,
                                         const std::string& export_dir) {
  TFHUB_ASSIGN_OR_RETURN(auto defs,
                         AssetFileDefs(meta_graph, io::JoinPath(export_dir, kSavedModelPb)));
  std::vector<Asset> assets;
  std::set<std::string> seen;
  for (const auto& def : defs) {
    if (!seen.insert(def.filename()).second) continue;
    assets.push_back(Asset{def.filename(), def.tensor_info().name(),
                           io::JoinPath(io::JoinPath(export_dir, "assets"), def.filename())});
  }
  std::sort(assets.begin(), assets.end(),
            [](const auto& a, const auto& b) { return a.filename < b.filename; });
  return assets;
}

// The checkpoint under <export_dir>/variables/, or null when it has no index
// (a model without variables, docs/savedmodel_format.md §2).
Result<std::unique_ptr<savedmodel::TensorBundle>> OpenVariables(io::FileSystem* fs,
                                                                const std::string& export_dir,
                                                                bool verify_checksums) {
  const std::string prefix = io::JoinPath(export_dir, "variables/variables");
  TFHUB_ASSIGN_OR_RETURN(auto index_info, fs->Stat(prefix + ".index"));
  if (index_info.type == io::FileType::kNotFound) {
    return std::unique_ptr<savedmodel::TensorBundle>();
  }
  savedmodel::TensorBundle::Options bundle_options;
  bundle_options.verify_checksums = verify_checksums;
  return savedmodel::TensorBundle::Open(fs, prefix, bundle_options);
}

using TensorMap = std::map<std::string, Tensor, std::less<>>;

// Every tensor of `bundle`, read in `num_threads` threads. The first error in
// entry (name) order wins, whichever thread met it first.
Result<TensorMap> ReadAllVariables(const savedmodel::TensorBundle& bundle, int num_threads) {
  const auto& entries = bundle.entries();
  std::vector<std::optional<Result<Tensor>>> results(entries.size());
  base::ForEachParallel(entries.size(), num_threads, [&](size_t i) {
    results[i].emplace(bundle.Read(entries[i]));
    return Status::Ok();  // errors are reported below, in index order
  }).IgnoreError();
  TensorMap tensors;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!results[i]->ok()) return results[i]->status();
    tensors.emplace(entries[i].name, std::move(*results[i]).value());
  }
  return tensors;
}

}  // namespace

struct SavedModel::Impl {
  std::string export_dir;
  std::shared_ptr<io::FileSystem> owned_fs;  // keeps an injected filesystem alive
  std::unique_ptr<io::FileSystemRegistry> registry;  // or the built-in backends read through
  bool hub_module = false;
  int64_t schema_version = 0;
  std::vector<std::string> tags;
  std::vector<std::vector<std::string>> tag_sets;
  std::string tensorflow_version;
  std::vector<Signature> signatures;
  std::vector<Asset> assets;
  std::unique_ptr<savedmodel::TensorBundle> bundle;  // null: no variables
  TensorMap preloaded;
};

SavedModel::SavedModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SavedModel::~SavedModel() = default;

Result<std::unique_ptr<SavedModel>> SavedModel::Open(const std::string& export_dir,
                                                     const LoadOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->export_dir = export_dir;
  io::FileSystem* fs = options.file_system.get();
  if (fs == nullptr) {
    // The built-in backend of the path's scheme, configured as a resolve
    // would be (LoadOptions::resolve_options, else the environment).
    ResolveOptions resolve_options;
    if (options.resolve_options) {
      resolve_options = *options.resolve_options;
    } else {
      TFHUB_ASSIGN_OR_RETURN(resolve_options, OptionsFromEnvironment());
    }
    impl->registry = io::MakeFileSystemRegistry(resolve_options);
    TFHUB_ASSIGN_OR_RETURN(fs, impl->registry->ForUri(export_dir));
  } else {
    impl->owned_fs = options.file_system;
  }

  TFHUB_ASSIGN_OR_RETURN(const tf::SavedModel proto, ReadSavedModelProto(fs, export_dir));
  impl->schema_version = proto.saved_model_schema_version();

  TFHUB_ASSIGN_OR_RETURN(auto hub_info, fs->Stat(io::JoinPath(export_dir, kHubModulePb)));
  impl->hub_module = hub_info.type == io::FileType::kFile;

  impl->tag_sets = TagSets(proto);
  TFHUB_ASSIGN_OR_RETURN(
      const tf::MetaGraphDef* meta_graph,
      ChooseMetaGraph(proto, WantedTags(options, impl->hub_module, proto.meta_graphs_size()),
                      impl->tag_sets, export_dir));
  const auto& tag_field = meta_graph->meta_info_def().tags();
  impl->tags.assign(tag_field.begin(), tag_field.end());
  impl->tensorflow_version = meta_graph->meta_info_def().tensorflow_version();
  impl->signatures = ConvertSignatures(*meta_graph);
  TFHUB_ASSIGN_OR_RETURN(impl->assets, CollectAssets(*meta_graph, export_dir));

  TFHUB_ASSIGN_OR_RETURN(impl->bundle, OpenVariables(fs, export_dir, options.verify_checksums));
  if (options.read_all_variables && impl->bundle && !impl->bundle->entries().empty()) {
    TFHUB_ASSIGN_OR_RETURN(impl->preloaded, ReadAllVariables(*impl->bundle, options.num_threads));
  }
  return std::unique_ptr<SavedModel>(new SavedModel(std::move(impl)));
}

const std::string& SavedModel::export_dir() const { return impl_->export_dir; }
bool SavedModel::is_hub_module() const { return impl_->hub_module; }
int64_t SavedModel::schema_version() const { return impl_->schema_version; }
const std::vector<std::string>& SavedModel::tags() const { return impl_->tags; }
const std::vector<std::vector<std::string>>& SavedModel::available_tag_sets() const {
  return impl_->tag_sets;
}
const std::string& SavedModel::tensorflow_version() const { return impl_->tensorflow_version; }
const std::vector<Signature>& SavedModel::signatures() const { return impl_->signatures; }
const std::vector<Asset>& SavedModel::assets() const { return impl_->assets; }

const Signature* SavedModel::signature(std::string_view name) const {
  for (const auto& s : impl_->signatures) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const std::vector<VariableInfo>& SavedModel::variables() const {
  static const std::vector<VariableInfo> kNone;
  return impl_->bundle ? impl_->bundle->entries() : kNone;
}

const VariableInfo* SavedModel::variable(std::string_view name) const {
  return impl_->bundle ? impl_->bundle->Find(name) : nullptr;
}

Result<Tensor> SavedModel::ReadVariable(std::string_view name) const {
  if (auto it = impl_->preloaded.find(name); it != impl_->preloaded.end()) return it->second;
  if (!impl_->bundle) {
    return NotFoundError("SavedModel '" + impl_->export_dir + "' has no variables (no '" +
                         std::string(name) + "')");
  }
  return impl_->bundle->Read(name);
}

Result<std::unique_ptr<SavedModel>> load(std::string_view handle, const LoadOptions& options) {
  ResolveOptions resolve_options;
  if (options.resolve_options) {
    resolve_options = *options.resolve_options;
  } else {
    TFHUB_ASSIGN_OR_RETURN(resolve_options, OptionsFromEnvironment());
  }
  TFHUB_ASSIGN_OR_RETURN(std::string path, resolve(handle, resolve_options));
  LoadOptions open_options = options;
  open_options.resolve_options = std::move(resolve_options);
  return SavedModel::Open(path, open_options);
}

}  // namespace tfhub
