//! SOL amounts as bots read and write them: integers of lamports, never floats. "0.25" is
//! 250 000 000 lamports; 250 000 000 lamports print as "0.25".

/// `units` of an amount with `decimals` places, trailing zeros dropped.
pub fn decimal(units: u64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals);
    let (whole, frac) = (units / scale, units % scale);
    if frac == 0 {
        return whole.to_string();
    }
    let f = format!("{frac:0width$}", width = decimals as usize);
    format!("{whole}.{}", f.trim_end_matches('0'))
}

/// Lamports as SOL: 250 000 000 → "0.25".
pub fn sol(lamports: u64) -> String {
    decimal(lamports, 9)
}

/// Signed lamports as SOL: -1 500 000 000 → "-1.5".
pub fn signed_sol(lamports: i64) -> String {
    let s = sol(lamports.unsigned_abs());
    if lamports < 0 { format!("-{s}") } else { s }
}

/// "0.25" SOL → 250 000 000 lamports; at most 9 decimals, no sign, no exponent.
pub fn parse_sol(s: &str) -> Option<u64> {
    parse_decimal(s, 9)
}

/// A decimal with at most `decimals` places as an integer of units: ("0.015", 6) → 15 000.
/// No sign, no exponent; `None` when it does not fit.
pub fn parse_decimal(s: &str, decimals: u32) -> Option<u64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let places = usize::try_from(decimals).ok()?;
    if (whole.is_empty() && frac.is_empty())
        || frac.len() > places
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<places$}").parse().ok()?
    };
    whole
        .checked_mul(10u64.checked_pow(decimals)?)?
        .checked_add(frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sol_amounts_parse_and_print_exactly() {
        assert_eq!(parse_sol("0.25"), Some(250_000_000));
        assert_eq!(parse_sol("1"), Some(1_000_000_000));
        assert_eq!(parse_sol(".5"), Some(500_000_000));
        assert_eq!(parse_sol("0.000000001"), Some(1));
        assert_eq!(parse_sol("0.0000000001"), None);
        assert_eq!(parse_sol("-1"), None);
        assert_eq!(parse_sol("1e3"), None);
        assert_eq!(parse_sol(""), None);
        assert_eq!(parse_sol("99999999999999999999"), None);
        assert_eq!(sol(250_000_000), "0.25");
        assert_eq!(sol(3_000_000_000), "3");
        assert_eq!(signed_sol(-1_500_000_000), "-1.5");
        assert_eq!(decimal(1_500_000, 6), "1.5");
        assert_eq!(parse_decimal("0.015", 6), Some(15_000));
        assert_eq!(parse_decimal("12.5", 2), Some(1_250));
        assert_eq!(parse_decimal("1.234", 2), None);
    }
}
