//! Meta tensors (what fake tensors are made of): every kernel works out its output's shape,
//! dtype and strides as for real data, and never reads or writes memory — a meta storage has
//! none, and touching it would panic instead of returning a tensor.

use smelt_backends::eager::{self, Extreme, Operand};
use smelt_backends::{Device, Scalar, Tensor};
use smelt_tracer::DType;
use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};

fn meta(shape: &[usize], dtype: DType) -> Tensor {
    Tensor::empty_on(shape, dtype, Device::Meta)
}

/// Shape, dtype and strides of a meta result equal those of the same op on real data.
fn same_layout(fake: &Tensor, real: &Tensor) {
    assert!(fake.is_meta(), "result of an op on meta inputs is meta");
    assert_eq!(
        (fake.shape(), fake.dtype(), fake.strides()),
        (real.shape(), real.dtype(), real.strides())
    );
}

#[test]
fn pointwise_reductions_and_products_match_real_layouts() {
    let (x, rx) = (
        meta(&[3, 4], DType::Float32),
        Tensor::zeros(&[3, 4], DType::Float32),
    );
    let (y, ry) = (meta(&[4], DType::Int64), Tensor::zeros(&[4], DType::Int64));

    same_layout(
        &eager::unary(UnaryOp::Sin, &x).unwrap(),
        &eager::unary(UnaryOp::Sin, &rx).unwrap(),
    );
    same_layout(
        &eager::unary(UnaryOp::Sqrt, &y).unwrap(),
        &eager::unary(UnaryOp::Sqrt, &ry).unwrap(),
    );
    let add = |a: &Tensor, b: &Tensor| {
        eager::binary(BinaryOp::Add, Operand::Tensor(a), Operand::Tensor(b)).unwrap()
    };
    same_layout(&add(&x, &y), &add(&rx, &ry));
    let lt = eager::binary(
        BinaryOp::Lt,
        Operand::Tensor(&x),
        Operand::Scalar(Scalar::Float(0.5)),
    )
    .unwrap();
    assert_eq!(lt.dtype(), DType::Bool);
    let sum = |t: &Tensor| eager::reduce(ReduceOp::Sum, t, Some(&[1]), true).unwrap();
    same_layout(&sum(&x), &sum(&rx));
    let w = meta(&[4, 5], DType::Float32);
    let rw = Tensor::zeros(&[4, 5], DType::Float32);
    same_layout(&eager::mm(&x, &w).unwrap(), &eager::mm(&rx, &rw).unwrap());
    let b = meta(&[2, 1, 3, 4], DType::Float32);
    let rb = Tensor::zeros(&[2, 1, 3, 4], DType::Float32);
    same_layout(
        &eager::matmul(&b, &w).unwrap(),
        &eager::matmul(&rb, &rw).unwrap(),
    );
    // Shape errors are the same errors.
    assert!(eager::mm(&x, &x).is_err());
    let bad = eager::binary(
        BinaryOp::Add,
        Operand::Tensor(&x),
        Operand::Tensor(&meta(&[5], DType::Float32)),
    );
    assert!(bad.is_err());
}

#[test]
fn along_dim_indexing_and_copies_match_real_layouts() {
    let x = meta(&[3, 4], DType::Float32);
    let rx = Tensor::zeros(&[3, 4], DType::Float32);
    let idx = meta(&[2], DType::Int64);
    let ridx = Tensor::zeros(&[2], DType::Int64);

    same_layout(
        &eager::cumsum(&x, 1).unwrap(),
        &eager::cumsum(&rx, 1).unwrap(),
    );
    let (v, i) = eager::max_min(&x, 0, false, Extreme::Max).unwrap();
    let (rv, ri) = eager::max_min(&rx, 0, false, Extreme::Max).unwrap();
    same_layout(&v, &rv);
    same_layout(&i, &ri);
    let (v, i) = eager::sort(&x, 1, true).unwrap();
    same_layout(&v, &rx);
    assert_eq!(i.dtype(), DType::Int64);
    same_layout(
        &eager::index_select(&x, 1, &idx).unwrap(),
        &eager::index_select(&rx, 1, &ridx).unwrap(),
    );
    same_layout(
        &eager::index(&x, &[None, Some(idx.clone())]).unwrap(),
        &eager::index(&rx, &[None, Some(ridx.clone())]).unwrap(),
    );
    same_layout(
        &eager::cat(&[x.clone(), x.clone()], 1).unwrap(),
        &eager::cat(&[rx.clone(), rx.clone()], 1).unwrap(),
    );
    let cond = meta(&[3, 1], DType::Bool);
    let rcond = Tensor::zeros(&[3, 1], DType::Bool);
    same_layout(
        &eager::where_(&cond, &x, &x).unwrap(),
        &eager::where_(&rcond, &rx, &rx).unwrap(),
    );
    let t = x.t().unwrap();
    same_layout(&t.clone_data(), &rx.t().unwrap().clone_data());
    same_layout(&t.contiguous(), &rx.t().unwrap().contiguous());
    same_layout(&x.to_dtype(DType::Float16), &rx.to_dtype(DType::Float16));

    // In-place writes into meta tensors do nothing but the checks.
    eager::fill_(&x, Scalar::Float(1.0));
    x.copy_(&rx).unwrap();
    eager::binary_(BinaryOp::Mul, &x, Operand::Scalar(Scalar::Int(2))).unwrap();
    eager::index_put_(&x, &[Some(idx.clone())], &meta(&[4], DType::Float32), true).unwrap();
}

#[test]
fn data_is_refused_not_read() {
    let x = meta(&[2, 2], DType::Float32);
    assert!(x.item().is_err());
    assert!(eager::nonzero(&x).is_err());
    assert!(x.to_bytes().is_empty());
    // A real tensor cannot take its values from a meta one.
    assert!(Tensor::zeros(&[2, 2], DType::Float32).copy_(&x).is_err());
    // Mixing a real operand in keeps the result meta.
    let real = Tensor::zeros(&[2], DType::Float32);
    let mixed = eager::binary(BinaryOp::Add, Operand::Tensor(&x), Operand::Tensor(&real)).unwrap();
    assert_eq!(mixed.device(), Device::Meta);
    assert_eq!(x.to_meta().storage().nbytes(), 16);
}
