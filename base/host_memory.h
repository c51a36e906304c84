#pragma once
// The host's memory, checked before a run allocates something that grows with its input (a
// weights file, a trace, a sweep), so that an input too big fails at once with the estimate
// instead of an out-of-memory kill half way through. Shared by every library, like errors.h.
#include <cstdint>
#include <string>

namespace npu {

// Bytes this process can still allocate: the kernel's MemAvailable, lowered to what the cgroup
// memory limit leaves; 0 if neither can be read (then nothing is refused).
uint64_t available_host_bytes();

// Throws UserError "<what> needs about N GiB of host memory, more than the M GiB available" when
// `need_bytes` exceeds available_host_bytes().
void check_host_memory(uint64_t need_bytes, const std::string& what);

}  // namespace npu
