//! A symbolic leading size: graphs whose inputs share one symbolic dim-0 size `s` (the batch
//! dim, what automatic dynamic shapes mostly marks) compile to one program for every `s`.
//!
//! Only the simple, common case is supported, so that nothing below the scheduler needs
//! symbolic arithmetic: `s` stays the leading dim of every value that has it, and that
//! dim's stride is a static number. Every address in a kernel is then static affine code
//! (`s` only bounds the first outer loop), and buffer sizes, the outer loop's length and the
//! threads' split are computed per call from the `s` of its inputs (`runtime.rs`). Graphs that
//! would move `s` elsewhere (a reduction over it, a reshape merging it, a matmul over it, a
//! size-1 dim broadcast against it) are refused here with an error, so the caller can fall
//! back to compiling per size.

use std::collections::HashSet;

use super::graph::{Graph, Layout, NodeOp, View};

/// Which values have `s` as their leading size: the marked inputs, and nodes that keep it
/// as their leading dim. Errors name the first node the scheme cannot express.
pub fn sym_values(g: &Graph) -> Result<Vec<bool>, String> {
    let mut sym = vec![false; g.num_values()];
    let Some(example) = example_size(g)? else {
        return Ok(sym);
    };
    for &i in &g.sym_leading {
        sym[i] = true;
    }
    let n_in = g.inputs.len();
    for (k, node) in g.nodes.iter().enumerate() {
        let v = n_in + k;
        let err = |why: &str| Err(format!("value {v} ({:?}): {why}", node.op));
        let out = &node.out;
        let any_sym = node.args.iter().any(|&a| sym[a]);
        if !any_sym {
            continue;
        }
        let arg = |i: usize| g.layout(node.args[i]);
        let keeps_leading = match &node.op {
            NodeOp::Scalar(_) => false,
            NodeOp::Unary(_) | NodeOp::Cast | NodeOp::Binary(_) | NodeOp::Where => {
                // Broadcasting aligns trailing dims: a symbolic argument of lower rank would
                // put `s` in an inner dim, and a static argument of full rank would have its
                // leading size (1 or the example) broadcast against `s`.
                for (i, &a) in node.args.iter().enumerate() {
                    if arg(i).shape.len() != out.shape.len() {
                        if sym[a] {
                            return err("the symbolic size would become an inner dim");
                        }
                    } else if !sym[a] {
                        return err("a static leading dim broadcasts against the symbolic size");
                    }
                }
                true
            }
            NodeOp::Reduce { dims, .. } => {
                if dims.contains(&0) {
                    return err("a reduction over the symbolic dim");
                }
                true
            }
            NodeOp::Matmul => return err("a matmul over a symbolic size"),
            NodeOp::View(view) => {
                let a = &arg(0).shape;
                match view {
                    View::Alias => true,
                    View::Permute(p) if p.first() == Some(&0) => true,
                    View::Expand if a.len() == out.shape.len() => true,
                    View::Select { dim, .. } | View::Slice { dim, .. } if *dim != 0 => true,
                    // The leading size kept, the static rest reshaped on its own.
                    View::Reshape
                        if out.shape.first() == a.first()
                            && a[1..].iter().product::<usize>()
                                == out.shape[1..].iter().product::<usize>() =>
                    {
                        true
                    }
                    _ => return err("a view that moves or cuts the symbolic dim"),
                }
            }
        };
        if !keeps_leading || out.shape.first() != Some(&example) {
            return err("the output does not keep the symbolic size as its leading dim");
        }
        if out.shape.contains(&0) {
            return err("a symbolic value with no elements per row");
        }
        if !rows_apart(out) {
            return err("the symbolic dim is not the outermost one in memory");
        }
        sym[v] = true;
    }
    Ok(sym)
}

/// The marked inputs' shared example size (None for a static graph).
fn example_size(g: &Graph) -> Result<Option<usize>, String> {
    let mut example = None;
    for &i in &g.sym_leading {
        let l = g
            .inputs
            .get(i)
            .ok_or(format!("symbolic input {i} is not an input"))?;
        let n = *l
            .shape
            .first()
            .ok_or(format!("symbolic input {i} has no leading dim"))?;
        if l.shape.contains(&0) {
            return Err(format!("symbolic input {i} has no elements per row"));
        }
        if example.is_some_and(|e| e != n) {
            return Err("symbolic inputs disagree on the example size".into());
        }
        example = Some(n);
    }
    // Sizes 0 and 1 are what PyTorch specializes on, and with them a static size-1 dim and
    // `s` could not be told apart in the layouts.
    if example.is_some_and(|n| n < 2) {
        return Err("the symbolic size's example must be at least 2".into());
    }
    Ok(example)
}

/// Whether a computed layout's rows (one per leading index) lie apart, in order, whatever
/// their number: a positive leading stride larger than the span of a row. Then the layout
/// stays non-overlapping, with the same strides, for every `s`.
fn rows_apart(l: &Layout) -> bool {
    let span: i64 = l.shape[1..]
        .iter()
        .zip(&l.strides[1..])
        .map(|(&n, &s)| (n as i64 - 1).max(0) * (s as i64).abs())
        .sum();
    l.strides[0] > 0 && span < l.strides[0] as i64
}

/// The graph the scheduler compiles, with every symbolic leading size set to one
/// placeholder no static dim of the graph has (and not 1): then no shape comparison in the
/// scheduler can confuse `s` with a static size, nor drop its loop as a size-1 one.
/// None for a static graph.
pub fn specialize(g: &Graph) -> Result<Option<Graph>, String> {
    let sym = sym_values(g)?;
    if g.sym_leading.is_empty() {
        return Ok(None);
    }
    let mut used: HashSet<usize> = HashSet::new();
    for (v, &is_sym) in sym.iter().enumerate() {
        used.extend(g.layout(v).shape.iter().skip(usize::from(is_sym)));
    }
    let placeholder = (2..).find(|n| !used.contains(n)).unwrap();
    let mut out = g.clone();
    for (v, &is_sym) in sym.iter().enumerate() {
        if !is_sym {
            continue;
        }
        let l = if v < out.inputs.len() {
            &mut out.inputs[v]
        } else {
            &mut out.nodes[v - g.inputs.len()].out
        };
        l.shape[0] = placeholder;
    }
    out.validate()?;
    Ok(Some(out))
}
