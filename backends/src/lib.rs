//! smelt's running side. It will hold tensor storage and strided views, the eager kernels,
//! the graph interpreter, the dynasm JIT (x86-64 and AArch64) and the CUDA path.
//! See ARCHITECTURE.md for which of these exist yet.
