// Example consumer of an installed tfhub: resolves a handle and, when the
// result is a SavedModel, prints its signatures and variables.
//
//   tfhub_consumer HANDLE     (a tfhub.dev URL, an archive URL or a local dir)
//
// Built with CMake (find_package(tfhub) + tfhub::tfhub, see CMakeLists.txt)
// or with pkg-config:
//   g++ -std=c++20 main.cc $(pkg-config --cflags --libs tfhub) -o tfhub_consumer
#include <iostream>

#include "tfhub/resolve.h"
#include "tfhub/saved_model.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " HANDLE\n";
    return 2;
  }
  std::cout << "tfhub " << tfhub::Version() << "\n";

  // Options from the environment (TFHUB_CACHE_DIR, ...), as the CLI does.
  tfhub::Result<std::string> path = tfhub::resolve(argv[1]);
  if (!path.ok()) {
    std::cerr << "resolve failed: " << path.status().ToString() << "\n";
    return 1;
  }
  std::cout << "path: " << *path << "\n";

  auto model = tfhub::SavedModel::Open(*path);
  if (!model.ok()) {
    if (model.status().code() == tfhub::StatusCode::kInvalidArgument) {
      std::cout << "not a SavedModel: " << model.status().message() << "\n";
      return 0;
    }
    std::cerr << "open failed: " << model.status().ToString() << "\n";
    return 1;
  }
  const tfhub::SavedModel& m = **model;
  std::cout << "tags:";
  for (const std::string& tag : m.tags()) std::cout << " " << tag;
  std::cout << "\n";
  for (const tfhub::Signature& sig : m.signatures()) {
    std::cout << "signature: " << sig.name << " (" << sig.inputs.size() << " inputs, "
              << sig.outputs.size() << " outputs)\n";
  }
  // Reading one value exercises the checkpoint reader (leveldb, snappy, CRC32C).
  for (const tfhub::VariableInfo& var : m.variables()) {
    if (var.partitioned || var.dtype != tfhub::DataType::kFloat) continue;
    tfhub::Result<tfhub::Tensor> value = m.ReadVariable(var.name);
    if (!value.ok()) {
      std::cerr << "read failed: " << value.status().ToString() << "\n";
      return 1;
    }
    std::cout << "variable: " << var.name << " " << value->shape().ToString() << " "
              << tfhub::DataTypeName(value->dtype()) << "\n";
  }
  return 0;
}
