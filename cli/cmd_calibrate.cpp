// npusim calibrate: the fit runs in Python (SciPy's bounded least squares, worker processes,
// DataFrames), so this command hands its arguments to `python -m npusim.calibration` with the
// build's package first on the path.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/errors.h"
#include "cli/commands.h"

#ifndef NPUSIM_PYTHON_PACKAGE_DIR
#error "NPUSIM_PYTHON_PACKAGE_DIR must be defined by the build"
#endif
#ifndef NPUSIM_VENV_PYTHON
#error "NPUSIM_VENV_PYTHON must be defined by the build"
#endif

namespace npusim::cli {

int cmd_calibrate(const std::vector<std::string>& argv) {
    // NPUSIM_PYTHON overrides the project's virtual environment (which `make` sets up).
    const char* env = std::getenv("NPUSIM_PYTHON");
    const std::string python = env && *env ? env : NPUSIM_VENV_PYTHON;
    const char* old_path = std::getenv("PYTHONPATH");
    const std::string path =
        std::string(NPUSIM_PYTHON_PACKAGE_DIR) + (old_path && *old_path ? ":" : "") + (old_path ? old_path : "");
    setenv("PYTHONPATH", path.c_str(), 1);
    std::vector<std::string> args = {python, "-m", "npusim.calibration"};
    args.insert(args.end(), argv.begin(), argv.end());
    std::vector<char*> c_args;
    for (std::string& a : args)
        c_args.push_back(a.data());
    c_args.push_back(nullptr);
    execv(python.c_str(), c_args.data());
    throw npu::ConfigError("cannot run the Python interpreter " + python + " (" + std::strerror(errno) +
                           "): `npusim calibrate` runs the npusim Python package; run `make build`, or set "
                           "NPUSIM_PYTHON to a Python that has npusim's requirements");
}

}  // namespace npusim::cli
