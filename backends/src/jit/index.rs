//! Index arithmetic of the scheduler: where an element of a value sits in memory, and
//! which element of a broadcast or a view's base an index reads. Views are free in a kernel
//! because each one is a map from affine indices to affine indices.

use super::graph::{Layout, View};
use super::loop_ir::Affine;

/// `a` with its variable list padded (with zero coefficients) to `n` vars.
pub fn pad(a: &Affine, n: usize) -> Affine {
    let mut a = a.clone();
    a.c.resize(n, 0);
    a
}

/// Element offset of `idx` in a value with `layout`, from its root buffer's start.
pub fn address(layout: &Layout, idx: &[Affine], nvars: usize) -> Affine {
    let mut a = Affine::constant(layout.offset as i64, nvars);
    for (i, &s) in idx.iter().zip(&layout.strides) {
        a = a.plus(&i.scaled(s as i64));
    }
    a
}

/// Index of a value broadcast (numpy rules) to `out` shape.
pub fn broadcast_index(shape: &[usize], out: &[usize], idx: &[Affine], nv: usize) -> Vec<Affine> {
    let lead = out.len() - shape.len();
    shape
        .iter()
        .enumerate()
        .map(|(d, &n)| {
            if n == 1 && out[d + lead] != 1 {
                Affine::constant(0, nv)
            } else {
                idx[d + lead].clone()
            }
        })
        .collect()
}

/// The base's index for a view read at `idx`, when the view is index arithmetic.
pub fn view_index(
    view: &View,
    base: &[usize],
    out: &[usize],
    idx: &[Affine],
    nv: usize,
) -> Option<Vec<Affine>> {
    match view {
        View::Alias => Some(idx.to_vec()),
        View::Permute(p) => {
            let mut b = vec![Affine::constant(0, nv); base.len()];
            for (j, &d) in p.iter().enumerate() {
                b[d] = idx[j].clone();
            }
            Some(b)
        }
        View::Expand => Some(broadcast_index(base, out, idx, nv)),
        View::Select { dim, index } => {
            let mut b = idx.to_vec();
            b.insert(*dim, Affine::constant(*index as i64, nv));
            Some(b)
        }
        View::Slice { dim, start, step } => {
            let mut b = idx.to_vec();
            b[*dim] = b[*dim]
                .scaled(*step as i64)
                .plus(&Affine::constant(*start as i64, nv));
            Some(b)
        }
        View::Reshape => reshape_index(base, out, idx, nv),
        View::AsStrided => None,
    }
}

/// Row-major reshape as index arithmetic: each base dim must be split into out dims (or
/// equal one); merging base dims would need division.
fn reshape_index(base: &[usize], out: &[usize], idx: &[Affine], nv: usize) -> Option<Vec<Affine>> {
    let mut b = vec![Affine::constant(0, nv); base.len()];
    let mut j = 0;
    for (d, &n) in base.iter().enumerate() {
        if n == 1 {
            continue;
        }
        while j < out.len() && out[j] == 1 {
            j += 1;
        }
        let mut prod = 1usize;
        let start = j;
        while j < out.len() && prod < n {
            prod *= out[j];
            j += 1;
        }
        if prod != n {
            return None;
        }
        let mut a = Affine::constant(0, nv);
        let mut scale = 1i64;
        for q in (start..j).rev() {
            a = a.plus(&idx[q].scaled(scale));
            scale *= out[q] as i64;
        }
        b[d] = a;
    }
    Some(b)
}
