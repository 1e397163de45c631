// tfhub._tfhub: the extension behind the Python package tfhub (the public
// API is python/tfhub/__init__.py, which re-exports what it needs).
#include <pybind11/pybind11.h>

#include <string>

#include "errors.h"
#include "tfhub/resolve.h"

namespace tfhub::python {
void DefineResolve(pybind11::module_& m);
void DefineSavedModel(pybind11::module_& m);
}  // namespace tfhub::python

PYBIND11_MODULE(_tfhub, m) {
  m.doc() = "tfhub native extension: resolve model handles, read SavedModels (see the tfhub package)";
  m.attr("__version__") = std::string(tfhub::Version());
  tfhub::python::RegisterStatusTranslator();
  tfhub::python::DefineResolve(m);
  tfhub::python::DefineSavedModel(m);
}
