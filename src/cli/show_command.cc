#include "cli/show_command.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/json_output.h"
#include "tfhub/saved_model.h"

namespace tfhub::cli {

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::string TagSet(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) out += (out.empty() ? "" : ", ") + t;
  return out;
}

// saved_model_cli's shape notation: "()" scalar, "(-1, 1)", "unknown_rank".
std::string ShapeText(const std::optional<TensorShape>& shape) {
  if (!shape) return "unknown";
  if (shape->unknown_rank) return "unknown_rank";
  std::string out = "(";
  for (size_t i = 0; i < shape->dims.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(shape->dims[i]);
  }
  return out + ")";
}

nlohmann::json ShapeJson(const std::optional<TensorShape>& shape) {
  if (!shape) return nullptr;
  if (shape->unknown_rank) return "unknown_rank";
  return shape->dims;
}

void PrintTensorInfos(std::ostream& out, const char* kind, const std::vector<TensorInfo>& infos) {
  out << "  The given SavedModel SignatureDef contains the following " << kind << "(s):\n";
  for (const auto& t : infos) {
    out << "    " << kind << "s['" << t.key << "'] tensor_info:\n"
        << "        dtype: " << DataTypeName(t.dtype) << "\n"
        << "        shape: " << ShapeText(t.shape) << "\n"
        << "        name: " << t.name << "\n";
  }
}

nlohmann::json TensorInfosJson(const std::vector<TensorInfo>& infos) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& t : infos) {
    out[t.key] = {{"name", t.name}, {"dtype", DataTypeName(t.dtype)}, {"shape", ShapeJson(t.shape)}};
  }
  return out;
}

template <typename T>
void AppendValues(const Tensor& t, int64_t limit, nlohmann::json* values) {
  auto span = *t.values<T>();
  for (size_t i = 0; i < span.size() && (limit <= 0 || static_cast<int64_t>(i) < limit); ++i) {
    if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>) {
      values->push_back({span[i].real(), span[i].imag()});
    } else if constexpr (std::is_same_v<T, float>) {
      // Shortest decimal that round-trips the float (not the widened double).
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof(buf), span[i]);
      values->push_back(std::strtod(std::string(buf, res.ptr).c_str(), nullptr));
    } else if constexpr (sizeof(T) == 1 && !std::is_same_v<T, bool>) {
      values->push_back(static_cast<int>(span[i]));
    } else {
      values->push_back(span[i]);
    }
  }
}

// The first `limit` values as JSON; Unimplemented for dtypes without a C++ type.
Result<nlohmann::json> ValuesJson(const Tensor& t, int64_t limit) {
  nlohmann::json values = nlohmann::json::array();
  switch (t.dtype()) {
    case DataType::kFloat: AppendValues<float>(t, limit, &values); break;
    case DataType::kDouble: AppendValues<double>(t, limit, &values); break;
    case DataType::kInt32: AppendValues<int32_t>(t, limit, &values); break;
    case DataType::kUint8: AppendValues<uint8_t>(t, limit, &values); break;
    case DataType::kInt16: AppendValues<int16_t>(t, limit, &values); break;
    case DataType::kInt8: AppendValues<int8_t>(t, limit, &values); break;
    case DataType::kInt64: AppendValues<int64_t>(t, limit, &values); break;
    case DataType::kBool: AppendValues<bool>(t, limit, &values); break;
    case DataType::kUint16: AppendValues<uint16_t>(t, limit, &values); break;
    case DataType::kUint32: AppendValues<uint32_t>(t, limit, &values); break;
    case DataType::kUint64: AppendValues<uint64_t>(t, limit, &values); break;
    case DataType::kComplex64: AppendValues<std::complex<float>>(t, limit, &values); break;
    case DataType::kComplex128: AppendValues<std::complex<double>>(t, limit, &values); break;
    case DataType::kString:
      for (size_t i = 0; i < t.strings().size() && (limit <= 0 || static_cast<int64_t>(i) < limit); ++i) {
        // Arbitrary bytes: JSON strings must be UTF-8, so escape the rest.
        std::string s;
        for (unsigned char c : t.strings()[i]) {
          if (c >= 0x20 && c < 0x7f && c != '\\') {
            s += static_cast<char>(c);
          } else {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\x%02x", c);
            s += buf;
          }
        }
        values.push_back(s);
      }
      break;
    default:
      return UnimplementedError("printing " + DataTypeName(t.dtype()) + " values is not supported");
  }
  return values;
}

int ShowTensor(const SavedModel& model, const ShowArgs& args, std::ostream& out, std::ostream& err) {
  auto tensor = model.ReadVariable(args.tensor);
  if (!tensor.ok()) return ReportError(tensor.status(), args.json, kExitFailure, out, err);
  auto values = ValuesJson(*tensor, args.limit);
  if (!values.ok()) return ReportError(values.status(), args.json, kExitFailure, out, err);
  const bool truncated = static_cast<int64_t>(values->size()) < tensor->num_elements();
  if (args.json) {
    nlohmann::json j = {{"name", args.tensor},
                        {"dtype", DataTypeName(tensor->dtype())},
                        {"shape", tensor->shape().dims},
                        {"num_elements", tensor->num_elements()},
                        {"values", *values},
                        {"truncated", truncated}};
    out << DumpJson(j) << '\n';
  } else {
    out << args.tensor << ": " << DataTypeName(tensor->dtype()) << ' ' << ShapeText(tensor->shape())
        << '\n';
    for (const auto& v : *values) out << (v.is_string() ? v.get<std::string>() : v.dump()) << '\n';
    if (truncated) {
      out << "... (" << tensor->num_elements() - static_cast<int64_t>(values->size())
          << " more; use --limit)\n";
    }
  }
  return out.good() ? 0 : kExitFailure;
}

}  // namespace

CLI::App* AddShowCommand(CLI::App& app, ShowArgs* args) {
  CLI::App* cmd = app.add_subcommand(
      "show", "Show a SavedModel's tag set, signatures, variables and assets (resolving HANDLE)");
  cmd->fallthrough();
  cmd->add_option("handle", args->handle,
                  "Model handle: an http(s) URL, a gs:// archive or directory, or a local path")
      ->required();
  cmd->add_option("--signature", args->signature, "Show only this signature");
  cmd->add_flag("--json", args->json, "Print JSON");
  cmd->add_option("--tensor", args->tensor, "Print the values of this variable (checkpoint key)");
  cmd->add_option("--limit", args->limit, "With --tensor: print at most N values (<= 0: all)")
      ->capture_default_str();
  return cmd;
}

namespace {
int Show(const ShowArgs& args, const ResolveOptions& options, std::ostream& out, std::ostream& err);
}  // namespace

// Names, signatures and values come from the model (disk or network): the
// output is escaped line by line before it is printed.
int RunShow(const ShowArgs& args, const ResolveOptions& options, std::ostream& out, std::ostream& err) {
  std::ostringstream text;
  const int rc = Show(args, options, text, err);
  out << base::EscapeLinesForTerminal(text.str());
  return rc != 0 ? rc : (out.good() ? 0 : kExitFailure);
}

namespace {
int Show(const ShowArgs& args, const ResolveOptions& options, std::ostream& out, std::ostream& err) {
  LoadOptions load_options;
  load_options.resolve_options = options;
  auto loaded = load(args.handle, load_options);
  if (!loaded.ok()) return ReportError(loaded.status(), args.json, kExitFailure, out, err);
  const SavedModel& model = **loaded;
  if (!args.tensor.empty()) return ShowTensor(model, args, out, err);

  std::vector<const Signature*> signatures;
  for (const auto& s : model.signatures()) {
    if (args.signature.empty() || s.name == args.signature) signatures.push_back(&s);
  }
  if (!args.signature.empty() && signatures.empty()) {
    return ReportError(InvalidArgumentError("no signature '" + args.signature + "' in " + model.export_dir()),
                       args.json, kExitUsage, out, err);
  }

  if (args.json) {
    nlohmann::json j;
    j["path"] = model.export_dir();
    j["tags"] = model.tags();
    j["tensorflow_version"] = model.tensorflow_version();
    j["hub_module"] = model.is_hub_module();
    nlohmann::json sigs = nlohmann::json::object();
    for (const auto* s : signatures) {
      sigs[s->name] = {{"method_name", s->method_name},
                       {"inputs", TensorInfosJson(s->inputs)},
                       {"outputs", TensorInfosJson(s->outputs)}};
    }
    j["signatures"] = sigs;
    if (args.signature.empty()) {
      nlohmann::json vars = nlohmann::json::array();
      for (const auto& v : model.variables()) {
        vars.push_back({{"name", v.name}, {"dtype", DataTypeName(v.dtype)},
                        {"shape", v.shape.dims}, {"size_bytes", v.size_bytes},
                        {"partitioned", v.partitioned}});
      }
      j["variables"] = vars;
      nlohmann::json assets = nlohmann::json::array();
      for (const auto& a : model.assets()) {
        assets.push_back({{"filename", a.filename}, {"tensor_name", a.tensor_name}, {"path", a.path}});
      }
      j["assets"] = assets;
    }
    out << DumpJson(j) << '\n';
    return out.good() ? 0 : kExitFailure;
  }

  out << "MetaGraphDef with tag-set: '" << TagSet(model.tags())
      << "' contains the following SignatureDefs:\n";
  for (const auto* s : signatures) {
    out << "\nsignature_def['" << s->name << "']:\n";
    PrintTensorInfos(out, "input", s->inputs);
    PrintTensorInfos(out, "output", s->outputs);
    out << "  Method name is: " << s->method_name << "\n";
  }
  if (args.signature.empty()) {
    out << "\nVariables (" << model.variables().size() << "):\n";
    for (const auto& v : model.variables()) {
      out << "  " << v.name << "  " << DataTypeName(v.dtype) << "  " << ShapeText(v.shape) << "  "
          << v.size_bytes << " bytes" << (v.partitioned ? "  (partitioned)" : "") << "\n";
    }
    if (!model.assets().empty()) {
      out << "\nAssets (" << model.assets().size() << "):\n";
      for (const auto& a : model.assets()) out << "  " << a.filename << "  -> " << a.tensor_name << "\n";
    }
  }
  return out.good() ? 0 : kExitFailure;
}

}  // namespace

}  // namespace tfhub::cli
