//! The loop IR: what one fused kernel computes, before any machine code. A kernel walks an
//! *outer* index space (split across threads) and, for each outer point, runs its *stages*
//! in order: each stage is a loop nest over its own *inner* dims whose body loads, computes,
//! stores and accumulates reductions, then a `post` block that runs once per outer point and
//! can read the stage's finished reductions. Softmax is one kernel of three stages; a chain
//! of pointwise ops is one kernel of one stage. Every address is affine in the loop
//! variables (`Affine`), which is what makes views free and bounds checkable at compile time.

use std::fmt::{self, Write as _};

use smelt_tracer::DType;
use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};

/// `c0 + Σ c[v] * var[v]`, in elements. Variables: the kernel's outer vars first, then the
/// current stage's inner vars.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Affine {
    pub c0: i64,
    pub c: Vec<i64>,
}

impl Affine {
    pub fn constant(c0: i64, nvars: usize) -> Affine {
        Affine {
            c0,
            c: vec![0; nvars],
        }
    }

    pub fn var(v: usize, nvars: usize) -> Affine {
        let mut a = Affine::constant(0, nvars);
        a.c[v] = 1;
        a
    }

    pub fn scaled(&self, k: i64) -> Affine {
        Affine {
            c0: self.c0 * k,
            c: self.c.iter().map(|x| x * k).collect(),
        }
    }

    pub fn plus(&self, other: &Affine) -> Affine {
        Affine {
            c0: self.c0 + other.c0,
            c: self.c.iter().zip(&other.c).map(|(a, b)| a + b).collect(),
        }
    }

    /// Smallest and largest value over vars in `0..sizes[v]` (all sizes > 0).
    pub fn range(&self, sizes: &[usize]) -> (i64, i64) {
        let (mut lo, mut hi) = (self.c0, self.c0);
        for (&c, &n) in self.c.iter().zip(sizes) {
            let span = c * (n as i64 - 1);
            if span < 0 {
                lo += span;
            } else {
                hi += span;
            }
        }
        (lo, hi)
    }
}

/// Value types inside a kernel: the kernel's float type, or a mask (bool values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    F32,
    F64,
    Mask,
}

impl Ty {
    pub fn of(dtype: DType) -> Option<Ty> {
        match dtype {
            DType::Float32 => Some(Ty::F32),
            DType::Float64 => Some(Ty::F64),
            DType::Bool => Some(Ty::Mask),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// Read one element of a kernel argument, converted from its dtype to the value's type.
    Load {
        arg: usize,
        index: Affine,
    },
    Const(f64),
    /// The finished value of accumulator `n` (a reduction of an earlier stage).
    Acc(usize),
    Unary(UnaryOp, u32),
    Binary(BinaryOp, u32, u32),
    Where(u32, u32, u32),
    /// Mask -> 0/1, or float -> (x != 0).
    Cast(u32),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Inst {
    pub expr: Expr,
    pub ty: Ty,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Write a value to a kernel argument, converted to the argument's dtype.
    Store {
        arg: usize,
        index: Affine,
        value: u32,
    },
    /// Fold a value into accumulator `acc`.
    Reduce { acc: usize, value: u32 },
}

/// Straight-line code: SSA values (an instruction's number is its position) and the
/// effects that use them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub insts: Vec<Inst>,
    pub effects: Vec<Effect>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stage {
    pub inner: Vec<usize>,
    pub body: Block,
    pub post: Block,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AccDecl {
    pub op: ReduceOp,
    pub ty: Ty,
    /// Elements folded per outer point (mean divides by it).
    pub count: usize,
    pub stage: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KernelArg {
    /// The program buffer this argument is bound to.
    pub buffer: usize,
    pub dtype: DType,
    /// Elements from the argument's pointer that the kernel may touch: `[lo, hi]`.
    pub reach: (i64, i64),
    pub written: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    pub name: String,
    pub args: Vec<KernelArg>,
    /// The float type the kernel computes in.
    pub ty: Ty,
    pub outer: Vec<usize>,
    /// `outer[0]` is the graph's symbolic leading size `s` (`sym.rs`): its entry here is a
    /// placeholder, the machine code never reads it (the outer index is split by the other,
    /// static, extents), and each call runs `s * outer[1..]` outer points.
    pub sym: bool,
    /// `Some(n)`: the innermost loop of stage 0 is `n` long, cut into chunks of
    /// `stages[0].inner.last()` by the last outer var; the last chunk is shorter.
    pub ragged: Option<usize>,
    pub stages: Vec<Stage>,
    pub accs: Vec<AccDecl>,
}

impl Kernel {
    pub fn outer_total(&self) -> usize {
        self.outer.iter().product()
    }

    /// Outer points of one call whose symbolic size is `lead` (None: a static call).
    pub fn outer_total_at(&self, lead: Option<usize>) -> usize {
        match lead {
            Some(s) if self.sym => s * self.outer[1..].iter().product::<usize>(),
            _ => self.outer_total(),
        }
    }

    /// Elements of work per outer point (for deciding whether threads pay off).
    pub fn work_per_outer(&self) -> usize {
        self.stages
            .iter()
            .map(|s| s.inner.iter().product::<usize>().max(1) * (s.body.insts.len() + 1))
            .sum()
    }
}

fn var_name(v: usize, outer: usize) -> String {
    if v < outer {
        format!("o{v}")
    } else {
        format!("i{}", v - outer)
    }
}

impl fmt::Display for Affine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Outer/inner naming needs the kernel; plain `v0` names are used standalone.
        write_affine(f, self, usize::MAX)
    }
}

fn write_affine(out: &mut impl fmt::Write, a: &Affine, outer: usize) -> fmt::Result {
    let mut first = true;
    for (v, &c) in a.c.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let name = if outer == usize::MAX {
            format!("v{v}")
        } else {
            var_name(v, outer)
        };
        let sign = if c < 0 { "-" } else { "+" };
        if first {
            if c < 0 {
                write!(out, "-")?;
            }
        } else {
            write!(out, " {sign} ")?;
        }
        if c.abs() == 1 {
            write!(out, "{name}")?;
        } else {
            write!(out, "{}*{name}", c.abs())?;
        }
        first = false;
    }
    if first {
        write!(out, "{}", a.c0)
    } else if a.c0 != 0 {
        write!(out, " {} {}", if a.c0 < 0 { "-" } else { "+" }, a.c0.abs())
    } else {
        Ok(())
    }
}

fn ty_name(t: Ty) -> &'static str {
    match t {
        Ty::F32 => "f32",
        Ty::F64 => "f64",
        Ty::Mask => "bool",
    }
}

fn write_block(out: &mut String, k: &Kernel, b: &Block, indent: &str) {
    let outer = k.outer.len();
    for (n, inst) in b.insts.iter().enumerate() {
        let _ = write!(out, "{indent}v{n}: {} = ", ty_name(inst.ty));
        let _ = match &inst.expr {
            Expr::Load { arg, index } => {
                let _ = write!(out, "load arg{arg}[");
                let _ = write_affine(out, index, outer);
                write!(out, "]")
            }
            Expr::Const(c) => write!(out, "{c:?}"),
            Expr::Acc(a) => write!(out, "acc{a}"),
            Expr::Unary(op, x) => write!(out, "{}(v{x})", op.name()),
            Expr::Binary(op, x, y) => write!(out, "{}(v{x}, v{y})", op.name()),
            Expr::Where(c, x, y) => write!(out, "where(v{c}, v{x}, v{y})"),
            Expr::Cast(x) => write!(out, "cast(v{x})"),
        };
        out.push('\n');
    }
    for e in &b.effects {
        match e {
            Effect::Store { arg, index, value } => {
                let _ = write!(out, "{indent}store arg{arg}[");
                let _ = write_affine(out, index, outer);
                let _ = writeln!(out, "] = v{value}");
            }
            Effect::Reduce { acc, value } => {
                let a = &k.accs[*acc];
                let _ = writeln!(
                    out,
                    "{indent}acc{acc} = {}(acc{acc}, v{value})",
                    a.op.name()
                );
            }
        }
    }
}

impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let args: Vec<String> = self
            .args
            .iter()
            .enumerate()
            .map(|(n, a)| {
                format!(
                    "arg{n}: {}buf{} {}",
                    if a.written { "out " } else { "" },
                    a.buffer,
                    a.dtype.short_name()
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "def {}({}):  # computes in {}",
            self.name,
            args.join(", "),
            ty_name(self.ty)
        );
        let outer: Vec<String> = self
            .outer
            .iter()
            .enumerate()
            .map(|(v, n)| {
                if v == 0 && self.sym {
                    "o0 < s".to_string()
                } else {
                    format!("o{v} < {n}")
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "  for {} (parallel):",
            if outer.is_empty() {
                "()".into()
            } else {
                outer.join(", ")
            }
        );
        if let Some(n) = self.ragged {
            let _ = writeln!(
                out,
                "    # innermost loop of length {n} in chunks of the last outer var"
            );
        }
        for (s, stage) in self.stages.iter().enumerate() {
            let inner: Vec<String> = stage
                .inner
                .iter()
                .enumerate()
                .map(|(v, n)| format!("i{v} < {n}"))
                .collect();
            let accs: Vec<String> = self
                .accs
                .iter()
                .enumerate()
                .filter(|(_, a)| a.stage == s)
                .map(|(n, a)| format!("acc{n} = {}.init", a.op.name()))
                .collect();
            if !accs.is_empty() {
                let _ = writeln!(out, "    {}", accs.join("; "));
            }
            let _ = writeln!(
                out,
                "    for {}:  # stage {s}",
                if inner.is_empty() {
                    "()".into()
                } else {
                    inner.join(", ")
                }
            );
            write_block(&mut out, self, &stage.body, "      ");
            if !stage.post.insts.is_empty() || !stage.post.effects.is_empty() {
                write_block(&mut out, self, &stage.post, "    ");
            }
        }
        f.write_str(&out)
    }
}
