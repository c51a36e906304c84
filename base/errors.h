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
