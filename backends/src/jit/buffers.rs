//! Buffer planning: which buffers share one allocation. A temporary whose last reader has
//! run hands its storage to a buffer first written later (same dtype, enough room), and a
//! kernel that reads a dying temporary at exactly the elements where it stores another value
//! writes that value in place. Inputs belong to the caller and are never reused; buffers the
//! graph returns (outputs, or temporaries viewed by an output) never die, but an output may
//! take over a dead temporary's storage, which was allocated in this same call.

use std::collections::HashMap;

use super::loop_ir::{Affine, Effect, Expr, Kernel};
use super::schedule::{BufferKind, Plan, Step};

/// Elements a fresh allocation for the layout holds (its reach from the storage start).
fn capacity(plan: &Plan, b: usize) -> usize {
    capacity_at(plan, b, None)
}

/// `capacity` in a call whose symbolic leading size is `lead` (None: as compiled).
fn capacity_at(plan: &Plan, b: usize, lead: Option<usize>) -> usize {
    let buf = &plan.buffers[b];
    let lead = lead.filter(|_| buf.sym);
    buf.layout
        .reach_at(lead)
        .map_or(0, |(_, hi)| hi as usize + 1)
}

/// Whether buffer `b` fits in the allocation made for buffer `r`, for every size a
/// symbolic leading dim takes: capacities are affine in it (sizes from 1 on), so room at
/// size 1 and room growing at least as fast from 1 to 2 is room at every size.
fn room_for(plan: &Plan, r: usize, b: usize) -> bool {
    if capacity(plan, r) < capacity(plan, b) {
        return false;
    }
    if !plan.buffers[r].sym && !plan.buffers[b].sym {
        return true;
    }
    let at = |x: usize, s: usize| capacity_at(plan, x, Some(s)) as i64;
    at(r, 1) >= at(b, 1) && at(r, 2) - at(r, 1) >= at(b, 2) - at(b, 1)
}

/// Buffers a step writes and all it touches.
fn touches(step: &Step) -> (Vec<usize>, Vec<usize>) {
    match step {
        Step::Kernel(k) => (
            k.args
                .iter()
                .filter(|a| a.written)
                .map(|a| a.buffer)
                .collect(),
            k.args.iter().map(|a| a.buffer).collect(),
        ),
        Step::Matmul { a, b, out } => (vec![out.buffer], vec![a.buffer, b.buffer, out.buffer]),
    }
}

/// Point buffers at the storage they reuse (`storage` starts as each buffer's own index,
/// a fresh allocation).
pub fn share_storage(plan: &mut Plan) {
    let n = plan.buffers.len();
    let mut first_write = vec![usize::MAX; n];
    let mut last_use = vec![0; n];
    for (t, step) in plan.steps.iter().enumerate() {
        let (written, touched) = touches(step);
        for b in written {
            first_write[b] = first_write[b].min(t);
        }
        for b in touched {
            last_use[b] = t;
        }
    }
    let mut pinned: Vec<bool> = plan
        .buffers
        .iter()
        .map(|b| !matches!(b.kind, BufferKind::Temp))
        .collect();
    for o in &plan.outputs {
        pinned[o.buffer] = true;
    }

    // Allocations nobody holds any more, and who holds each allocation now.
    let mut free: Vec<usize> = vec![];
    let mut holder: HashMap<usize, usize> = HashMap::new();
    for t in 0..plan.steps.len() {
        let new: Vec<usize> = (0..n)
            .filter(|&b| first_write[b] == t && !is_input(plan, b))
            .collect();
        for b in new {
            let dtype = plan.buffers[b].layout.dtype;
            let fits = |r: usize| plan.buffers[r].layout.dtype == dtype && room_for(plan, r, b);
            let best = free
                .iter()
                .enumerate()
                .filter(|&(_, &r)| fits(r))
                .min_by_key(|&(_, &r)| capacity(plan, r))
                .map(|(i, _)| i);
            let reused = best.map(|i| free.swap_remove(i));
            let in_place = || {
                let Step::Kernel(k) = &plan.steps[t] else {
                    return None;
                };
                (0..n).find_map(|d| {
                    let r = plan.buffers[d].storage;
                    let dying = last_use[d] == t && !pinned[d] && holder.get(&r) == Some(&d);
                    (dying && fits(r) && same_elements(k, d, b)).then_some(r)
                })
            };
            let root = reused.or_else(in_place).unwrap_or(b);
            plan.buffers[b].storage = root;
            holder.insert(root, b);
        }
        for d in (0..n).filter(|&d| last_use[d] == t && !pinned[d]) {
            let r = plan.buffers[d].storage;
            if holder.get(&r) == Some(&d) {
                holder.remove(&r);
                free.push(r);
            }
        }
    }
}

fn is_input(plan: &Plan, b: usize) -> bool {
    matches!(plan.buffers[b].kind, BufferKind::Input(_))
}

/// Whether kernel `k` only loads buffer `src` and only stores buffer `dst`, all in one block
/// at one and the same index: each element of `src` is then read (in the same vector step)
/// before the element of `dst` at its address is written, and never again.
fn same_elements(k: &Kernel, src: usize, dst: usize) -> bool {
    let arg = |buf: usize| k.args.iter().position(|a| a.buffer == buf);
    let (Some(s), Some(d)) = (arg(src), arg(dst)) else {
        return false;
    };
    if k.args[s].written || k.args[s].dtype != k.args[d].dtype {
        return false;
    }
    // (stage, post block?, index) of every access to either argument.
    let mut place: Option<(usize, bool, Affine)> = None;
    let mut agree = |at: (usize, bool, &Affine)| -> bool {
        match &place {
            None => {
                place = Some((at.0, at.1, at.2.clone()));
                true
            }
            Some(p) => p.0 == at.0 && p.1 == at.1 && &p.2 == at.2,
        }
    };
    let mut loaded_dst = false;
    for (si, stage) in k.stages.iter().enumerate() {
        for (post, block) in [(false, &stage.body), (true, &stage.post)] {
            for inst in &block.insts {
                if let Expr::Load { arg, index } = &inst.expr {
                    loaded_dst |= *arg == d;
                    if *arg == s && !agree((si, post, index)) {
                        return false;
                    }
                }
            }
            for e in &block.effects {
                if let Effect::Store { arg, index, .. } = e {
                    if *arg == s {
                        return false;
                    }
                    if *arg == d && !agree((si, post, index)) {
                        return false;
                    }
                }
            }
        }
    }
    !loaded_dst && place.is_some()
}
