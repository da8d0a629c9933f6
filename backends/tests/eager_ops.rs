//! Eager kernels against hand-computed values.

use smelt_backends::eager::{self, Operand};
use smelt_backends::{Scalar, Tensor};
use smelt_tracer::DType;
use smelt_tracer::ops::{BinaryOp, ReduceOp, UnaryOp};

fn f32s(values: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_vec(values.to_vec(), shape)
}

#[test]
fn broadcast_add_and_promotion() {
    let a = f32s(&[1.0, 2.0, 3.0], &[3, 1]);
    let b = f32s(&[10.0, 20.0], &[2]);
    let c = eager::binary(BinaryOp::Add, Operand::Tensor(&a), Operand::Tensor(&b)).unwrap();
    assert_eq!(c.shape(), &[3, 2]);
    assert_eq!(c.to_vec::<f32>(), vec![11.0, 21.0, 12.0, 22.0, 13.0, 23.0]);

    let ints = Tensor::from_vec(vec![1i32, 2, 3], &[3]);
    let halves = eager::binary(
        BinaryOp::Mul,
        Operand::Tensor(&ints),
        Operand::Scalar(Scalar::Float(0.5)),
    )
    .unwrap();
    assert_eq!(halves.dtype(), DType::Float32);
    assert_eq!(halves.to_vec::<f32>(), vec![0.5, 1.0, 1.5]);

    let divided = eager::binary(
        BinaryOp::Div,
        Operand::Tensor(&ints),
        Operand::Scalar(Scalar::Int(2)),
    )
    .unwrap();
    assert_eq!(divided.dtype(), DType::Float32);
    let floored = eager::binary(
        BinaryOp::FloorDivide,
        Operand::Tensor(&ints),
        Operand::Scalar(Scalar::Int(-2)),
    )
    .unwrap();
    assert_eq!(
        (floored.dtype(), floored.to_vec::<i32>()),
        (DType::Int32, vec![-1, -1, -2])
    );
    let rem = eager::binary(
        BinaryOp::Remainder,
        Operand::Tensor(&ints),
        Operand::Scalar(Scalar::Int(-2)),
    )
    .unwrap();
    assert_eq!(rem.to_vec::<i32>(), vec![-1, 0, -1]);

    let err = eager::binary(
        BinaryOp::Add,
        Operand::Tensor(&f32s(&[1.0; 6], &[2, 3])),
        Operand::Tensor(&f32s(&[1.0; 4], &[4])),
    )
    .err()
    .unwrap();
    assert_eq!(
        err.message,
        "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"
    );
}

#[test]
fn views_share_storage_and_compute_on_strides() {
    let x = Tensor::from_vec((0..6).map(|v| v as f32).collect(), &[2, 3]);
    let t = x.t().unwrap();
    assert_eq!(
        (t.shape(), t.strides()),
        (&[3usize, 2][..], &[1isize, 3][..])
    );
    assert!(!t.is_contiguous());
    assert_eq!(
        t.contiguous().to_vec::<f32>(),
        vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    );
    assert!(t.view(&[6]).is_err());
    assert_eq!(
        t.reshape(&[6]).unwrap().to_vec::<f32>(),
        vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    );
    let row = x.select(0, 1).unwrap();
    eager::fill_(&row, Scalar::Float(9.0));
    assert_eq!(x.to_vec::<f32>(), vec![0.0, 1.0, 2.0, 9.0, 9.0, 9.0]);
    let stepped = x.slice(1, 0, 3, 2).unwrap();
    assert_eq!(stepped.to_vec::<f32>(), vec![0.0, 2.0, 9.0, 9.0]);
    let e = f32s(&[1.0, 2.0], &[2, 1]).expand(&[2, 3]).unwrap();
    assert_eq!(e.strides(), &[1, 0]);
    let sum = eager::binary(
        BinaryOp::Add,
        Operand::Tensor(&e),
        Operand::Tensor(&t.t().unwrap()),
    )
    .unwrap();
    assert_eq!(sum.to_vec::<f32>(), vec![1.0, 2.0, 3.0, 11.0, 11.0, 11.0]);
}

#[test]
fn unary_ops_and_dtypes() {
    let ints = Tensor::from_vec(vec![0i64, 1, 4], &[3]);
    let roots = eager::unary(UnaryOp::Sqrt, &ints).unwrap();
    assert_eq!(
        (roots.dtype(), roots.to_vec::<f32>()),
        (DType::Float32, vec![0.0, 1.0, 2.0])
    );
    let rounded = eager::unary(UnaryOp::Round, &f32s(&[0.5, 1.5, 2.5, -0.5], &[4])).unwrap();
    assert_eq!(rounded.to_vec::<f32>(), vec![0.0, 2.0, 2.0, -0.0]);
    let halves = Tensor::from_vec(vec![half::f16::from_f32(1.0)], &[1]);
    let e = eager::unary(UnaryOp::Exp, &halves).unwrap();
    assert_eq!(e.dtype(), DType::Float16);
    assert_eq!(
        e.to_vec::<f32>(),
        vec![half::f16::from_f32(std::f32::consts::E).to_f32()]
    );
    let bools = Tensor::from_vec(vec![true, false], &[2]);
    assert!(eager::unary(UnaryOp::Neg, &bools).is_err());
}

#[test]
fn in_place_ops_check_dtype_and_shape() {
    let x = f32s(&[1.0, 2.0], &[2]);
    eager::binary_(BinaryOp::Mul, &x, Operand::Scalar(Scalar::Int(3))).unwrap();
    assert_eq!(x.to_vec::<f32>(), vec![3.0, 6.0]);
    let ints = Tensor::from_vec(vec![1i64, 2], &[2]);
    let err =
        eager::binary_(BinaryOp::Add, &ints, Operand::Scalar(Scalar::Float(0.5))).unwrap_err();
    assert_eq!(
        err.message,
        "result type Float can't be cast to the desired output type Long"
    );
    let small = f32s(&[1.0], &[1]);
    let err = eager::binary_(BinaryOp::Add, &small, Operand::Tensor(&x)).unwrap_err();
    assert_eq!(
        err.message,
        "output with shape [1] doesn't match the broadcast shape [2]"
    );
    // In place with an aliasing, transposed operand.
    let m = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], &[2, 2]);
    eager::binary_(BinaryOp::Add, &m, Operand::Tensor(&m.t().unwrap())).unwrap();
    assert_eq!(m.to_vec::<f32>(), vec![2.0, 5.0, 5.0, 8.0]);
}

#[test]
fn reductions() {
    let x = Tensor::from_vec((1..=6).map(|v| v as f32).collect(), &[2, 3]);
    let all = eager::reduce(ReduceOp::Sum, &x, None, false).unwrap();
    assert_eq!((all.shape(), all.to_vec::<f32>()), (&[][..], vec![21.0]));
    let rows = eager::reduce(ReduceOp::Sum, &x, Some(&[1]), true).unwrap();
    assert_eq!(
        (rows.shape(), rows.to_vec::<f32>()),
        (&[2usize, 1][..], vec![6.0, 15.0])
    );
    let cols = eager::reduce(ReduceOp::Mean, &x.t().unwrap(), Some(&[-1]), false).unwrap();
    assert_eq!(cols.to_vec::<f32>(), vec![2.5, 3.5, 4.5]);
    let ints = Tensor::from_vec(vec![1i32, 2, 3], &[3]);
    let s = eager::reduce(ReduceOp::Sum, &ints, None, false).unwrap();
    assert_eq!((s.dtype(), s.to_vec::<i64>()), (DType::Int64, vec![6]));
    let err = eager::reduce(ReduceOp::Mean, &ints, None, false).unwrap_err();
    assert_eq!(
        err.message,
        "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Int"
    );
    let empty = Tensor::zeros(&[0, 3], DType::Float32);
    assert_eq!(
        eager::reduce(ReduceOp::Sum, &empty, Some(&[0]), false)
            .unwrap()
            .to_vec::<f32>(),
        vec![0.0; 3]
    );
    assert!(eager::reduce(ReduceOp::Amax, &empty, Some(&[0]), false).is_err());
}

#[test]
fn arange_lengths() {
    let a = eager::arange(Scalar::Int(0), Scalar::Int(5), Scalar::Int(2), DType::Int64).unwrap();
    assert_eq!(a.to_vec::<i64>(), vec![0, 2, 4]);
    let f = eager::arange(
        Scalar::Float(0.0),
        Scalar::Float(1.0),
        Scalar::Float(0.25),
        DType::Float32,
    )
    .unwrap();
    assert_eq!(f.to_vec::<f32>(), vec![0.0, 0.25, 0.5, 0.75]);
}

#[test]
fn advanced_index_get_and_put() {
    use smelt_backends::eager::{index, index_put_, nonzero};
    let x = f32s(&(0..12).map(|v| v as f32).collect::<Vec<_>>(), &[3, 4]);
    let rows = Tensor::from_vec(vec![2i64, 0], &[2]);
    let cols = Tensor::from_vec(vec![-1i64, 1], &[2]);
    // Adjacent indexed dims keep their place; x[[2, 0], [-1, 1]] picks two elements.
    let picked = index(&x, &[Some(rows.clone()), Some(cols.clone())]).unwrap();
    assert_eq!(picked.shape(), &[2]);
    assert_eq!(picked.to_vec::<f32>(), vec![11.0, 1.0]);
    // x[:, [2, 0]] keeps dim 0 in front.
    let picked = index(&x, &[None, Some(rows.clone())]).unwrap();
    assert_eq!(picked.shape(), &[3, 2]);
    assert_eq!(picked.to_vec::<f32>(), vec![2.0, 0.0, 6.0, 4.0, 10.0, 8.0]);
    // Out of range is an IndexError naming the dim.
    let bad = Tensor::from_vec(vec![4i64], &[1]);
    let err = index(&x, &[None, Some(bad)]).unwrap_err();
    assert_eq!(err.kind, smelt_tracer::ErrorKind::Index);
    assert_eq!(
        err.message,
        "index 4 is out of bounds for dimension 1 with size 4"
    );
    // Writes go through a transposed (non-contiguous) view into the base storage.
    let base = Tensor::zeros(&[4, 3], DType::Float32);
    let view = base.transpose(0, 1).unwrap();
    index_put_(
        &view,
        &[None, Some(Tensor::from_vec(vec![0i64, 3], &[2]))],
        &f32s(&[5.0], &[1]),
        false,
    )
    .unwrap();
    assert_eq!(
        base.to_vec::<f32>(),
        vec![5.0, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 5.0, 5.0]
    );
    // accumulate sums repeated positions (what the gradient of an index needs).
    let acc = Tensor::zeros(&[3], DType::Int64);
    let idx = Tensor::from_vec(vec![1i64, 1, 2, 1], &[4]);
    index_put_(
        &acc,
        &[Some(idx)],
        &Tensor::from_vec(vec![1i64, 2, 3, 4], &[4]),
        true,
    )
    .unwrap();
    assert_eq!(acc.to_vec::<i64>(), vec![0, 7, 3]);
    // Zero-size index: an empty result of the right shape.
    let none = Tensor::from_vec(Vec::<i64>::new(), &[0]);
    assert_eq!(index(&x, &[Some(none)]).unwrap().shape(), &[0, 4]);
    // nonzero: one row of coordinates per non-zero element, also for 0-dim and empty inputs.
    let mask = Tensor::from_vec(vec![0i64, 3, 0, 0, 0, 7], &[2, 3]);
    let coords = nonzero(&mask).unwrap();
    assert_eq!(coords.shape(), &[2, 2]);
    assert_eq!(coords.to_vec::<i64>(), vec![0, 1, 1, 2]);
    assert_eq!(
        nonzero(&Tensor::from_vec(vec![true], &[])).unwrap().shape(),
        &[1, 0]
    );
    assert_eq!(
        nonzero(&Tensor::zeros(&[0, 3], DType::Bool))
            .unwrap()
            .shape(),
        &[0, 2]
    );
}
