//! A caching allocator for host tensor memory. A training step frees and allocates the same
//! sizes over and over; handing a freed block back out skips the allocator, the fresh pages'
//! faults and (for outputs a kernel overwrites) the zero fill. Blocks are rounded up to one of
//! four size classes per power of two (at most 25% slack), kept per class, and released to the
//! system once the cache would hold more than `CACHE_LIMIT` bytes. Small blocks are left to
//! the system allocator, whose free lists are already fast.

use std::alloc::{Layout, alloc, alloc_zeroed, dealloc};
use std::collections::HashMap;
use std::ptr::NonNull;
use std::sync::Mutex;

const ALIGN: usize = 64;
const HUGE_PAGE: usize = 2 << 20;
/// Below this, blocks come from the system allocator each time.
const POOL_MIN: usize = 16 << 10;
/// From this size, blocks are fresh mappings on 2 MiB boundaries offered transparent huge
/// pages, so the first touch of a 64 MiB output is 32 page faults, not 16384.
const MAP_MIN: usize = 4 << 20;
/// The most bytes the cache keeps while no tensor uses them.
const CACHE_LIMIT: usize = 1 << 30;

/// A block: its start, the bytes it spans (its size class) and whether it is a mapping of
/// its own (else it came from the system allocator).
pub struct Block {
    pub ptr: NonNull<u8>,
    pub len: usize,
    mapped: bool,
}

// SAFETY: a block is plain memory owned by whoever holds it.
unsafe impl Send for Block {}

struct Cache {
    /// Free blocks by (size class, mapped).
    free: HashMap<(usize, bool), Vec<NonNull<u8>>>,
    bytes: usize,
}

// SAFETY: the pointers are unused blocks owned by the cache.
unsafe impl Send for Cache {}

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// The size class `nbytes` is rounded up to: the next of 4, 5, 6, 7 × 2^k (k ≥ 2) at or above
/// it, and whole huge pages from `MAP_MIN` on.
fn class(nbytes: usize) -> usize {
    if nbytes >= MAP_MIN {
        return nbytes.div_ceil(HUGE_PAGE) * HUGE_PAGE;
    }
    let top = usize::BITS - 1 - nbytes.leading_zeros();
    let step = 1usize << (top - 2);
    nbytes.div_ceil(step) * step
}

/// Memory for `nbytes` (> 0) bytes: zero-filled when `zero` is set, else with whatever the
/// block held before.
pub fn allocate(nbytes: usize, zero: bool) -> Block {
    if nbytes < POOL_MIN {
        return Block {
            ptr: system_alloc(nbytes, zero),
            len: nbytes,
            mapped: false,
        };
    }
    let len = class(nbytes);
    let reused = {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        cache.as_mut().and_then(|c| {
            let mapped = len >= MAP_MIN;
            let (ptr, mapped) = match c.free.get_mut(&(len, mapped)).and_then(|v| v.pop()) {
                Some(p) => (p, mapped),
                None => (c.free.get_mut(&(len, !mapped))?.pop()?, !mapped),
            };
            c.bytes -= len;
            Some((ptr, mapped))
        })
    };
    if let Some((ptr, mapped)) = reused {
        if zero {
            // SAFETY: the block spans `len` ≥ nbytes writable bytes.
            unsafe { ptr.as_ptr().write_bytes(0, nbytes) };
        }
        return Block { ptr, len, mapped };
    }
    // Fresh memory is zero either way (calloc'd or freshly mapped).
    if len >= MAP_MIN
        && let Some(ptr) = map_huge(len)
    {
        return Block {
            ptr,
            len,
            mapped: true,
        };
    }
    Block {
        ptr: system_alloc(len, true),
        len,
        mapped: false,
    }
}

/// `len` (> 0) bytes from the system allocator, aligned to `ALIGN`, zeroed when asked.
fn system_alloc(len: usize, zero: bool) -> NonNull<u8> {
    let layout =
        Layout::from_size_align(len, ALIGN).expect("tensor size overflows the address space");
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe {
        if zero {
            alloc_zeroed(layout)
        } else {
            alloc(layout)
        }
    };
    NonNull::new(ptr).unwrap_or_else(|| std::alloc::handle_alloc_error(layout))
}

/// Gives a block back: into the cache when it has room, else to the system.
pub fn release(block: Block) {
    if block.len >= POOL_MIN {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        let c = cache.get_or_insert_with(|| Cache {
            free: HashMap::new(),
            bytes: 0,
        });
        if c.bytes + block.len <= CACHE_LIMIT {
            c.bytes += block.len;
            c.free
                .entry((block.len, block.mapped))
                .or_default()
                .push(block.ptr);
            return;
        }
    }
    free_block(block);
}

/// Releases every cached block to the system (`torch._C._host_empty_cache`); returns the
/// number of bytes released.
pub fn empty_cache() -> usize {
    let blocks: Vec<Block> = {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        let Some(c) = cache.as_mut() else { return 0 };
        c.bytes = 0;
        c.free
            .drain()
            .flat_map(|((len, mapped), ptrs)| {
                ptrs.into_iter().map(move |ptr| Block { ptr, len, mapped })
            })
            .collect()
    };
    let total = blocks.iter().map(|b| b.len).sum();
    blocks.into_iter().for_each(free_block);
    total
}

/// Bytes the cache holds for reuse.
pub fn cached_bytes() -> usize {
    let cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache.as_ref().map_or(0, |c| c.bytes)
}

fn free_block(block: Block) {
    #[cfg(target_os = "linux")]
    if block.mapped {
        // SAFETY: mapped by `map_huge` with exactly this length.
        unsafe { libc::munmap(block.ptr.as_ptr() as *mut libc::c_void, block.len) };
        return;
    }
    // SAFETY: allocated in `allocate` with exactly this layout.
    unsafe {
        dealloc(
            block.ptr.as_ptr(),
            Layout::from_size_align_unchecked(block.len, ALIGN),
        )
    };
}

/// An anonymous mapping of `len` bytes (a multiple of 2 MiB; zero-filled by the kernel)
/// starting on a huge-page boundary.
#[cfg(target_os = "linux")]
fn map_huge(len: usize) -> Option<NonNull<u8>> {
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
fn map_huge(_len: usize) -> Option<NonNull<u8>> {
    None
}
