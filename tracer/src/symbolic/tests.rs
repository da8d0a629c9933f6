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

#[test]
fn prints_as_sympy_for_the_corpus() {
    let mut failures = Vec::new();
    let mut total = 0;
    for line in CORPUS.lines() {
        let (program, expected) = line.split_once('\t').expect("PROGRAM<TAB>PRINTED");
        total += 1;
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
fn overflow_is_an_error_not_a_panic() {
    let big = Expr::int(i128::MAX);
    assert!(big.add(&Expr::int(1)).is_err());
    assert!(Expr::int(10).pow(200).is_err());
}
