//! Machine code as text, for `TORCH_LOGS=output_code`, `smelt dump` and snapshots.

use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};

use super::emit::{Code, Target};

pub fn disassemble(code: &Code, target: Target) -> String {
    match target {
        Target::X64Avx2 => x64(code),
    }
}

fn x64(code: &Code) -> String {
    let mut out = String::new();
    let mut decoder = Decoder::with_ip(64, &code.bytes[..code.text_len], 0, DecoderOptions::NONE);
    let mut fmt = IntelFormatter::new();
    fmt.options_mut().set_first_operand_char_index(10);
    let mut text = String::new();
    for ins in &mut decoder {
        text.clear();
        fmt.format(&ins, &mut text);
        out.push_str(&format!("  {:04x}  {text}\n", ins.ip()));
    }
    out.push_str(&format!(
        "  {:04x}  ; constants: {} bytes\n",
        code.text_len,
        code.bytes.len() - code.text_len
    ));
    out
}
