//! The intra-op thread count (`torch.set_num_threads`). Every parallel kernel splits its work
//! into at most this many parts on rayon's global pool, so at most this many threads work on
//! one op whatever the pool's size; one thread runs the work inline, with no pool hand-off.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// 0 until read or set: the default is the machine's core count, as PyTorch's.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// The number of threads an op may use.
pub fn get() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            THREADS.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// Sets the number of threads an op may use (at least one).
pub fn set(n: usize) {
    THREADS.store(n.max(1), Ordering::Relaxed);
}

/// How many parts `total` units of work split into when each part should hold at least
/// `grain` units: one when the work is small or one thread is allowed.
pub fn parts(total: usize, grain: usize) -> usize {
    let threads = get();
    if threads < 2 || total < 2 * grain.max(1) {
        return 1;
    }
    threads.min(total / grain.max(1)).max(1)
}

/// Runs `f` over `0..total` split into `parts(total, grain)` contiguous ranges, in parallel
/// when there is more than one.
pub fn for_ranges(total: usize, grain: usize, f: impl Fn(Range<usize>) + Sync) {
    let n = parts(total, grain);
    if n == 1 {
        f(0..total);
        return;
    }
    let f = &f;
    rayon::scope(|s| {
        for c in 1..n {
            s.spawn(move |_| f(total * c / n..total * (c + 1) / n));
        }
        // The calling thread takes the first part instead of waiting idle.
        f(0..total / n);
    });
}

/// A raw pointer that parallel parts share; each part touches only its own range.
#[derive(Clone, Copy)]
pub struct SendPtr<T>(pub *mut T);

// SAFETY: callers hand each thread disjoint ranges behind the pointer (see `for_ranges`).
unsafe impl<T> Send for SendPtr<T> {}
unsafe impl<T> Sync for SendPtr<T> {}

impl<T> SendPtr<T> {
    /// The pointer (a method, so closures capture the whole `SendPtr`, not its field).
    pub fn get(&self) -> *mut T {
        self.0
    }
}
