#pragma once
// The two kinds of error npusim raises (docs/architecture.md, Contracts):
//  - UserError and its subclasses: the input is wrong (a preset, a schedule, a program text, a
//    shape). The message names the file, field or Halide Func and what is allowed.
//  - InternalError: npusim itself is wrong.
// Python sees each subclass as its own exception type.
#include <stdexcept>
#include <string>

namespace npu {

struct UserError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A preset or other configuration file/field is malformed or out of range.
struct ConfigError : UserError {
    using UserError::UserError;
};
// A schedule cannot be mapped onto the NPU (SRAM overflow, operands off chip, bad knob).
struct ScheduleError : UserError {
    using UserError::UserError;
};
// The buffers a program places in one SRAM level exceed it. `what()` ends with a generic remedy;
// a caller that knows the schedule's knobs replaces it with the knob that helps (`diagnosis` is the
// message without it).
struct SramOverflow : ScheduleError {
    SramOverflow(const std::string& diagnosis_, const std::string& remedy)
        : ScheduleError(diagnosis_ + " " + remedy), diagnosis(diagnosis_) {}
    std::string diagnosis;
};
// An npu::Program is malformed (text syntax, dangling names) or cannot run (deadlock).
struct ProgramError : UserError {
    using UserError::UserError;
};
// A tensor shape or argument is invalid (zero extent, mismatched operands).
struct ShapeError : UserError {
    using UserError::UserError;
};
struct InternalError : std::logic_error {
    using std::logic_error::logic_error;
};

}  // namespace npu
