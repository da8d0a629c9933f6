//! Tensor memory. A storage is shared (`Arc`) by every view of it; its bytes live on one
//! device. Only the CPU exists today; a CUDA storage becomes another `Memory` variant, and
//! the op front end keeps calling the same `Tensor` methods.

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Zeroed host memory, 64-byte aligned so vector loads never straddle a cache line at the start.
/// Large buffers are mapped on 2 MiB boundaries and offered transparent huge pages, so the
/// first touch of a fresh 64 MiB output costs 32 page faults instead of 16384.
pub struct HostBuffer {
    ptr: NonNull<u8>,
    nbytes: usize,
    mapped: bool,
}

const ALIGN: usize = 64;
const HUGE_PAGE: usize = 2 << 20;
/// Below this, the allocator's own free lists are faster than a fresh mapping.
const MAP_MIN: usize = 4 << 20;

impl HostBuffer {
    pub fn zeroed(nbytes: usize) -> HostBuffer {
        if nbytes == 0 {
            return HostBuffer {
                ptr: NonNull::<u64>::dangling().cast(),
                nbytes,
                mapped: false,
            };
        }
        if nbytes >= MAP_MIN
            && let Some(ptr) = map_huge(nbytes)
        {
            return HostBuffer {
                ptr,
                nbytes,
                mapped: true,
            };
        }
        let layout = Layout::from_size_align(nbytes, ALIGN)
            .expect("tensor size overflows the address space");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        let ptr = NonNull::new(ptr).unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
        HostBuffer {
            ptr,
            nbytes,
            mapped: false,
        }
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    pub fn nbytes(&self) -> usize {
        self.nbytes
    }
}

fn mapped_len(nbytes: usize) -> usize {
    nbytes.div_ceil(HUGE_PAGE) * HUGE_PAGE
}

/// An anonymous mapping (zero-filled by the kernel) starting on a huge-page boundary.
#[cfg(target_os = "linux")]
fn map_huge(nbytes: usize) -> Option<NonNull<u8>> {
    let len = mapped_len(nbytes);
    let span = len + HUGE_PAGE;
    // SAFETY: a fresh private anonymous mapping; the unaligned head and the tail beyond `len`
    // are unmapped again, so exactly [start, start + len) stays mapped.
    unsafe {
        let base = libc::mmap(
            std::ptr::null_mut(),
            span,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if base == libc::MAP_FAILED {
            return None;
        }
        let base = base as usize;
        let start = base.next_multiple_of(HUGE_PAGE);
        if start > base {
            libc::munmap(base as *mut libc::c_void, start - base);
        }
        let end = start + len;
        if base + span > end {
            libc::munmap(end as *mut libc::c_void, base + span - end);
        }
        // Advice only: without THP the mapping still works with small pages.
        libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        NonNull::new(start as *mut u8)
    }
}

#[cfg(not(target_os = "linux"))]
fn map_huge(_nbytes: usize) -> Option<NonNull<u8>> {
    None
}

impl Drop for HostBuffer {
    fn drop(&mut self) {
        if self.nbytes == 0 {
            return;
        }
        if self.mapped {
            #[cfg(target_os = "linux")]
            // SAFETY: mapped by `map_huge` with exactly this length.
            unsafe {
                libc::munmap(
                    self.ptr.as_ptr() as *mut libc::c_void,
                    mapped_len(self.nbytes),
                );
            }
            return;
        }
        // SAFETY: allocated in `zeroed` with exactly this layout.
        unsafe {
            dealloc(
                self.ptr.as_ptr(),
                Layout::from_size_align_unchecked(self.nbytes, ALIGN),
            )
        };
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
    pub fn zeroed_host(nbytes: usize) -> Storage {
        Storage {
            memory: Memory::Host(HostBuffer::zeroed(nbytes)),
            version: AtomicU64::new(0),
        }
    }

    pub fn meta(nbytes: usize) -> Storage {
        Storage {
            memory: Memory::Meta(nbytes),
            version: AtomicU64::new(0),
        }
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
