//! The intra-op thread count (`torch.set_num_threads`). Every parallel kernel splits its work
//! into at most this many parts on rayon's global pool, so at most this many threads work on
//! one op whatever the pool's size; one thread runs the work inline, with no pool hand-off.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
    let grain = grain.max(1);
    if threads < 2 || total < 2 * grain {
        return 1;
    }
    threads.min(total / grain)
}

/// Runs `f` over `0..total` split into `parts(total, grain)` contiguous ranges, in parallel
/// when there is more than one.
///
/// The calling thread works too, and the parts are *claimed*: each participant takes the next
/// unclaimed part until none is left. Helpers are woken on rayon's pool, but a helper that
/// wakes late finds the parts already done by the caller, so a thread's wake-up latency
/// (tens of microseconds on a busy machine) never sits on the critical path of a small op; the
/// caller waits only for parts a helper is running.
pub fn for_ranges(total: usize, grain: usize, f: impl Fn(Range<usize>) + Sync) {
    let n = parts(total, grain);
    if n == 1 {
        f(0..total);
        return;
    }
    let run = |c: usize| f(total * c / n..total * (c + 1) / n);
    let shared = Arc::new(Claims {
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        parts: n,
        panic: Mutex::new(None),
        // SAFETY (lifetime): helpers call `run` only for a part they claimed below `n`, and this
        // function returns only after all `n` parts are done, so `run` outlives every call.
        run: unsafe {
            std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static (dyn Fn(usize) + Sync)>(&run)
        },
    });
    for _ in 1..n {
        let claims = Arc::clone(&shared);
        rayon::spawn(move || claims.work());
    }
    shared.work();
    while shared.done.load(Ordering::Acquire) < n {
        std::hint::spin_loop();
    }
    // A panic in any part (a bug) surfaces in the caller, as rayon's own joins do, once no
    // part is running any more.
    let panic = shared
        .panic
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(payload) = panic {
        std::panic::resume_unwind(payload);
    }
}

struct Claims {
    next: AtomicUsize,
    done: AtomicUsize,
    parts: usize,
    panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
    run: &'static (dyn Fn(usize) + Sync),
}

impl Claims {
    fn work(&self) {
        loop {
            let c = self.next.fetch_add(1, Ordering::AcqRel);
            if c >= self.parts {
                return;
            }
            let run = self.run;
            if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(c)))
            {
                *self.panic.lock().unwrap_or_else(|e| e.into_inner()) = Some(payload);
            }
            self.done.fetch_add(1, Ordering::Release);
        }
    }
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
