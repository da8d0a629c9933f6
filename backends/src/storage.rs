//! Tensor memory. A storage is shared (`Arc`) by every view of it; its bytes live on one
//! device. Only the CPU exists today; a CUDA storage becomes another `Memory` variant, and
//! the op front end keeps calling the same `Tensor` methods.

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::fmt;
use std::ptr::NonNull;

/// Where a tensor's memory is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Device {
    Cpu,
    Cuda(u32),
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(index) => write!(f, "cuda:{index}"),
        }
    }
}

/// Zeroed host memory, 64-byte aligned so vector loads never straddle a cache line at the start.
pub struct HostBuffer {
    ptr: NonNull<u8>,
    nbytes: usize,
}

const ALIGN: usize = 64;

impl HostBuffer {
    pub fn zeroed(nbytes: usize) -> HostBuffer {
        if nbytes == 0 {
            return HostBuffer {
                ptr: NonNull::<u64>::dangling().cast(),
                nbytes,
            };
        }
        let layout = Layout::from_size_align(nbytes, ALIGN)
            .expect("tensor size overflows the address space");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        let ptr = NonNull::new(ptr).unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
        HostBuffer { ptr, nbytes }
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    pub fn nbytes(&self) -> usize {
        self.nbytes
    }
}

impl Drop for HostBuffer {
    fn drop(&mut self) {
        if self.nbytes != 0 {
            // SAFETY: allocated in `zeroed` with exactly this layout.
            unsafe {
                dealloc(
                    self.ptr.as_ptr(),
                    Layout::from_size_align_unchecked(self.nbytes, ALIGN),
                )
            };
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
}

pub struct Storage {
    memory: Memory,
}

impl Storage {
    pub fn zeroed_host(nbytes: usize) -> Storage {
        Storage {
            memory: Memory::Host(HostBuffer::zeroed(nbytes)),
        }
    }

    pub fn device(&self) -> Device {
        match self.memory {
            Memory::Host(_) => Device::Cpu,
        }
    }

    pub fn nbytes(&self) -> usize {
        match &self.memory {
            Memory::Host(buffer) => buffer.nbytes(),
        }
    }

    /// The start of host memory. Every caller is a CPU kernel reached through a CPU tensor.
    pub fn host_ptr(&self) -> *mut u8 {
        match &self.memory {
            Memory::Host(buffer) => buffer.as_ptr(),
        }
    }
}
