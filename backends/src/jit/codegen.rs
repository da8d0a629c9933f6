//! Loop IR -> machine code through an `Emitter`: the outer loop over this call's range,
//! per-stream base addresses, each stage's loop nest with a vector loop and a one-lane tail,
//! accumulators pinned in registers, and a spilling register allocator for the bodies.

use std::collections::HashMap;

use smelt_tracer::ops::ReduceOp;

use super::emit::{Access, Code, Emitter, Gpr, Target, Width};
use super::loop_ir::{Affine, Block, Effect, Expr, Kernel, Ty};
use super::ops;
use super::vir::{Builder, Cmp, Fold, Op, lane_bits};

/// One address pattern of one argument: a base recomputed per outer point (and per
/// innermost run), stepped by `I * stride` inside the run.
#[derive(Clone, Debug)]
struct Stream {
    arg: usize,
    outer: Affine,
    /// Coefficients of the stage's inner vars (empty for post streams).
    inner: Vec<i64>,
    itemsize: i64,
}

struct Frame {
    size: usize,
}

impl Frame {
    fn alloc(&mut self, bytes: usize) -> usize {
        let off = self.size.next_multiple_of(8);
        self.size = off + bytes;
        off
    }
}

/// Accumulator registers of one reduction.
#[derive(Clone, Copy)]
struct AccRegs {
    fold: Fold,
    main: u8,
    tail: u8,
    nan: Option<(u8, u8)>,
    init: u64,
}

pub fn generate(k: &Kernel, target: Target) -> Result<Code, String> {
    let mut e = target.emitter();
    let ty = k.ty;
    let lanes = e.lanes(ty) as i64;
    let vbytes = e.vbytes();
    let mut frame = Frame { size: 0 };
    let n_outer = k.outer.len();
    let arg_dtypes: Vec<smelt_tracer::DType> = k.args.iter().map(|a| a.dtype).collect();

    // Lower every block to vector IR and collect its streams.
    let mut streams: Vec<Stream> = vec![];
    let mut stream_of: HashMap<(usize, Affine, bool), usize> = HashMap::new();
    let mut bodies = vec![];
    for stage in &k.stages {
        let body = lower_block(&stage.body, k);
        let post = lower_block(&stage.post, k);
        for (ops, post_block) in [(&body, false), (&post, true)] {
            for op in ops {
                if let Op::Load { arg, index } | Op::Store { arg, index, .. } = op {
                    let key = (*arg, index.clone(), post_block);
                    if stream_of.contains_key(&key) {
                        continue;
                    }
                    let mut outer = index.clone();
                    outer.c.truncate(n_outer);
                    let inner = if post_block {
                        vec![]
                    } else {
                        index.c[n_outer..].to_vec()
                    };
                    stream_of.insert(key, streams.len());
                    streams.push(Stream {
                        arg: *arg,
                        outer,
                        inner,
                        itemsize: k.args[*arg].dtype.itemsize() as i64,
                    });
                }
            }
        }
        bodies.push((body, post));
    }
    let outer_slot: Vec<usize> = streams.iter().map(|_| frame.alloc(8)).collect();
    let acc_slot: Vec<usize> = k.accs.iter().map(|_| frame.alloc(vbytes)).collect();
    let ragged_slot = frame.alloc(8);
    let max_inner = k.stages.iter().map(|s| s.inner.len()).max().unwrap_or(0);
    let cnt_slot: Vec<usize> = (0..max_inner).map(|_| frame.alloc(8)).collect();
    let run_slot: Vec<usize> = streams.iter().map(|_| frame.alloc(8)).collect();
    // Spill slots are allocated per block below; reserve generously after the fixed part.
    let spill_base = frame.alloc(0).next_multiple_of(32);
    let mut max_spills = 0usize;

    let mut plans = vec![];
    let all_regs = e.vregs();
    for (s, (body, post)) in bodies.iter().enumerate() {
        // Pin accumulators of this stage.
        let mut free = all_regs.clone();
        let mut acc_regs: HashMap<usize, AccRegs> = HashMap::new();
        for (n, a) in k.accs.iter().enumerate() {
            if a.stage != s {
                continue;
            }
            let (fold, init) = ops::reduce_fold(a.op, ty);
            let main = free.pop().ok_or("out of registers")?;
            let tail = free.pop().ok_or("out of registers")?;
            let nan = if ops::reduce_tracks_nan(a.op) {
                Some((
                    free.pop().ok_or("out of registers")?,
                    free.pop().ok_or("out of registers")?,
                ))
            } else {
                None
            };
            acc_regs.insert(
                n,
                AccRegs {
                    fold,
                    main,
                    tail,
                    nan,
                    init,
                },
            );
        }
        if free.len() < 4 {
            return Err("too many reductions in one kernel".into());
        }
        let body_plan = allocate(body, &free)?;
        let post_plan = allocate(post, &all_regs)?;
        max_spills = max_spills.max(body_plan.spills).max(post_plan.spills);
        plans.push((body_plan, post_plan, acc_regs));
    }
    frame.size = spill_base + max_spills * vbytes;
    let frame_size = frame.size.next_multiple_of(16);

    e.prologue(frame_size);
    let done = e.new_label();
    let outer_top = e.new_label();
    e.bind(outer_top);
    e.jump_ge(Gpr::O, Gpr::End, done);
    // Per-stream bases for this outer point.
    for (n, st) in streams.iter().enumerate() {
        e.load_arg(Gpr::I, st.arg);
        e.add_imm(Gpr::I, st.outer.c0 * st.itemsize);
        e.store_slot(outer_slot[n], Gpr::I);
    }
    e.mov(Gpr::T0, Gpr::O);
    for d in (0..n_outer).rev() {
        if d > 0 {
            e.divmod_imm(k.outer[d] as u64);
        } else {
            e.mov(Gpr::T1, Gpr::T0);
        }
        for (n, st) in streams.iter().enumerate() {
            let c = st.outer.c[d];
            if c != 0 {
                e.load_slot(Gpr::I, outer_slot[n]);
                e.madd_imm(Gpr::I, Gpr::T1, c * st.itemsize);
                e.store_slot(outer_slot[n], Gpr::I);
            }
        }
        if d == n_outer - 1
            && let Some(total) = k.ragged
        {
            let chunk = *k.stages[0].inner.last().unwrap() as i64;
            e.mov_imm(Gpr::N, total as i64);
            e.madd_imm(Gpr::N, Gpr::T1, -chunk);
            e.mov_imm(Gpr::I, chunk);
            e.umin(Gpr::N, Gpr::I);
            e.store_slot(ragged_slot, Gpr::N);
        }
    }

    let stream_regs = e.stream_regs();
    let shared = Shared {
        streams: &streams,
        stream_of: &stream_of,
        run_slot: &run_slot,
        outer_slot: &outer_slot,
        acc_slot: &acc_slot,
        spill_base,
        vbytes,
        ty,
        arg_dtypes: &arg_dtypes,
    };
    for (s, stage) in k.stages.iter().enumerate() {
        let (body_plan, post_plan, acc_regs) = &plans[s];
        let (body, post) = &bodies[s];
        let has_body = body.iter().any(|op| op.has_effect());
        let mut accs: Vec<(&usize, &AccRegs)> = acc_regs.iter().collect();
        accs.sort_by_key(|(n, _)| **n);
        for (_, r) in &accs {
            for reg in [r.main, r.tail] {
                e.vconst(reg, r.init, ty);
            }
            if let Some((a, b)) = r.nan {
                e.vconst(a, 0, ty);
                e.vconst(b, 0, ty);
            }
        }
        if has_body {
            let inner = &stage.inner;
            let m = inner.len();
            // Streams of this stage's body, and where their run base lives.
            let body_streams: Vec<usize> = {
                let mut v: Vec<usize> = body
                    .iter()
                    .filter_map(|op| match op {
                        Op::Load { arg, index } | Op::Store { arg, index, .. } => {
                            Some(stream_of[&(*arg, index.clone(), false)])
                        }
                        _ => None,
                    })
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            let home: HashMap<usize, Option<u8>> = body_streams
                .iter()
                .enumerate()
                .map(|(p, &st)| (st, (p < stream_regs).then_some(p as u8)))
                .collect();
            let mut tops = vec![];
            for &slot in cnt_slot.iter().take(m.saturating_sub(1)) {
                e.mov_imm(Gpr::T0, 0);
                e.store_slot(slot, Gpr::T0);
                let top = e.new_label();
                e.bind(top);
                tops.push(top);
            }
            for &st in &body_streams {
                let target = match home[&st] {
                    Some(r) => Gpr::Stream(r),
                    None => Gpr::T0,
                };
                e.load_slot(target, outer_slot[st]);
                for (&slot, &c) in cnt_slot
                    .iter()
                    .zip(&streams[st].inner)
                    .take(m.saturating_sub(1))
                {
                    if c != 0 {
                        e.load_slot(Gpr::T1, slot);
                        e.madd_imm(target, Gpr::T1, c * streams[st].itemsize);
                    }
                }
                if home[&st].is_none() {
                    e.store_slot(run_slot[st], Gpr::T0);
                }
            }
            e.mov_imm(Gpr::I, 0);
            if s == 0 && k.ragged.is_some() {
                e.load_slot(Gpr::N, ragged_slot);
            } else {
                e.mov_imm(Gpr::N, inner.last().copied().unwrap_or(1) as i64);
            }
            let ctx = shared.with(&home, acc_regs);
            let (vec_top, tail_top, run_end) = (e.new_label(), e.new_label(), e.new_label());
            e.bind(vec_top);
            e.jump_sum_gt(Gpr::I, lanes, Gpr::N, tail_top);
            emit_block(&mut *e, body, body_plan, &ctx, Width::Full, false);
            e.add_imm(Gpr::I, lanes);
            e.jump(vec_top);
            e.bind(tail_top);
            e.jump_ge(Gpr::I, Gpr::N, run_end);
            emit_block(&mut *e, body, body_plan, &ctx, Width::One, false);
            e.add_imm(Gpr::I, 1);
            e.jump(tail_top);
            e.bind(run_end);
            for j in (0..m.saturating_sub(1)).rev() {
                e.load_slot(Gpr::T0, cnt_slot[j]);
                e.add_imm(Gpr::T0, 1);
                e.store_slot(cnt_slot[j], Gpr::T0);
                e.mov_imm(Gpr::T1, inner[j] as i64);
                let next = e.new_label();
                e.jump_ge(Gpr::T0, Gpr::T1, next);
                e.jump(tops[j]);
                e.bind(next);
            }
        }
        // Finish this stage's reductions: lanes folded, the tail folded in, NaN and mean
        // applied, the result broadcast to a slot later blocks read.
        for &(&n, r) in &accs {
            let a = &k.accs[n];
            e.hreduce(r.fold, r.main, ty);
            e.vfold(r.fold, r.main, r.tail, ty);
            if let Some((nm, nt)) = r.nan {
                e.hreduce(Fold::Or, nm, ty);
                e.vfold(Fold::Or, nm, nt, ty);
                e.vconst(r.tail, lane_bits(f64::NAN, ty), ty);
                e.vop(&Op::Select(0, 0, 0), r.main, &[nm, r.tail, r.main], ty);
            }
            if a.op == ReduceOp::Mean {
                e.vconst(r.tail, lane_bits(a.count as f64, ty), ty);
                e.vop(&Op::Div(0, 0), r.main, &[r.main, r.tail], ty);
            }
            e.splat(r.main, ty);
            e.vspill(acc_slot[n], r.main);
        }
        if post.iter().any(|op| op.has_effect()) {
            let home = HashMap::new();
            let ctx = shared.with(&home, acc_regs);
            emit_block(&mut *e, post, post_plan, &ctx, Width::One, true);
        }
    }
    e.add_imm(Gpr::O, 1);
    e.jump(outer_top);
    e.bind(done);
    e.epilogue();
    e.finish()
}

/// Loop IR block -> vector IR (dead values dropped later by the allocator).
fn lower_block(b: &Block, k: &Kernel) -> Vec<Op> {
    let mut v = Builder::new(k.ty);
    let mut map = vec![];
    for inst in &b.insts {
        let n = match &inst.expr {
            Expr::Load { arg, index } => v.push(Op::Load {
                arg: *arg,
                index: index.clone(),
            }),
            Expr::Const(c) => {
                if inst.ty == Ty::Mask {
                    if *c != 0.0 { v.all_ones() } else { v.int(0) }
                } else {
                    v.c(*c)
                }
            }
            Expr::Acc(a) => v.push(Op::AccGet(*a)),
            Expr::Unary(op, x) => ops::lower_unary(&mut v, *op, map[*x as usize]),
            Expr::Binary(op, x, y) => {
                ops::lower_binary(&mut v, *op, map[*x as usize], map[*y as usize])
            }
            Expr::Where(c, x, y) => v.select(map[*c as usize], map[*x as usize], map[*y as usize]),
            Expr::Cast(x) => {
                let x = map[*x as usize];
                if inst.ty == Ty::Mask {
                    let zero = v.c(0.0);
                    v.cmp(Cmp::Ne, x, zero)
                } else {
                    let one = v.c(1.0);
                    v.push(Op::And(x, one))
                }
            }
        };
        map.push(n);
    }
    for eff in &b.effects {
        match eff {
            Effect::Store { arg, index, value } => {
                v.push(Op::Store {
                    arg: *arg,
                    index: index.clone(),
                    x: map[*value as usize],
                });
            }
            Effect::Reduce { acc, value } => {
                let x = map[*value as usize];
                // Accumulator numbers: 2n the value, 2n+1 its NaN flag.
                v.push(Op::AccFold(2 * acc, x));
                if ops::reduce_tracks_nan(k.accs[*acc].op) {
                    let nan = v.cmp(Cmp::Unord, x, x);
                    v.push(Op::AccFold(2 * acc + 1, nan));
                }
            }
        }
    }
    v.ops
}

/// What the allocator decided, replayed per emission (vector body, tail, post).
enum Action {
    Op {
        op: usize,
        dst: Option<u8>,
        args: Vec<u8>,
    },
    Spill {
        slot: usize,
        reg: u8,
    },
    Reload {
        slot: usize,
        reg: u8,
    },
}

struct Plan {
    actions: Vec<Action>,
    spills: usize,
}

/// Linear scan over a straight-line block with Belady eviction (the value used furthest
/// ahead is spilled; constants and accumulator reads are re-created instead).
fn allocate(ops: &[Op], regs: &[u8]) -> Result<Plan, String> {
    let n = ops.len();
    // Liveness: keep effects and what they need.
    let mut live = vec![false; n];
    for i in (0..n).rev() {
        if ops[i].has_effect() {
            live[i] = true;
        }
        if live[i] {
            for a in ops[i].args() {
                live[a as usize] = true;
            }
        }
    }
    let mut uses: Vec<Vec<usize>> = vec![vec![]; n];
    for (i, op) in ops.iter().enumerate() {
        if live[i] {
            for a in op.args() {
                uses[a as usize].push(i);
            }
        }
    }
    let mut a = Alloc {
        ops,
        uses,
        reg_of: vec![None; n],
        slot_of: vec![None; n],
        holder: HashMap::new(),
        free: regs.iter().rev().copied().collect(),
        actions: vec![],
        spills: 0,
    };
    for (i, op) in ops.iter().enumerate() {
        if !live[i] {
            continue;
        }
        let args = op.args();
        let mut arg_regs = vec![];
        for &v in &args {
            let v = v as usize;
            let r = match a.reg_of[v] {
                Some(r) => r,
                None => {
                    let r = a.take(&args, i)?;
                    if a.remat(v) {
                        a.actions.push(Action::Op {
                            op: v,
                            dst: Some(r),
                            args: vec![],
                        });
                    } else {
                        let slot = a.slot_of[v].ok_or("value lost by the allocator")?;
                        a.actions.push(Action::Reload { slot, reg: r });
                    }
                    a.reg_of[v] = Some(r);
                    a.holder.insert(r, v);
                    r
                }
            };
            arg_regs.push(r);
        }
        // Operands whose last use is this op free their registers first (the result may
        // reuse one: emitters read all operands before writing).
        for &v in &args {
            let v = v as usize;
            if a.next_use(v, i) == usize::MAX
                && let Some(r) = a.reg_of[v]
            {
                a.reg_of[v] = None;
                a.holder.remove(&r);
                if !a.free.contains(&r) {
                    a.free.push(r);
                }
            }
        }
        let dst = if op.has_effect() || a.uses[i].is_empty() {
            None
        } else {
            let r = a.take(&args, i)?;
            a.reg_of[i] = Some(r);
            a.holder.insert(r, i);
            Some(r)
        };
        if dst.is_none() && !op.has_effect() {
            continue;
        }
        a.actions.push(Action::Op {
            op: i,
            dst,
            args: arg_regs,
        });
    }
    Ok(Plan {
        actions: a.actions,
        spills: a.spills,
    })
}

struct Alloc<'a> {
    ops: &'a [Op],
    uses: Vec<Vec<usize>>,
    reg_of: Vec<Option<u8>>,
    slot_of: Vec<Option<usize>>,
    holder: HashMap<u8, usize>,
    free: Vec<u8>,
    actions: Vec<Action>,
    spills: usize,
}

impl Alloc<'_> {
    fn remat(&self, v: usize) -> bool {
        matches!(self.ops[v], Op::Const(_) | Op::AccGet(_))
    }

    fn next_use(&self, v: usize, at: usize) -> usize {
        self.uses[v]
            .iter()
            .copied()
            .find(|&u| u > at)
            .unwrap_or(usize::MAX)
    }

    /// A free register, evicting the held value used furthest ahead (not one of `protect`).
    fn take(&mut self, protect: &[u32], at: usize) -> Result<u8, String> {
        if let Some(r) = self.free.pop() {
            return Ok(r);
        }
        let (r, v) = self
            .holder
            .iter()
            .filter(|(_, v)| !protect.contains(&(**v as u32)))
            .max_by_key(|(_, v)| self.next_use(**v, at))
            .map(|(r, v)| (*r, *v))
            .ok_or("no register to spill")?;
        if !self.remat(v) && self.slot_of[v].is_none() && self.next_use(v, at) != usize::MAX {
            self.slot_of[v] = Some(self.spills);
            self.actions.push(Action::Spill {
                slot: self.spills,
                reg: r,
            });
            self.spills += 1;
        }
        self.reg_of[v] = None;
        self.holder.remove(&r);
        Ok(r)
    }
}

/// What every block of a kernel shares; `with` adds a block's stream registers and
/// accumulators.
struct Shared<'a> {
    streams: &'a [Stream],
    stream_of: &'a HashMap<(usize, Affine, bool), usize>,
    run_slot: &'a [usize],
    outer_slot: &'a [usize],
    acc_slot: &'a [usize],
    spill_base: usize,
    vbytes: usize,
    ty: Ty,
    arg_dtypes: &'a [smelt_tracer::DType],
}

impl<'a> Shared<'a> {
    fn with(
        &self,
        home: &'a HashMap<usize, Option<u8>>,
        acc_regs: &'a HashMap<usize, AccRegs>,
    ) -> BodyCtx<'a> {
        BodyCtx {
            streams: self.streams,
            stream_of: self.stream_of,
            home,
            run_slot: self.run_slot,
            outer_slot: self.outer_slot,
            acc_slot: self.acc_slot,
            acc_regs,
            spill_base: self.spill_base,
            vbytes: self.vbytes,
            ty: self.ty,
            arg_dtypes: self.arg_dtypes,
        }
    }
}

struct BodyCtx<'a> {
    streams: &'a [Stream],
    stream_of: &'a HashMap<(usize, Affine, bool), usize>,
    home: &'a HashMap<usize, Option<u8>>,
    run_slot: &'a [usize],
    outer_slot: &'a [usize],
    acc_slot: &'a [usize],
    acc_regs: &'a HashMap<usize, AccRegs>,
    spill_base: usize,
    vbytes: usize,
    ty: Ty,
    arg_dtypes: &'a [smelt_tracer::DType],
}

fn access(
    e: &mut dyn Emitter,
    ctx: &BodyCtx,
    arg: usize,
    index: &Affine,
    post: bool,
    dtype: smelt_tracer::DType,
) -> Access {
    let st = ctx.stream_of[&(arg, index.clone(), post)];
    if post {
        e.load_slot(Gpr::T0, ctx.outer_slot[st]);
        return Access {
            base: Gpr::T0,
            stride: 0,
            dtype,
        };
    }
    let stride = *ctx.streams[st].inner.last().unwrap_or(&0);
    let base = match ctx.home[&st] {
        Some(r) => Gpr::Stream(r),
        None => {
            e.load_slot(Gpr::T0, ctx.run_slot[st]);
            Gpr::T0
        }
    };
    Access {
        base,
        stride,
        dtype,
    }
}

fn emit_block(e: &mut dyn Emitter, ops: &[Op], plan: &Plan, ctx: &BodyCtx, w: Width, post: bool) {
    let kernel_args_dtype = |arg: usize| ctx.arg_dtypes[arg];
    for act in &plan.actions {
        match act {
            Action::Spill { slot, reg } => e.vspill(ctx.spill_base + slot * ctx.vbytes, *reg),
            Action::Reload { slot, reg } => e.vreload(*reg, ctx.spill_base + slot * ctx.vbytes),
            Action::Op { op, dst, args } => match &ops[*op] {
                Op::Load { arg, index } => {
                    // Bool elements load as masks of the kernel's lane width.
                    let a = access(e, ctx, *arg, index, post, kernel_args_dtype(*arg));
                    e.vload(dst.unwrap(), a, ctx.ty, w);
                }
                Op::Store { arg, index, .. } => {
                    let a = access(e, ctx, *arg, index, post, kernel_args_dtype(*arg));
                    e.vstore(a, args[0], ctx.ty, w);
                }
                Op::Const(bits) => e.vconst(dst.unwrap(), *bits, ctx.ty),
                Op::AccGet(n) => e.vreload(dst.unwrap(), ctx.acc_slot[*n]),
                Op::AccFold(slot, _) => {
                    let r = &ctx.acc_regs[&(slot / 2)];
                    let (reg, fold) = if slot % 2 == 0 {
                        (if w == Width::Full { r.main } else { r.tail }, r.fold)
                    } else {
                        let (nm, nt) = r.nan.unwrap();
                        (if w == Width::Full { nm } else { nt }, Fold::Or)
                    };
                    e.vfold(fold, reg, args[0], ctx.ty);
                }
                other => e.vop(other, dst.unwrap(), args, ctx.ty),
            },
        }
    }
}
