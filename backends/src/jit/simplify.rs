//! Loop-nest clean-up after fusion: drop size-1 loops, merge adjacent loops that every
//! access walks as one (a contiguous `[64, 128]` becomes one loop of 8192), and cut a long
//! pointwise loop into chunks so threads can share it.

use super::loop_ir::{Affine, Effect, Expr, Kernel};

/// Chunk length of a cut pointwise loop: long enough to amortize a chunk's set-up, short
/// enough that a few hundred thousand elements still spread over threads.
pub const CHUNK: usize = 4096;

fn affines(k: &mut Kernel, stage: Option<usize>, post_too: bool) -> Vec<&mut Affine> {
    let mut out = vec![];
    for (s, st) in k.stages.iter_mut().enumerate() {
        if stage.is_some_and(|x| x != s) {
            continue;
        }
        let blocks = if post_too {
            vec![&mut st.body, &mut st.post]
        } else {
            vec![&mut st.body]
        };
        for b in blocks {
            for inst in &mut b.insts {
                if let Expr::Load { index, .. } = &mut inst.expr {
                    out.push(index);
                }
            }
            for e in &mut b.effects {
                if let Effect::Store { index, .. } = e {
                    out.push(index);
                }
            }
        }
    }
    out
}

/// Merge/drop loops `base..base+sizes.len()` of `affs` (which all have those vars).
fn coalesce(affs: &mut [&mut Affine], sizes: &mut Vec<usize>, base: usize) {
    // Size-1 loops: the var is always 0.
    let mut p = 0;
    while p < sizes.len() {
        if sizes[p] == 1 {
            for a in affs.iter_mut() {
                a.c.remove(base + p);
            }
            sizes.remove(p);
        } else {
            p += 1;
        }
    }
    let mut p = sizes.len();
    while p >= 2 {
        let (hi, lo) = (base + p - 2, base + p - 1);
        let n_lo = sizes[p - 1] as i64;
        if affs.iter().all(|a| a.c[hi] == a.c[lo] * n_lo) {
            for a in affs.iter_mut() {
                a.c.remove(hi);
            }
            sizes[p - 1] *= sizes[p - 2];
            sizes.remove(p - 2);
        }
        p -= 1;
    }
}

pub fn simplify(k: &mut Kernel) {
    let total: usize = k.outer.iter().product::<usize>()
        * k.stages
            .iter()
            .map(|s| s.inner.iter().product::<usize>())
            .max()
            .unwrap_or(1);
    if total == 0 {
        return;
    }
    let pointwise = k.stages.len() == 1 && k.accs.is_empty() && k.stages[0].post.effects.is_empty();
    if pointwise {
        // One loop nest: outer and inner vars merge freely.
        let mut sizes: Vec<usize> = k.outer.iter().chain(&k.stages[0].inner).copied().collect();
        let mut affs = affines(k, None, false);
        coalesce(&mut affs, &mut sizes, 0);
        drop(affs);
        let (inner, outer) = match sizes.split_last() {
            Some((&last, rest)) => (vec![last], rest.to_vec()),
            None => (vec![], vec![]),
        };
        k.outer = outer;
        k.stages[0].inner = inner;
        let n = k.stages[0].inner.first().copied().unwrap_or(1);
        // Coalescing dropped size-1 loops, so a lone loop has no outer loop left.
        if k.outer.is_empty() && n >= 2 * CHUNK {
            // i -> CHUNK * o + i: a new outer var; its last chunk is cut short (ragged).
            for a in affines(k, None, false) {
                let c = a.c[0];
                a.c.insert(0, c * CHUNK as i64);
            }
            k.outer.push(n.div_ceil(CHUNK));
            k.stages[0].inner = vec![CHUNK];
            k.ragged = Some(n);
        }
        return;
    }
    let mut outer = k.outer.clone();
    {
        let mut affs = affines(k, None, true);
        coalesce(&mut affs, &mut outer, 0);
    }
    k.outer = outer;
    let base = k.outer.len();
    for s in 0..k.stages.len() {
        let mut inner = k.stages[s].inner.clone();
        let mut affs = affines(k, Some(s), false);
        coalesce(&mut affs, &mut inner, base);
        drop(affs);
        k.stages[s].inner = inner;
    }
}
