//! The native JIT ("inductor"): graph -> fused loop kernels -> machine code, no C compiler.
//!
//! ```text
//! graph.rs     the JIT's input: aten-level nodes over the tracer's op enums
//! sym.rs       a symbolic leading size: which values have it, what is refused
//! schedule.rs  fusion: what gets a buffer, which sinks share a kernel, steps in order
//! index.rs     its index arithmetic: addresses, broadcasts, views as affine maps
//! buffers.rs   buffer planning: dead temporaries' storage reused, outputs written in place
//! simplify.rs  loop clean-up: merge loops accesses walk as one, cut long loops for threads
//! loop_ir.rs   kernels: outer loop, stages of inner loops, affine addresses (printable)
//! ops.rs       each tracer op in a kernel: support, operand types, vector-IR expansion
//! math.rs      exp/log/sin/cos/tanh/erf... as polynomials in vector-IR ops
//! vir.rs       the vector IR both emitters implement
//! codegen.rs   loop IR -> emitter calls, register allocation
//! emit/        one Emitter trait; x64.rs (AVX2 + FMA; x64/sse2.rs the SSE2 fallback),
//!              aarch64.rs (NEON)
//! disasm.rs    machine code as text (iced-x86, yaxpeax-arm), for logs and snapshots
//! runtime.rs   executable code, threads, buffers, GEMM calls, checked mode
//! qemu.rs      AArch64 kernels run under qemu-aarch64 on other machines (tests)
//! ```

pub mod buffers;
pub mod codegen;
pub mod disasm;
pub mod emit;
pub mod graph;
pub mod index;
pub mod loop_ir;
pub mod math;
pub mod ops;
pub mod qemu;
pub mod runtime;
pub mod schedule;
pub mod simplify;
pub mod sym;
pub mod vir;
