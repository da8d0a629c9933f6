//! Walking strided layouts. Every eager kernel reduces to "for each innermost run of
//! elements, here are the start offsets and strides of each operand": dims are first
//! coalesced where all operands are contiguous across them, so contiguous tensors become
//! one long run and the inner loop is a plain slice loop the compiler can vectorise.

/// Calls `row(starts, steps, len)` for every innermost run of a `shape`-shaped iteration
/// over `N` operands with the given element strides. Offsets are in elements, relative to
/// each operand's first element.
pub fn for_each_row<const N: usize>(
    shape: &[usize],
    strides: [&[isize]; N],
    mut row: impl FnMut([isize; N], [isize; N], usize),
) {
    if shape.contains(&0) {
        return;
    }
    // (size, strides) per dim, outermost first, size-1 dims dropped.
    let mut dims: Vec<(usize, [isize; N])> = Vec::with_capacity(shape.len());
    for (d, &size) in shape.iter().enumerate() {
        if size == 1 {
            continue;
        }
        let s: [isize; N] = std::array::from_fn(|k| strides[k][d]);
        if let Some(last) = dims.last_mut() {
            // Merge the previous (outer) dim into this one when every operand steps over
            // this dim's whole extent exactly once per outer step.
            if (0..N).all(|k| last.1[k] == s[k] * size as isize) {
                last.0 *= size;
                last.1 = s;
                continue;
            }
        }
        dims.push((size, s));
    }
    let Some(&(inner_len, inner_steps)) = dims.last() else {
        row([0; N], [0; N], 1);
        return;
    };
    let outer = &dims[..dims.len() - 1];
    let mut index = vec![0usize; outer.len()];
    let mut starts = [0isize; N];
    loop {
        row(starts, inner_steps, inner_len);
        // Odometer increment over the outer dims.
        let mut d = outer.len();
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            index[d] += 1;
            for (start, step) in starts.iter_mut().zip(outer[d].1) {
                *start += step;
            }
            if index[d] < outer[d].0 {
                break;
            }
            for (start, step) in starts.iter_mut().zip(outer[d].1) {
                *start -= step * outer[d].0 as isize;
            }
            index[d] = 0;
        }
    }
}

/// Calls `lane(starts, steps, len)` for every 1-D lane along `dim`: each lane is all the
/// elements that differ only in their `dim` index. Kernels that scan, sort or gather along a
/// dim walk lanes.
pub fn for_each_lane<const N: usize>(
    shape: &[usize],
    strides: [&[isize]; N],
    dim: usize,
    mut lane: impl FnMut([isize; N], [isize; N], usize),
) {
    let without = |v: &[isize]| -> Vec<isize> {
        v.iter()
            .enumerate()
            .filter(|(d, _)| *d != dim)
            .map(|(_, s)| *s)
            .collect()
    };
    let outer_shape: Vec<usize> = shape
        .iter()
        .enumerate()
        .filter(|(d, _)| *d != dim)
        .map(|(_, s)| *s)
        .collect();
    let outer: [Vec<isize>; N] = std::array::from_fn(|k| without(strides[k]));
    let steps: [isize; N] = std::array::from_fn(|k| strides[k][dim]);
    let outer_refs: [&[isize]; N] = std::array::from_fn(|k| outer[k].as_slice());
    for_each_row(&outer_shape, outer_refs, |starts, row_steps, n| {
        for i in 0..n as isize {
            lane(
                std::array::from_fn(|k| starts[k] + i * row_steps[k]),
                steps,
                shape[dim],
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::for_each_row;

    #[test]
    fn contiguous_is_one_run() {
        let mut rows = vec![];
        for_each_row(&[2, 3, 4], [&[12, 4, 1], &[12, 4, 1]], |s, st, n| {
            rows.push((s, st, n))
        });
        assert_eq!(rows, vec![([0, 0], [1, 1], 24)]);
    }

    #[test]
    fn transposed_and_broadcast_operands() {
        let mut offsets = vec![];
        for_each_row(&[2, 3], [&[3, 1], &[1, 2], &[0, 1]], |s, st, n| {
            for i in 0..n as isize {
                offsets.push([s[0] + i * st[0], s[1] + i * st[1], s[2] + i * st[2]]);
            }
        });
        assert_eq!(
            offsets,
            vec![
                [0, 0, 0],
                [1, 2, 1],
                [2, 4, 2],
                [3, 1, 0],
                [4, 3, 1],
                [5, 5, 2]
            ]
        );
    }

    #[test]
    fn zero_dim_and_empty() {
        let mut calls = 0;
        for_each_row::<1>(&[], [&[]], |_, _, n| calls += n);
        assert_eq!(calls, 1);
        for_each_row::<1>(&[3, 0], [&[0, 1]], |_, _, n| calls += n);
        assert_eq!(calls, 1);
    }
}
