# Decides whether the Python package is built (TFHUB_PYTHON), and finds the
# interpreter and pybind11 for python/CMakeLists.txt.
#
#  * -DTFHUB_PYTHON=OFF skips it. It is also skipped, with a message, in a
#    sanitizer or fuzz build: an ASan-instrumented extension cannot be
#    imported by an uninstrumented python without LD_PRELOAD; the package is
#    tested in the normal (Release) build.
#  * The interpreter: -DPython3_EXECUTABLE=... when given, else Debian's
#    /usr/bin/python3 when it exists (not whatever python3 comes first on
#    PATH, e.g. a pyenv one without Python's headers or pybind11), else
#    FindPython3's search.
#  * Missing pybind11 or Python headers: a message, and no package (the
#    README's set-up command installs python3-pybind11, pybind11-dev and
#    python3-dev).
# When built, CMAKE_POSITION_INDEPENDENT_CODE is ON: the extension is a
# shared object that links the static library.
if(TFHUB_PYTHON AND (TFHUB_SANITIZE OR TFHUB_FUZZ))
  message(STATUS "tfhub: the Python package is not built in a sanitizer/fuzz build (TFHUB_PYTHON OFF)")
  set(TFHUB_PYTHON OFF)
endif()
if(TFHUB_PYTHON)
  if(NOT Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
    set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "The Python interpreter the tfhub package is built for")
  endif()
  find_package(Python3 COMPONENTS Interpreter Development.Module)
  if(Python3_FOUND)
    find_package(pybind11 2.6 CONFIG QUIET)
  endif()
  if(NOT Python3_FOUND OR NOT pybind11_FOUND)
    message(STATUS "tfhub: Python package not built: needs Python 3 with its headers and pybind11 "
                   "(Debian: python3-dev pybind11-dev python3-pybind11); -DTFHUB_PYTHON=OFF silences this")
    set(TFHUB_PYTHON OFF)
  else()
    message(STATUS "tfhub: Python package for ${Python3_EXECUTABLE} (${Python3_VERSION}), pybind11 ${pybind11_VERSION}")
    set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  endif()
endif()
