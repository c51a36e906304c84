#pragma once
// The kernel library's common interface. Every kernel (a Halide algorithm from kernels/ and its
// schedule from schedules/) is a Kernel in one registry, so the CLI, the Python package and the
// tuner treat them alike: shapes and schedule knobs are named maps, the flow fixes shapes and
// strides, lowers to an npu::Program, simulates it, or JIT-compiles the same pipeline on the host.
#include <Halide.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/config/npu_config.h"

namespace npusim::schedules {

using Knobs = std::map<std::string, std::string>;
using Shape = std::map<std::string, int64_t>;

struct ShapeDim {
    std::string name;
    int64_t fallback;  // used when the shape does not name this dimension
    int64_t min, max;
    std::string doc;
};

// A schedule knob. An integer knob accepts any value in [min, 2^20] and the tuner tries `space`; a
// choice knob accepts only the values in `space`. The first value of `space` is not the default:
// defaults come from Kernel::default_knobs, per preset.
struct KnobSpec {
    std::string name;
    bool integer;
    std::vector<std::string> space;
    std::string doc;
    int min = 1;  // 0 where zero means "not tiled"
    // An on/off knob (its space is 0 and 1), whether declared as a choice or, from Python, as an integer.
    bool on_off() const { return space == std::vector<std::string>{"0", "1"}; }
};

// A scheduled pipeline for one shape: its inputs in order and its output, with the dense shapes
// (innermost dimension first, as in Halide) the flow fixes on them.
struct KernelInstance {
    KernelInstance() = default;
    KernelInstance(std::vector<Halide::ImageParam> in, std::vector<std::vector<int64_t>> in_shapes, Halide::Func out,
                   std::vector<int64_t> out_shape, std::map<std::string, Halide::Param<>> run_params = {})
        : inputs(std::move(in)),
          input_shapes(std::move(in_shapes)),
          output(std::move(out)),
          output_shape(std::move(out_shape)),
          params(std::move(run_params)) {}
    std::vector<Halide::ImageParam> inputs;
    std::vector<std::vector<int64_t>> input_shapes;
    Halide::Func output;
    std::vector<int64_t> output_shape;
    // Run-time parameters by shape dimension (see Kernel::runtime_dims), each an Int(32) Param.
    std::map<std::string, Halide::Param<>> params;
};

// A shape dimension the program takes as a run-time parameter instead of a constant, so one
// compiled program serves every value up to the `capacity` dimension's (0 there: this value).
struct RuntimeDim {
    std::string dim, capacity;
};

class Kernel {
public:
    virtual ~Kernel() = default;
    virtual std::string name() const = 0;
    virtual std::string summary() const = 0;  // one line: what it computes, its numerics
    virtual std::vector<ShapeDim> shape_dims() const = 0;
    virtual std::vector<KnobSpec> knob_specs() const = 0;
    virtual std::vector<RuntimeDim> runtime_dims() const { return {}; }
    // The schedule used when none is given, for an NPU (its preset name and parameters) and shape.
    virtual Knobs default_knobs(const npu::NpuConfig& npu, const Shape& shape) const = 0;
    // Checks beyond each dimension's range (divisibility, accumulator limits, step budget);
    // throws ShapeError or ScheduleError. `knobs` is complete.
    virtual void check(const Shape& /*shape*/, const Knobs& /*knobs*/) const {}
    // Builds the algorithm and applies the schedule. `shape` and `knobs` are complete and checked.
    virtual KernelInstance build(const Shape& shape, const Knobs& knobs) const = 0;
    // The same algorithm with a schedule for the host CPU (vectorized, across its cores), for
    // bulk host runs (quant/'s accuracy passes). Only loops over independent outputs change, never
    // the order of a reduction, so its results are bit-identical to build()'s host JIT
    // (tests/python/test_kernels.py checks each kernel that has one). Default: build().
    virtual KernelInstance build_host(const Shape& shape, const Knobs& knobs) const { return build(shape, knobs); }
    // What to change when this schedule overflows an SRAM level: the knobs that shrink it for
    // this shape, named. Default: the integer knobs set above their smallest value, and
    // double_buffer when it is on.
    virtual std::string sram_remedy(const Shape& shape, const Knobs& knobs) const;
    // Distinguishes this definition from another of the same name (a kernel defined again in a
    // session): cached programs and host pipelines are keyed on name() and revision().
    virtual std::string revision() const { return {}; }
};

// The registry: the built-in kernels, then those added in this process. find_kernel throws
// ShapeError listing the kernels for an unknown name.
const Kernel& find_kernel(const std::string& name);
std::vector<const Kernel*> all_kernels();
// Adds a kernel defined at run time (from Python), or replaces the one added before under its
// name; a built-in name is a ScheduleError. A replaced kernel stays alive (calls made with it may
// still be running), so the registry owns every kernel ever added.
void add_kernel(std::unique_ptr<const Kernel> k);

// Fills in defaults and checks every name and value; the errors name the kernel and field.
// A capacity left at 0 becomes its run-time dimension's value.
Shape complete_shape(const Kernel& k, const Shape& given);
Knobs complete_knobs(const Kernel& k, const npu::NpuConfig& npu, const Shape& shape, const Knobs& given);
// "a=1,b=2" <-> map. `what` names the field in errors ("schedule", "shape").
std::map<std::string, std::string> parse_fields(const std::string& text, const std::string& what);
std::string fields_text(const std::map<std::string, std::string>& fields);
std::string join(const std::vector<std::string>& names);  // "a, b, c"
Shape parse_shape(const std::string& text);

// Integer knob value (already checked by complete_knobs).
int knob_int(const Knobs& k, const std::string& name);
bool knob_flag(const Knobs& k, const std::string& name);

}  // namespace npusim::schedules
