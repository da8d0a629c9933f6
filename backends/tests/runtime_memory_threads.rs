//! The caching allocator, the thread-count setting and the attention kernel.

use smelt_backends::eager;
use smelt_backends::{Tensor, host_pool, threads};

#[test]
fn freed_blocks_are_handed_out_again_and_zeroed_on_request() {
    let nbytes = 100_000;
    let first = host_pool::allocate(nbytes, false);
    let at = first.ptr;
    assert!(first.len >= nbytes && first.len <= nbytes + nbytes / 4 + 64);
    // SAFETY: the block spans `len` writable bytes.
    unsafe { at.as_ptr().write_bytes(0xAB, nbytes) };
    host_pool::release(first);
    // The same size class comes back as the same block; asked for zeros, it is zeroed.
    let again = host_pool::allocate(nbytes - 7, true);
    assert_eq!(again.ptr, at);
    // SAFETY: as above.
    let bytes = unsafe { std::slice::from_raw_parts(again.ptr.as_ptr(), nbytes - 7) };
    assert!(bytes.iter().all(|&b| b == 0));
    host_pool::release(again);
    assert!(host_pool::cached_bytes() > 0);
    assert!(host_pool::empty_cache() > 0);
    assert_eq!(host_pool::cached_bytes(), 0);
}

#[test]
fn tensors_made_after_a_free_start_at_zero() {
    let big = Tensor::from_vec(vec![7.0f32; 50_000], &[50_000]);
    drop(big);
    let z = Tensor::zeros(&[50_000], smelt_tracer::DType::Float32);
    assert!(z.to_vec::<f32>().iter().all(|&x| x == 0.0));
}

#[test]
fn work_splits_into_at_most_the_thread_count() {
    threads::set(3);
    assert_eq!(threads::get(), 3);
    assert_eq!(threads::parts(10, 100), 1);
    assert_eq!(threads::parts(1000, 100), 3);
    assert_eq!(threads::parts(250, 100), 2);
    let seen = std::sync::Mutex::new(vec![]);
    threads::for_ranges(1000, 100, |r| seen.lock().unwrap().push(r));
    let mut ranges = seen.into_inner().unwrap();
    ranges.sort_by_key(|r| r.start);
    assert_eq!(ranges.len(), 3);
    assert_eq!(ranges.first().unwrap().start, 0);
    assert_eq!(ranges.last().unwrap().end, 1000);
    assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
    threads::set(1);
    assert_eq!(threads::parts(1 << 20, 1), 1);
    threads::set(0);
    assert_eq!(threads::get(), 1, "at least one thread");
}

/// softmax(scale * q k^T [causal]) v in f64, one head at a time.
#[allow(clippy::too_many_arguments)]
fn attention_reference(
    q: &[f64],
    k: &[f64],
    v: &[f64],
    heads: usize,
    l: usize,
    s: usize,
    e: usize,
    causal: bool,
) -> Vec<f64> {
    let scale = 1.0 / (e as f64).sqrt();
    let mut out = vec![0.0; heads * l * e];
    for h in 0..heads {
        for i in 0..l {
            let seen = if causal { i + 1 } else { s };
            let scores: Vec<f64> = (0..seen)
                .map(|j| {
                    (0..e)
                        .map(|c| q[(h * l + i) * e + c] * k[(h * s + j) * e + c])
                        .sum::<f64>()
                        * scale
                })
                .collect();
            let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = scores.iter().map(|x| (x - max).exp()).sum();
            for c in 0..e {
                out[(h * l + i) * e + c] = (0..seen)
                    .map(|j| (scores[j] - max).exp() / sum * v[(h * s + j) * e + c])
                    .sum();
            }
        }
    }
    out
}

#[test]
fn attention_matches_its_definition() {
    let (heads, l, e) = (3, 5, 4);
    let data = |n: usize, seed: f64| -> Vec<f64> {
        (0..n).map(|i| ((i as f64 + seed) * 0.731).sin()).collect()
    };
    let (q, k, v) = (
        data(heads * l * e, 0.1),
        data(heads * l * e, 2.3),
        data(heads * l * e, 4.7),
    );
    for causal in [false, true] {
        let want = attention_reference(&q, &k, &v, heads, l, l, e, causal);
        let t = |x: &[f64]| Tensor::from_vec(x.to_vec(), &[1, heads, l, e]);
        let (out, lse) =
            eager::sdpa(&t(&q), &t(&k), &t(&v), causal, 1.0 / (e as f64).sqrt()).unwrap();
        assert_eq!(lse.shape(), &[1, heads, l]);
        assert_eq!(lse.strides(), &[(l * heads) as isize, 1, heads as isize]);
        let got = out.to_vec::<f64>();
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        // The backward of sum(out * g) against central differences in q.
        let g: Vec<f64> = data(heads * l * e, 9.9);
        let (dq, _, _) = eager::sdpa_backward(
            &t(&g),
            &t(&q),
            &t(&k),
            &t(&v),
            &out,
            &lse,
            causal,
            1.0 / (e as f64).sqrt(),
        )
        .unwrap();
        let dq = dq.contiguous().to_vec::<f64>();
        let loss = |q: &[f64]| -> f64 {
            attention_reference(q, &k, &v, heads, l, l, e, causal)
                .iter()
                .zip(&g)
                .map(|(o, g)| o * g)
                .sum()
        };
        for at in [0, 7, heads * l * e - 1] {
            let (mut up, mut down) = (q.clone(), q.clone());
            up[at] += 1e-6;
            down[at] -= 1e-6;
            let numeric = (loss(&up) - loss(&down)) / 2e-6;
            assert!(
                (dq[at] - numeric).abs() < 1e-6,
                "dq[{at}] {} vs {numeric}",
                dq[at]
            );
        }
    }
}
