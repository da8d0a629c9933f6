//! The ShapeEnv's allocation of size symbols, as PyTorch 2.15's does: a symbol is named by a
//! hash of its source (`s77` is `L['x'].size()[0]`: SHA-256 of that text, modulo 100, moved up
//! past ids already taken), equal sizes share one symbol ("duck sizing") unless told
//! otherwise, and sizes 0 and 1 are specialised to constants.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};

use super::Expr;

/// The id PyTorch derives from a source name before collisions are resolved.
fn hashed_id(source_name: &str) -> u32 {
    let digest = Sha256::digest(source_name.as_bytes());
    // The digest as a big-endian integer, modulo 100.
    digest
        .iter()
        .fold(0u32, |r, &b| (r * 256 + u32::from(b)) % 100)
}

#[derive(Default, Debug)]
pub struct ShapeEnv {
    unique_ids: HashSet<u32>,
    /// Backed value of each symbol, by name.
    var_to_val: HashMap<String, i128>,
    /// Duck sizing: the symbol first made for a value.
    val_to_var: HashMap<i128, Expr>,
    /// The symbol of each source already seen.
    source_to_var: HashMap<String, Expr>,
}

impl ShapeEnv {
    pub fn new() -> ShapeEnv {
        ShapeEnv::default()
    }

    fn unique_id(&mut self, source_name: &str) -> u32 {
        let mut id = hashed_id(source_name);
        while self.unique_ids.contains(&id) {
            id += 1;
        }
        self.unique_ids.insert(id);
        id
    }

    /// The expression for a size `val` read from `source_name` (`L['x'].size()[0]`): a
    /// constant for 0 and 1 (when `specialize_zero_one`), the symbol already made for an
    /// equal size (when `duck`), or a new symbol.
    pub fn create_symbol(
        &mut self,
        source_name: &str,
        val: i128,
        duck: bool,
        specialize_zero_one: bool,
    ) -> Expr {
        if specialize_zero_one && (val == 0 || val == 1) {
            return Expr::int(val);
        }
        if duck && let Some(existing) = self.val_to_var.get(&val) {
            let existing = existing.clone();
            self.source_to_var
                .insert(source_name.to_string(), existing.clone());
            return existing;
        }
        let name = format!("s{}", self.unique_id(source_name));
        let sym = Expr::symbol(&name);
        self.var_to_val.insert(name, val);
        self.val_to_var.entry(val).or_insert_with(|| sym.clone());
        self.source_to_var
            .insert(source_name.to_string(), sym.clone());
        sym
    }

    /// The value a symbol was created for.
    pub fn value_of(&self, symbol_name: &str) -> Option<i128> {
        self.var_to_val.get(symbol_name).copied()
    }

    /// The symbol made for a source, if any.
    pub fn symbol_of(&self, source_name: &str) -> Option<&Expr> {
        self.source_to_var.get(source_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_pytorch() {
        // Ids checked against PyTorch 2.15 (hashlib's sha256 of the source name, % 100).
        let mut env = ShapeEnv::new();
        let x0 = env.create_symbol("L['x'].size()[0]", 4, true, true);
        let x1 = env.create_symbol("L['x'].size()[1]", 3, true, true);
        let y0 = env.create_symbol("L['y'].size()[0]", 5, true, true);
        assert_eq!(
            [x0.to_string(), x1.to_string(), y0.to_string()],
            ["s77", "s27", "s17"]
        );
        assert_eq!(env.value_of("s77"), Some(4));
        assert_eq!(env.symbol_of("L['y'].size()[0]"), Some(&y0));
    }

    #[test]
    fn collisions_move_up_and_duck_sizing_shares() {
        let mut env = ShapeEnv::new();
        // Both names hash to 88.
        let a = env.create_symbol("L['t12'].size()[0]", 7, true, true);
        let b = env.create_symbol("L['t18'].size()[0]", 9, true, true);
        assert_eq!((a.to_string(), b.to_string()), ("s88".into(), "s89".into()));
        // An equal size shares the symbol under duck sizing, gets its own otherwise.
        let c = env.create_symbol("L['u'].size()[0]", 7, true, true);
        assert_eq!(c, a);
        let d = env.create_symbol("L['v'].size()[0]", 7, false, true);
        assert_ne!(d, a);
    }

    #[test]
    fn zero_and_one_are_constants() {
        let mut env = ShapeEnv::new();
        assert_eq!(
            env.create_symbol("L['x'].size()[0]", 1, true, true),
            Expr::int(1)
        );
        assert_eq!(
            env.create_symbol("L['x'].size()[1]", 0, true, true),
            Expr::int(0)
        );
        assert_eq!(
            env.create_symbol("L['x'].size()[0]", 1, true, false)
                .to_string(),
            "s77"
        );
    }
}
