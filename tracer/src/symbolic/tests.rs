//! The engine against sympy: each line of tests/symbolic/sympy_corpus.txt is a construction and
//! the string sympy printed for it.

use super::{Expr, SymResult};

const CORPUS: &str = include_str!("../../../tests/symbolic/sympy_corpus.txt");

/// Evaluates a prefix program such as `(mul (add s77 1) s17)`.
fn eval(tokens: &mut std::iter::Peekable<std::vec::IntoIter<String>>) -> SymResult {
    let tok = tokens.next().expect("program is not truncated");
    if tok != "(" {
        return Ok(match tok.parse::<i128>() {
            Ok(n) => Expr::int(n),
            Err(_) => Expr::symbol(&tok),
        });
    }
    let op = tokens.next().expect("an operator after (");
    let a = eval(tokens)?;
    let out = match op.as_str() {
        "neg" => a.neg()?,
        "pow" => {
            let k: u32 = tokens
                .next()
                .and_then(|t| t.parse().ok())
                .expect("an exponent");
            a.pow(k)?
        }
        _ => {
            let b = eval(tokens)?;
            match op.as_str() {
                "add" => a.add(&b)?,
                "sub" => a.sub(&b)?,
                "mul" => a.mul(&b)?,
                "floordiv" => a.floordiv(&b).expect("a non-zero divisor")?,
                other => panic!("unknown operator {other}"),
            }
        }
    };
    assert_eq!(tokens.next().as_deref(), Some(")"));
    Ok(out)
}

fn run(program: &str) -> Option<String> {
    let spaced = program.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<String> = spaced.split_whitespace().map(String::from).collect();
    let mut it = tokens.into_iter().peekable();
    eval(&mut it).ok().map(|e| e.to_string())
}

/// Whether sympy's result holds an integer beyond what the engine represents (i128).
fn has_huge_integer(printed: &str) -> bool {
    printed
        .split(|c: char| !c.is_ascii_digit())
        .any(|digits| digits.len() > 38)
}

/// Corpus lines the engine does not match yet, each with the reason. PyTorch runs
/// `sympy.simplify` on a floor division's operands after cancelling a symbolic common factor,
/// and simplify normalises signs (`-s100*(71 - s17)` becomes `s100*(s17 - 71)`); that is not
/// emulated.
const KNOWN_GAPS: &[&str] = &[
    "(mul (floordiv (mul (neg (mul s100 s0)) (neg (add -71 s17))) s0) (neg (add (sub (sub s17 s10) (floordiv 30 2)) (add (neg s9) s77))))",
];

#[test]
fn prints_as_sympy_for_the_corpus() {
    let mut failures = Vec::new();
    let mut total = 0;
    for line in CORPUS.lines() {
        let (program, expected) = line.split_once('\t').expect("PROGRAM<TAB>PRINTED");
        total += 1;
        if KNOWN_GAPS.contains(&program) {
            assert_ne!(
                run(program).as_deref(),
                Some(expected),
                "{program} now matches: drop it from KNOWN_GAPS"
            );
            continue;
        }
        match run(program) {
            Some(got) if got == expected => {}
            // Overflow is right only where sympy's value is out of range too (it may still be
            // reached through an intermediate that is out of range).
            None if has_huge_integer(expected) => {}
            got => failures.push(format!("{program}\n  sympy: {expected}\n  smelt: {got:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} differ from sympy; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn equal_constructions_are_equal_expressions() {
    let s = |n| Expr::symbol(n);
    let a = s("s77").add(&s("s17")).unwrap();
    let b = s("s17").add(&s("s77")).unwrap();
    assert_eq!(a, b);
    let twice = a.add(&b).unwrap();
    assert_eq!(twice, Expr::int(2).mul(&a).unwrap());
    assert_eq!(a.sub(&b).unwrap(), Expr::int(0));
}

#[test]
fn floor_division_evaluates_as_pytorch() {
    let s77 = Expr::symbol("s77");
    let fd = |a: &Expr, b: i128| a.floordiv(&Expr::int(b)).unwrap().unwrap();
    assert_eq!(fd(&s77, 2).to_string(), "(s77//2)");
    assert_eq!(fd(&fd(&s77, 2), 3).to_string(), "(s77//6)");
    let four_s_plus_3 = Expr::int(4).mul(&s77).unwrap().add(&Expr::int(3)).unwrap();
    assert_eq!(fd(&four_s_plus_3, 2).to_string(), "2*s77 + 1");
    assert_eq!(fd(&Expr::int(-7), 2), Expr::int(-4));
    assert!(
        s77.floordiv(&Expr::int(0)).is_none(),
        "a zero divisor is reported, not a panic"
    );
}

#[test]
fn overflow_is_an_error_not_a_panic() {
    let big = Expr::int(i128::MAX);
    assert!(big.add(&Expr::int(1)).is_err());
    assert!(Expr::int(10).pow(200).is_err());
}
