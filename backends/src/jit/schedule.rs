//! From a JIT graph to a plan: which values get a buffer, which nodes fuse into which
//! kernel, and the steps (kernels and extern GEMM calls) in order.
//!
//! Pointwise ops and views are never computed on their own: they are inlined into every
//! kernel that reads them, as expressions over the loop variables. What gets a buffer is
//! what must exist in memory: graph inputs and outputs, GEMM operands and results, and
//! values a kernel cannot reach through index arithmetic (a reduction read at another
//! index, a base of a view that merges dims, a value of another float width). A kernel
//! is grown greedily in graph order; a sink (a stored value or a reduction) joins the open
//! kernel when it walks the same index space, else the kernel closes and a new one opens.
//! When a sink needs a value stored that is not yet, scheduling restarts with it stored.

use std::collections::{HashMap, HashSet};

use smelt_tracer::DType;
use smelt_tracer::ops::ReduceOp;

use super::graph::{Graph, Layout, NodeOp};
use super::index::{address, broadcast_index, pad, view_index};
use super::loop_ir::{AccDecl, Affine, Block, Effect, Expr, Inst, Kernel, KernelArg, Stage, Ty};
use super::ops;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BufferKind {
    Input(usize),
    /// Returned to the caller (freshly allocated each call).
    Output,
    /// Lives between two steps of one call.
    Temp,
}

#[derive(Clone, Debug)]
pub struct Buffer {
    pub kind: BufferKind,
    /// The layout of the value the buffer holds; views of it are read through their own.
    pub layout: Layout,
    /// The buffer whose allocation holds this one: itself, or a dead temporary's
    /// (`buffers.rs`).
    pub storage: usize,
    /// The layout's leading size is the graph's symbolic size (`sym.rs`).
    pub sym: bool,
}

/// A strided view of a buffer, as GEMM reads it.
#[derive(Clone, Debug)]
pub struct Operand {
    pub buffer: usize,
    pub layout: Layout,
    /// The layout's leading size is the graph's symbolic size.
    pub sym: bool,
}

#[derive(Clone, Debug)]
pub enum Step {
    Kernel(Kernel),
    Matmul {
        a: Operand,
        b: Operand,
        out: Operand,
    },
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub buffers: Vec<Buffer>,
    pub steps: Vec<Step>,
    /// Each graph output as a view of a buffer.
    pub outputs: Vec<Operand>,
}

#[derive(Debug)]
enum Fail {
    /// Give this value a buffer and schedule again.
    Materialize(usize),
    /// The sink cannot join the open kernel.
    NewKernel,
    Unsupported(String),
}

pub fn schedule(g: &Graph) -> Result<Plan, String> {
    let sym = super::sym::sym_values(g)?;
    let mut stored: HashSet<usize> = HashSet::new();
    for &o in &g.outputs {
        stored.insert(root_of(g, o));
    }
    for node in &g.nodes {
        if node.op == NodeOp::Matmul {
            for &a in &node.args {
                stored.insert(root_of(g, a));
            }
        }
    }
    for (k, node) in g.nodes.iter().enumerate() {
        if node.op == NodeOp::Matmul {
            stored.insert(g.inputs.len() + k);
        }
    }
    // Each restart stores one more value, so this ends.
    loop {
        match Attempt::new(g, &stored, &sym).run() {
            Ok(mut plan) => {
                super::buffers::share_storage(&mut plan);
                return Ok(plan);
            }
            Err(Fail::Materialize(v)) => {
                if !stored.insert(v) {
                    return Err(format!("scheduler loop on value {v}"));
                }
            }
            Err(Fail::NewKernel) => return Err("a sink fits no kernel".into()),
            Err(Fail::Unsupported(why)) => return Err(why),
        }
    }
}

/// The value a view chain starts from (the value itself when it is not a view).
pub fn root_of(g: &Graph, mut v: usize) -> usize {
    while let Some(node) = g.node(v) {
        match node.op {
            NodeOp::View(_) => v = node.args[0],
            _ => break,
        }
    }
    v
}

struct Reduction {
    stage: usize,
    acc: usize,
    /// For each dim of the reduction's output: the index that reads the accumulator, or
    /// None for a kept size-1 reduced dim (any index reads it).
    expect: Vec<Option<Affine>>,
}

#[derive(Default)]
struct BlockBuild {
    block: Block,
    memo: HashMap<(usize, Vec<Affine>), u32>,
}

struct KernelBuild {
    ref_shape: Vec<usize>,
    /// `ref_shape[0]` is the symbolic size (never reduced: an outer dim, or the only loop of
    /// a 1-D pointwise kernel, which `simplify` makes the outer one).
    sym: bool,
    outer_dims: Vec<usize>,
    inner_dims: Vec<usize>,
    ty: Ty,
    args: Vec<(usize, bool)>,
    stages: Vec<(BlockBuild, BlockBuild)>,
    accs: Vec<AccDecl>,
    reductions: HashMap<usize, Reduction>,
    /// Values stored by this kernel (not readable from memory inside it).
    produces: HashSet<usize>,
}

impl KernelBuild {
    fn arg(&mut self, buffer: usize, written: bool) -> usize {
        if let Some(n) = self.args.iter().position(|a| a.0 == buffer) {
            self.args[n].1 |= written;
            n
        } else {
            self.args.push((buffer, written));
            self.args.len() - 1
        }
    }

    fn nvars(&self, post: bool) -> usize {
        self.outer_dims.len() + if post { 0 } else { self.inner_dims.len() }
    }

    /// Loop variable of each ref dim (post blocks: reduced dims read index 0).
    fn ref_index(&self, post: bool) -> Vec<Affine> {
        let n = self.nvars(post);
        (0..self.ref_shape.len())
            .map(|d| {
                if let Some(p) = self.outer_dims.iter().position(|&x| x == d) {
                    Affine::var(p, n)
                } else if post {
                    Affine::constant(0, n)
                } else {
                    let p = self.inner_dims.iter().position(|&x| x == d).unwrap();
                    Affine::var(self.outer_dims.len() + p, n)
                }
            })
            .collect()
    }
}

struct Attempt<'g> {
    g: &'g Graph,
    stored: &'g HashSet<usize>,
    sym: &'g [bool],
    buffer_of: HashMap<usize, usize>,
    buffers: Vec<Buffer>,
    /// Values whose buffer a finished step has written.
    avail: HashSet<usize>,
    steps: Vec<Step>,
    cur: Option<KernelBuild>,
}

impl<'g> Attempt<'g> {
    fn new(g: &'g Graph, stored: &'g HashSet<usize>, sym: &'g [bool]) -> Attempt<'g> {
        let mut a = Attempt {
            g,
            stored,
            sym,
            buffer_of: HashMap::new(),
            buffers: vec![],
            avail: HashSet::new(),
            steps: vec![],
            cur: None,
        };
        for (i, l) in g.inputs.iter().enumerate() {
            a.buffer_of.insert(i, i);
            a.buffers.push(Buffer {
                kind: BufferKind::Input(i),
                layout: l.clone(),
                storage: i,
                sym: sym[i],
            });
            a.avail.insert(i);
        }
        let outputs: HashSet<usize> = g.outputs.iter().map(|&o| root_of(g, o)).collect();
        let mut ids: Vec<usize> = stored
            .iter()
            .copied()
            .filter(|&v| v >= g.inputs.len())
            .collect();
        ids.sort();
        for v in ids {
            a.buffer_of.insert(v, a.buffers.len());
            a.buffers.push(Buffer {
                kind: if outputs.contains(&v) {
                    BufferKind::Output
                } else {
                    BufferKind::Temp
                },
                layout: g.layout(v).clone(),
                storage: a.buffers.len(),
                sym: sym[v],
            });
        }
        a
    }

    fn run(mut self) -> Result<Plan, Fail> {
        let g = self.g;
        for v in g.inputs.len()..g.num_values() {
            let node = g.node(v).unwrap();
            match &node.op {
                NodeOp::Matmul => {
                    self.close();
                    let operand = |s: &Self, a: usize| -> Result<Operand, Fail> {
                        let r = root_of(g, a);
                        if !s.avail.contains(&r) {
                            return Err(Fail::Materialize(r));
                        }
                        Ok(Operand {
                            buffer: s.buffer_of[&r],
                            layout: g.layout(a).clone(),
                            sym: s.sym[a],
                        })
                    };
                    let (a, b) = (operand(&self, node.args[0])?, operand(&self, node.args[1])?);
                    if !matches!(node.out.dtype, DType::Float32 | DType::Float64) {
                        return Err(Fail::Unsupported(format!(
                            "matmul of {}",
                            node.out.dtype.name()
                        )));
                    }
                    let out = Operand {
                        buffer: self.buffer_of[&v],
                        layout: node.out.clone(),
                        sym: self.sym[v],
                    };
                    self.steps.push(Step::Matmul { a, b, out });
                    self.avail.insert(v);
                }
                NodeOp::Reduce { .. } => self.sink(v)?,
                NodeOp::View(_) | NodeOp::Scalar(_) => {}
                _ => {
                    if self.stored.contains(&v) {
                        self.sink(v)?;
                    }
                }
            }
        }
        self.close();
        let mut outputs = vec![];
        for &o in &g.outputs {
            let r = root_of(g, o);
            outputs.push(Operand {
                buffer: self.buffer_of[&r],
                layout: g.layout(o).clone(),
                sym: self.sym[o],
            });
        }
        Ok(Plan {
            buffers: self.buffers,
            steps: self.steps,
            outputs,
        })
    }

    fn sink(&mut self, v: usize) -> Result<(), Fail> {
        if self.cur.is_some() {
            match self.try_sink(v) {
                Err(Fail::NewKernel) => self.close(),
                other => return other,
            }
        }
        self.open(v);
        self.try_sink(v)
    }

    fn open(&mut self, v: usize) {
        let g = self.g;
        let node = g.node(v).unwrap();
        let ref_value = match &node.op {
            NodeOp::Reduce { .. } => node.args[0],
            _ => v,
        };
        let (ref_shape, inner_dims): (Vec<usize>, Vec<usize>) = match &node.op {
            NodeOp::Reduce { dims, .. } => (g.layout(node.args[0]).shape.clone(), dims.clone()),
            _ => {
                let s = node.out.shape.clone();
                let inner = if s.is_empty() {
                    vec![]
                } else {
                    vec![s.len() - 1]
                };
                (s, inner)
            }
        };
        let outer_dims = (0..ref_shape.len())
            .filter(|d| !inner_dims.contains(d))
            .collect();
        let ty = self.float_ty_of(v);
        self.cur = Some(KernelBuild {
            ref_shape,
            sym: self.sym[ref_value],
            outer_dims,
            inner_dims,
            ty,
            args: vec![],
            stages: vec![],
            accs: vec![],
            reductions: HashMap::new(),
            produces: HashSet::new(),
        });
    }

    /// The float width a kernel computing `v` works in: the first float dtype found
    /// walking back from it through inlined values (f32 when there is none).
    fn float_ty_of(&self, v: usize) -> Ty {
        let mut stack = vec![v];
        let mut seen = HashSet::new();
        while let Some(x) = stack.pop() {
            if !seen.insert(x) {
                continue;
            }
            match self.g.layout(x).dtype {
                DType::Float32 => return Ty::F32,
                DType::Float64 => return Ty::F64,
                _ => {}
            }
            if let Some(node) = self.g.node(x) {
                stack.extend(node.args.iter().rev());
            }
        }
        Ty::F32
    }

    fn close(&mut self) {
        let Some(k) = self.cur.take() else { return };
        for &v in &k.produces {
            self.avail.insert(v);
        }
        if k.stages.is_empty() {
            return;
        }
        let name = format!("kernel{}", self.steps.len());
        let kernel = finish_kernel(k, name, &self.buffers);
        self.steps.push(Step::Kernel(kernel));
    }

    fn try_sink(&mut self, v: usize) -> Result<(), Fail> {
        let g = self.g;
        let node = g.node(v).unwrap();
        let mut k = self.cur.take().unwrap();
        let result = (|| {
            let dep = self.dep_stage(&k, v);
            match &node.op {
                NodeOp::Reduce { op, dims } => {
                    let arg = node.args[0];
                    if g.layout(arg).shape != k.ref_shape || *dims != k.inner_dims {
                        return Err(Fail::NewKernel);
                    }
                    let acc_ty = match op {
                        ReduceOp::All | ReduceOp::Any => Ty::Mask,
                        _ => match Ty::of(node.out.dtype) {
                            Some(t) if t == k.ty => t,
                            Some(Ty::Mask) | None => {
                                return Err(Fail::Unsupported(format!(
                                    "{} to {}",
                                    op.name(),
                                    node.out.dtype.name()
                                )));
                            }
                            Some(_) => return Err(Fail::NewKernel),
                        },
                    };
                    let stage = dep.map_or(0, |d| d + 1);
                    while k.stages.len() <= stage {
                        k.stages.push(Default::default());
                    }
                    let idx = k.ref_index(false);
                    let value = self.expr(&mut k, stage, false, arg, &idx)?;
                    let value = coerce(&mut k.stages[stage].0.block, value, acc_ty);
                    let count = dims.iter().map(|&d| k.ref_shape[d]).product();
                    k.accs.push(AccDecl {
                        op: *op,
                        ty: acc_ty,
                        count,
                        stage,
                    });
                    let acc = k.accs.len() - 1;
                    k.stages[stage]
                        .0
                        .block
                        .effects
                        .push(Effect::Reduce { acc, value });
                    let keepdim = node.out.shape.len() == k.ref_shape.len();
                    let nv = k.nvars(true);
                    let mut expect = vec![];
                    for d in 0..k.ref_shape.len() {
                        if let Some(p) = k.outer_dims.iter().position(|&x| x == d) {
                            expect.push(Some(Affine::var(p, nv)));
                        } else if keepdim {
                            expect.push(None);
                        }
                    }
                    k.reductions.insert(v, Reduction { stage, acc, expect });
                    if self.stored.contains(&v) {
                        let idx = reduced_index(&k, &node.out.shape).ok_or(Fail::NewKernel)?;
                        let value = self.expr(&mut k, stage, true, v, &idx)?;
                        self.store(&mut k, stage, true, v, &idx, value)?;
                    }
                    Ok(())
                }
                _ => {
                    let shape = &node.out.shape;
                    if *shape == k.ref_shape {
                        let stage = dep.map_or(0, |d| d + 1);
                        while k.stages.len() <= stage {
                            k.stages.push(Default::default());
                        }
                        let idx = k.ref_index(false);
                        let value = self.expr(&mut k, stage, false, v, &idx)?;
                        self.store(&mut k, stage, false, v, &idx, value)
                    } else if let Some(idx) = reduced_index(&k, shape) {
                        if k.stages.is_empty() {
                            return Err(Fail::NewKernel);
                        }
                        let stage = dep.unwrap_or(0);
                        let value = self.expr(&mut k, stage, true, v, &idx)?;
                        self.store(&mut k, stage, true, v, &idx, value)
                    } else {
                        Err(Fail::NewKernel)
                    }
                }
            }
        })();
        match result {
            Ok(()) => {
                self.cur = Some(k);
                Ok(())
            }
            Err(e) => {
                // Instructions a failed sink pushed stay behind unused (the allocator drops
                // them); accumulators and stores are only pushed once all they read exists.
                self.cur = Some(k);
                Err(e)
            }
        }
    }

    fn store(
        &mut self,
        k: &mut KernelBuild,
        stage: usize,
        post: bool,
        v: usize,
        idx: &[Affine],
        value: u32,
    ) -> Result<(), Fail> {
        let layout = self.g.layout(v);
        let ty = Ty::of(layout.dtype)
            .ok_or_else(|| Fail::Unsupported(format!("store of {}", layout.dtype.name())))?;
        if ty != Ty::Mask && ty != k.ty {
            return Err(Fail::NewKernel);
        }
        let buffer = self.buffer_of[&v];
        let arg = k.arg(buffer, true);
        let index = address(layout, idx, k.nvars(post));
        let block = if post {
            &mut k.stages[stage].1
        } else {
            &mut k.stages[stage].0
        };
        let value = coerce(&mut block.block, value, ty);
        block
            .block
            .effects
            .push(Effect::Store { arg, index, value });
        k.produces.insert(v);
        Ok(())
    }

    /// The last stage of the open kernel whose reductions `v` reads (None: reads none).
    fn dep_stage(&self, k: &KernelBuild, v: usize) -> Option<usize> {
        let mut best: Option<usize> = None;
        let mut stack = vec![v];
        let mut seen = HashSet::new();
        let mut first = true;
        while let Some(x) = stack.pop() {
            if !seen.insert(x) {
                continue;
            }
            if let Some(r) = k.reductions.get(&x) {
                best = Some(best.map_or(r.stage, |b: usize| b.max(r.stage)));
                continue;
            }
            if !first && self.readable(k, x) {
                continue;
            }
            first = false;
            if let Some(node) = self.g.node(x)
                && !matches!(node.op, NodeOp::Matmul)
            {
                stack.extend(&node.args);
            }
        }
        best
    }

    /// `v` must be read from memory: store it (next attempt), or, when it already is but
    /// the open kernel produces it, read it from a later kernel.
    fn needs_buffer(&self, v: usize) -> Fail {
        if self.stored.contains(&v) {
            Fail::NewKernel
        } else {
            Fail::Materialize(v)
        }
    }

    /// Whether `v` can be read from memory inside the open kernel.
    fn readable(&self, k: &KernelBuild, v: usize) -> bool {
        self.avail.contains(&v) && !k.produces.contains(&v)
    }

    fn expr(
        &mut self,
        k: &mut KernelBuild,
        stage: usize,
        post: bool,
        v: usize,
        idx: &[Affine],
    ) -> Result<u32, Fail> {
        let key = (v, idx.to_vec());
        if let Some(&n) = block_of(k, stage, post).memo.get(&key) {
            return Ok(n);
        }
        let n = self.expr_uncached(k, stage, post, v, idx)?;
        block_of(k, stage, post).memo.insert(key, n);
        Ok(n)
    }

    fn expr_uncached(
        &mut self,
        k: &mut KernelBuild,
        stage: usize,
        post: bool,
        v: usize,
        idx: &[Affine],
    ) -> Result<u32, Fail> {
        let g = self.g;
        let nv = k.nvars(post);
        if let Some(r) = k.reductions.get(&v) {
            let ok = r.stage < stage || (post && r.stage == stage);
            if !ok {
                return Err(Fail::NewKernel);
            }
            let matches = r
                .expect
                .iter()
                .zip(idx)
                .all(|(e, i)| e.as_ref().is_none_or(|e| pad(e, nv) == *i));
            if !matches {
                return Err(self.needs_buffer(v));
            }
            let (acc, ty) = (r.acc, k.accs[r.acc].ty);
            return Ok(push(block_of(k, stage, post), Expr::Acc(acc), ty));
        }
        let layout = g.layout(v);
        if self.readable(k, v) {
            return self.load(k, stage, post, v, v, idx);
        }
        let Some(node) = g.node(v) else {
            unreachable!("graph inputs are always readable")
        };
        match &node.op {
            NodeOp::View(view) => {
                let root = root_of(g, v);
                if self.readable(k, root) {
                    return self.load(k, stage, post, root, v, idx);
                }
                let base = node.args[0];
                match view_index(view, &g.layout(base).shape, &layout.shape, idx, nv) {
                    Some(bidx) => self.expr(k, stage, post, base, &bidx),
                    None => Err(self.needs_buffer(root)),
                }
            }
            NodeOp::Reduce { .. } | NodeOp::Matmul => Err(self.needs_buffer(v)),
            NodeOp::Scalar(c) => {
                let ty = match layout.dtype {
                    DType::Bool => Ty::Mask,
                    _ => k.ty,
                };
                Ok(push(block_of(k, stage, post), Expr::Const(*c), ty))
            }
            op => {
                let ty = match Ty::of(layout.dtype) {
                    Some(t) => t,
                    None => {
                        return Err(Fail::Unsupported(format!(
                            "{} values in a compiled kernel",
                            layout.dtype.name()
                        )));
                    }
                };
                if ty != Ty::Mask && ty != k.ty {
                    return Err(self.needs_buffer(v));
                }
                let mut args = vec![];
                for &a in &node.args {
                    let aidx = broadcast_index(&g.layout(a).shape, &layout.shape, idx, nv);
                    args.push(self.expr(k, stage, post, a, &aidx)?);
                }
                let kty = k.ty;
                let block = &mut block_of(k, stage, post).block;
                let expr = match op {
                    NodeOp::Unary(u) => {
                        let want = ops::unary_input(*u, ty);
                        let x = coerce(block, args[0], want);
                        if !ops::unary_supported(*u, want) {
                            return Err(Fail::Unsupported(format!("{} in a kernel", u.name())));
                        }
                        Expr::Unary(*u, x)
                    }
                    NodeOp::Binary(b) => {
                        let want = ops::binary_input(*b, kty);
                        let x = coerce(block, args[0], want);
                        let y = coerce(block, args[1], want);
                        if !ops::binary_supported(*b, want) {
                            return Err(Fail::Unsupported(format!("{} in a kernel", b.name())));
                        }
                        let yields = ops::binary_output(*b, want);
                        if yields != ty {
                            block.insts.push(Inst {
                                expr: Expr::Binary(*b, x, y),
                                ty: yields,
                            });
                            let v = (block.insts.len() - 1) as u32;
                            return Ok(coerce(block, v, ty));
                        }
                        Expr::Binary(*b, x, y)
                    }
                    NodeOp::Where => {
                        let c = coerce(block, args[0], Ty::Mask);
                        let x = coerce(block, args[1], ty);
                        let y = coerce(block, args[2], ty);
                        Expr::Where(c, x, y)
                    }
                    NodeOp::Cast => return Ok(coerce(block, args[0], ty)),
                    _ => unreachable!(),
                };
                Ok(push(block_of(k, stage, post), expr, ty))
            }
        }
    }

    /// Read `v` (a view of stored `root`, or `root` itself) from memory.
    fn load(
        &mut self,
        k: &mut KernelBuild,
        stage: usize,
        post: bool,
        root: usize,
        v: usize,
        idx: &[Affine],
    ) -> Result<u32, Fail> {
        let layout = self.g.layout(v);
        let ty = match layout.dtype {
            DType::Float32 | DType::Float64 => k.ty,
            DType::Bool => Ty::Mask,
            other => {
                return Err(Fail::Unsupported(format!("loads of {}", other.name())));
            }
        };
        let buffer = self.buffer_of[&root];
        let arg = k.arg(buffer, false);
        let index = address(layout, idx, k.nvars(post));
        Ok(push(
            block_of(k, stage, post),
            Expr::Load { arg, index },
            ty,
        ))
    }
}

fn block_of(k: &mut KernelBuild, stage: usize, post: bool) -> &mut BlockBuild {
    if post {
        &mut k.stages[stage].1
    } else {
        &mut k.stages[stage].0
    }
}

fn push(b: &mut BlockBuild, expr: Expr, ty: Ty) -> u32 {
    b.block.insts.push(Inst { expr, ty });
    (b.block.insts.len() - 1) as u32
}

/// Convert a value between a mask and the kernel's float type (floats stay as they are:
/// widths never mix inside a kernel).
fn coerce(b: &mut Block, value: u32, want: Ty) -> u32 {
    let have = b.insts[value as usize].ty;
    if (have == Ty::Mask) == (want == Ty::Mask) {
        return value;
    }
    b.insts.push(Inst {
        expr: Expr::Cast(value),
        ty: want,
    });
    (b.insts.len() - 1) as u32
}

/// The index of an open kernel's reduced shape (keepdim or not) in its post block.
fn reduced_index(k: &KernelBuild, shape: &[usize]) -> Option<Vec<Affine>> {
    let nv = k.nvars(true);
    let full = k.ref_index(true);
    if shape.len() == k.ref_shape.len() {
        let ok = (0..shape.len()).all(|d| {
            if k.inner_dims.contains(&d) {
                shape[d] == 1
            } else {
                shape[d] == k.ref_shape[d]
            }
        });
        return ok.then_some(full);
    }
    let kept: Vec<usize> = k.outer_dims.iter().map(|&d| k.ref_shape[d]).collect();
    if shape == kept.as_slice() {
        return Some((0..kept.len()).map(|p| Affine::var(p, nv)).collect());
    }
    None
}

fn finish_kernel(k: KernelBuild, name: String, buffers: &[Buffer]) -> Kernel {
    let outer: Vec<usize> = k.outer_dims.iter().map(|&d| k.ref_shape[d]).collect();
    let inner: Vec<usize> = k.inner_dims.iter().map(|&d| k.ref_shape[d]).collect();
    let stages = k
        .stages
        .into_iter()
        .map(|(body, post)| Stage {
            inner: inner.clone(),
            body: body.block,
            post: post.block,
        })
        .collect();
    let args = k
        .args
        .iter()
        .map(|&(buffer, written)| KernelArg {
            buffer,
            dtype: buffers[buffer].layout.dtype,
            reach: buffers[buffer].layout.reach().unwrap_or((0, -1)),
            written,
        })
        .collect();
    let mut kernel = Kernel {
        name,
        args,
        ty: k.ty,
        outer,
        sym: k.sym,
        ragged: None,
        stages,
        accs: k.accs,
    };
    super::simplify::simplify(&mut kernel);
    kernel
}
