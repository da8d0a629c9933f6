//! Loop-nest clean-up after fusion: drop size-1 loops, merge adjacent loops that every
//! access walks as one (a contiguous `[64, 128]` becomes one loop of 8192), and cut a long
//! pointwise loop into chunks so threads can share it. A symbolic leading loop (`sym.rs`) is
//! neither merged nor cut; short rows under it get a second, blocked, kernel instead.

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
    // A symbolic leading var (`s`, see `sym.rs`) is kept apart as the first outer loop:
    // merged with the vars after it, or cut into chunks, it would make the machine code
    // depend on `s`. Only the vars after it are cleaned up.
    let keep = usize::from(k.sym);
    if pointwise {
        // One loop nest: outer and inner vars merge freely (for a 1-D symbolic kernel, the
        // kept var 0 was the inner one; it becomes the outer loop, of one element a point).
        let mut sizes: Vec<usize> = k.outer.iter().chain(&k.stages[0].inner).copied().collect();
        let mut rest = sizes.split_off(keep.min(sizes.len()));
        let mut affs = affines(k, None, false);
        coalesce(&mut affs, &mut rest, sizes.len());
        drop(affs);
        let (inner, outer) = match rest.split_last() {
            Some((&last, more)) => (vec![last], more.to_vec()),
            None => (vec![], vec![]),
        };
        k.outer = sizes.into_iter().chain(outer).collect();
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
    let mut rest = outer.split_off(keep.min(outer.len()));
    {
        let mut affs = affines(k, None, true);
        coalesce(&mut affs, &mut rest, outer.len());
    }
    outer.extend(rest);
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

/// Rows of a symbolic pointwise kernel below this length are also compiled in blocks.
const SHORT_ROW: usize = 64;
/// Elements of one block of rows: enough for full vectors and a chunk of work per thread.
const BLOCK: usize = 1024;

/// A symbolic pointwise kernel keeps each row (`s` is its outer loop) as its vector loop,
/// which is slow for short rows. When every access walks the rows back to back (the row
/// var's coefficient is the row length times the element var's), the same work is a loop
/// over blocks of a static number of rows, each one vector loop: this returns that kernel
/// and its rows per block. Its outer var 0 counts whole blocks (`s / rows` of them); the
/// caller runs the rows left over with the row kernel, whose entry takes any outer range.
pub fn row_blocks(k: &Kernel) -> Option<(Kernel, usize)> {
    let st = k.stages.first()?;
    let pointwise = k.stages.len() == 1 && k.accs.is_empty() && st.post.effects.is_empty();
    if !k.sym || !pointwise || k.outer.len() != 1 || k.ragged.is_some() || st.inner.len() > 1 {
        return None;
    }
    let n = st.inner.first().copied().unwrap_or(1);
    if n == 0 || n >= SHORT_ROW {
        return None;
    }
    // A whole number of vectors per block, for every lane count (8, 4 or 2).
    let rows = BLOCK.div_ceil(n).next_multiple_of(8);
    let mut b = k.clone();
    let mut affs = affines(&mut b, None, false);
    // Each access's step per element: the element var's coefficient (1-D: the row var's).
    let step = |a: &Affine| *a.c.last().unwrap_or(&0);
    if affs
        .iter()
        .any(|a| a.c.len() == 2 && a.c[0] != a.c[1] * n as i64)
    {
        return None;
    }
    for a in affs.iter_mut() {
        let c = step(a);
        a.c = vec![c * (rows * n) as i64, c];
    }
    drop(affs);
    b.name = format!("{}_blocks", k.name);
    b.stages[0].inner = vec![rows * n];
    Some((b, rows))
}
