#include "errors.h"

#include <string>

namespace py = pybind11;

namespace tfhub::python {

void RegisterStatusTranslator() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      const Status& s = e.status();
      py::object exc = py::module_::import("tfhub.errors")
                           .attr("from_status")(std::string(StatusCodeName(s.code())), s.message());
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    }
  });
}

}  // namespace tfhub::python
