//! Machine code as text, for `TORCH_LOGS=output_code`, `smelt dump` and snapshots: iced-x86
//! for x86-64, yaxpeax-arm for AArch64.

use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};

use super::emit::{Code, Target};

pub fn disassemble(code: &Code, target: Target) -> String {
    match target {
        Target::X64Avx2 | Target::X64Sse2 => x64(code),
        Target::Aarch64Neon => aarch64(code),
    }
}

fn aarch64(code: &Code) -> String {
    use yaxpeax_arch::{Decoder as _, U8Reader};
    use yaxpeax_arm::armv8::a64::InstDecoder;

    let mut out = String::new();
    let decoder = InstDecoder::default();
    for (k, word) in code.bytes[..code.text_len].chunks(4).enumerate() {
        let mut reader = U8Reader::new(word);
        let text = match decoder.decode(&mut reader) {
            Ok(ins) => ins.to_string(),
            Err(e) => format!(
                ".word {:#010x}  ; {e}",
                u32::from_le_bytes(word.try_into().unwrap_or([0; 4]))
            ),
        };
        out.push_str(&format!("  {:04x}  {text}\n", k * 4));
    }
    out.push_str(&format!(
        "  {:04x}  ; constants: {} bytes\n",
        code.text_len,
        code.bytes.len() - code.text_len
    ));
    out
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
