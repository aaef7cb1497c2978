// The stack of a child started vfork-style (clone with CLONE_VM | CLONE_VFORK) on a buffer in
// the parent's frame, as the launcher starts monitors and a monitor starts its job.
//
// Under AddressSanitizer the child's instrumented frames mark parts of that buffer
// unaddressable in the shadow memory the two processes share, and a child that execs never
// marks them back: the parent's later frames on that memory then read as overflows (or crash
// ASan's own report with "kCurrentStackFrameMagic"). Without the sanitizer this does nothing.
#ifndef SHARC_AGENT_VFORK_STACK_H_
#define SHARC_AGENT_VFORK_STACK_H_

#include <sanitizer/asan_interface.h>

#include <cstddef>

namespace sharc::agent {

// Call once the child has exec'd or exited, i.e. once clone with CLONE_VFORK has returned.
inline void ForgetChildFrames(char* stack, size_t bytes) {
  ASAN_UNPOISON_MEMORY_REGION(stack, bytes);
}

}  // namespace sharc::agent

#endif  // SHARC_AGENT_VFORK_STACK_H_
