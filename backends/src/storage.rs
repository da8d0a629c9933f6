//! Tensor memory. A storage is shared (`Arc`) by every view of it; its bytes live on one
//! device. Only the CPU exists today; a CUDA storage becomes another `Memory` variant, and
//! the op front end keeps calling the same `Tensor` methods.

use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::host_pool::{self, Block};

/// Where a tensor's memory is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Device {
    Cpu,
    Cuda(u32),
    /// Shape, dtype and strides without data: what fake tensors are. Kernels compute their
    /// output's metadata and stop before touching memory.
    Meta,
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(index) => write!(f, "cuda:{index}"),
            Device::Meta => f.write_str("meta"),
        }
    }
}

/// Host memory, 64-byte aligned so vector loads never straddle a cache line at the start,
/// from the caching allocator (`host_pool.rs`).
pub struct HostBuffer {
    block: Option<Block>,
    nbytes: usize,
}

impl HostBuffer {
    /// `nbytes` of zeros.
    pub fn zeroed(nbytes: usize) -> HostBuffer {
        HostBuffer::new(nbytes, true)
    }

    /// `nbytes` with unspecified contents: for outputs a kernel writes in full.
    pub fn uninit(nbytes: usize) -> HostBuffer {
        HostBuffer::new(nbytes, false)
    }

    fn new(nbytes: usize, zero: bool) -> HostBuffer {
        HostBuffer {
            block: (nbytes > 0).then(|| host_pool::allocate(nbytes, zero)),
            nbytes,
        }
    }

    pub fn as_ptr(&self) -> *mut u8 {
        match &self.block {
            Some(b) => b.ptr.as_ptr(),
            None => NonNull::<u64>::dangling().cast().as_ptr(),
        }
    }

    pub fn nbytes(&self) -> usize {
        self.nbytes
    }
}

impl Drop for HostBuffer {
    fn drop(&mut self) {
        if let Some(b) = self.block.take() {
            host_pool::release(b);
        }
    }
}

// SAFETY: the buffer is plain bytes. Like PyTorch, smelt does not lock tensor data: ops that
// write (in-place ops) are sequenced by the program, and aliasing within one op is handled by
// the op (it computes into a temporary when input and output overlap).
unsafe impl Send for HostBuffer {}
unsafe impl Sync for HostBuffer {}

pub enum Memory {
    Host(HostBuffer),
    /// A byte count and no allocation.
    Meta(usize),
}

pub struct Storage {
    memory: Memory,
    /// Bumped by every in-place write, shared by all views: autograd compares it with the
    /// value it saw when it saved a tensor (PyTorch's version counter, `Tensor._version`).
    version: AtomicU64,
}

impl Storage {
    fn of(memory: Memory) -> Storage {
        Storage {
            memory,
            version: AtomicU64::new(0),
        }
    }

    pub fn zeroed_host(nbytes: usize) -> Storage {
        Storage::of(Memory::Host(HostBuffer::zeroed(nbytes)))
    }

    /// Host memory whose contents the caller overwrites before anyone reads them.
    pub fn uninit_host(nbytes: usize) -> Storage {
        Storage::of(Memory::Host(HostBuffer::uninit(nbytes)))
    }

    pub fn meta(nbytes: usize) -> Storage {
        Storage::of(Memory::Meta(nbytes))
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }

    pub fn bump_version(&self) {
        self.version.fetch_add(1, Ordering::Relaxed);
    }

    pub fn device(&self) -> Device {
        match self.memory {
            Memory::Host(_) => Device::Cpu,
            Memory::Meta(_) => Device::Meta,
        }
    }

    pub fn nbytes(&self) -> usize {
        match &self.memory {
            Memory::Host(buffer) => buffer.nbytes(),
            Memory::Meta(nbytes) => *nbytes,
        }
    }

    /// The start of host memory. Every caller is a CPU kernel reached through a CPU tensor;
    /// kernels return before this point for meta tensors, so reaching it with one is a bug in
    /// smelt, and stopping beats reading memory that does not exist.
    pub fn host_ptr(&self) -> *mut u8 {
        match &self.memory {
            Memory::Host(buffer) => buffer.as_ptr(),
            Memory::Meta(_) => panic!("a kernel tried to access the data of a meta tensor"),
        }
    }
}
