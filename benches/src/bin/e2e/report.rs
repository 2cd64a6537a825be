//! What the harness prints: the summary of a set of latencies, the pooled tables (latency,
//! where it went, each variant's stages and housekeeping units, a line per variant), and the
//! with/without lines of `--journal` and `--hostile`.

use super::*;

pub(crate) struct Summary {
    pub(crate) count: u64,
    pub(crate) missed: u64,
    pub(crate) p50: f64,
    pub(crate) p90: f64,
    pub(crate) p99: f64,
    pub(crate) max: f64,
}

/// One line for scripts: `with` beside `without`, and the change in percent.
pub(crate) fn change_line(
    out: &mut impl std::io::Write,
    label: &str,
    with: &Summary,
    without: &Summary,
) -> Result<()> {
    let pct = |w: f64, wo: f64| if wo > 0.0 { (w - wo) / wo * 100.0 } else { 0.0 };
    writeln!(
        out,
        "{label}: p50_us={:.1} p99_us={:.1} without_p50_us={:.1} without_p99_us={:.1} p50_change_pct={:+.1} p99_change_pct={:+.1}",
        with.p50,
        with.p99,
        without.p50,
        without.p99,
        pct(with.p50, without.p50),
        pct(with.p99, without.p99)
    )?;
    Ok(())
}

pub(crate) fn summarize(ns: &[u64], expected: u64) -> Result<Summary> {
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)?;
    for v in ns {
        h.saturating_record((*v).max(1));
    }
    let us = |q: f64| h.value_at_quantile(q) as f64 / 1_000.0;
    Ok(Summary {
        count: h.len(),
        missed: expected.saturating_sub(h.len()),
        p50: us(0.5),
        p90: us(0.9),
        p99: us(0.99),
        max: h.max() as f64 / 1_000.0,
    })
}

/// The pooled tables: latency, where it went, each variant's stages, and a line per variant.
pub(crate) fn report(
    out: &mut impl std::io::Write,
    passes: &[Pass],
    pools: &[Pool],
    variants: &[Variant],
    idles: &[IdleChoice],
    expected: u64,
    rounds: u32,
) -> Result<()> {
    let ratio = |b: f64, o: f64| if o > 0.0 { b / o } else { 0.0 };
    writeln!(
        out,
        "create published → sendTransaction received (µs, loopback), pooled over {rounds} round(s)"
    )?;
    writeln!(
        out,
        "{:<18} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9}   {:>12} {:>12}   {:>11} {:>11}",
        "",
        "count",
        "missed",
        "p50",
        "p90",
        "p99",
        "max",
        "floor+ p50",
        "floor+ p99",
        "base/x p50",
        "base/x p99"
    )?;
    let summaries = pools
        .iter()
        .map(|p| summarize(&p.ns, expected))
        .collect::<Result<Vec<_>>>()?;
    let baseline = &summaries[variants.len()];
    let floor_of = |idle: IdleChoice| {
        idles
            .iter()
            .position(|i| *i == idle)
            .map(|f| &summaries[variants.len() + 1 + f])
    };
    for (p, s) in passes.iter().zip(&summaries) {
        let floor = match p {
            Pass::Kestrel(v) => floor_of(variants[*v].idle),
            Pass::Baseline => floor_of(variants[0].idle),
            Pass::Floor(_) => None,
        };
        let above = floor.map_or_else(
            || format!("{:>12} {:>12}", "", ""),
            |f| format!("{:>+12.1} {:>+12.1}", s.p50 - f.p50, s.p99 - f.p99),
        );
        let vs = match p {
            Pass::Kestrel(_) => format!(
                "{:>11.2} {:>11.2}",
                ratio(baseline.p50, s.p50),
                ratio(baseline.p99, s.p99)
            ),
            _ => String::new(),
        };
        writeln!(
            out,
            "{:<18} {:>7} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1}   {above}   {vs}",
            p.name(variants, idles),
            s.count,
            s.missed,
            s.p50,
            s.p90,
            s.p99,
            s.max
        )?;
    }
    writeln!(
        out,
        "floor: a client that only reads each create's frame and writes a buy signed in advance;"
    )?;
    writeln!(
        out,
        "floor+: above the floor under the same idle policy (baseline: the first variant's); base/x: baseline ÷ row"
    )?;
    // Where the time went: the local cluster's own share (publishing the create until its frame
    // is on the socket) and the client's (frame on the socket until its buy arrives).
    writeln!(
        out,
        "of which (µs)      cluster: publish → frame written    client: frame written → buy received"
    )?;
    for (p, pool) in passes.iter().zip(pools) {
        let (venue, own): (Vec<u64>, Vec<u64>) = pool.split.iter().copied().unzip();
        let (v, c) = (summarize(&venue, expected)?, summarize(&own, expected)?);
        writeln!(
            out,
            "{:<18} p50 {:>7.1}  p99 {:>7.1}              p50 {:>7.1}  p99 {:>7.1}",
            p.name(variants, idles),
            v.p50,
            v.p99,
            c.p50,
            c.p99
        )?;
    }
    for (p, pool) in passes.iter().zip(pools) {
        if let Pass::Kestrel(v) = p {
            writeln!(
                out,
                "{} stage table, pooled:\n{}",
                variants[*v].name(),
                kestrel_console::status::stage_table(&pool.stages)
            )?;
            if let Some(h) = &pool.housekeeping {
                writeln!(out, "{}", units_line(h))?;
            }
        }
    }
    for (p, s) in passes.iter().zip(&summaries) {
        let Pass::Kestrel(v) = p else { continue };
        let Some(f) = floor_of(variants[*v].idle) else {
            continue;
        };
        writeln!(
            out,
            "variant: layout={} idle={} p50_us={:.1} p99_us={:.1} over_floor_p50_us={:.1} over_floor_p99_us={:.1} ratio_p50={:.2} ratio_p99={:.2}",
            variants[*v].layout_name(),
            idle_name(variants[*v].idle),
            s.p50,
            s.p99,
            s.p50 - f.p50,
            s.p99 - f.p99,
            ratio(baseline.p50, s.p50),
            ratio(baseline.p99, s.p99)
        )?;
    }
    Ok(())
}

/// The inline hot thread's housekeeping units: what a frame that lands during one waits.
pub(crate) fn units_line(h: &Histogram<u64>) -> String {
    let us = |v: u64| v as f64 / 1_000.0;
    format!(
        "housekeeping units on the hot thread (a frame waits for one at most): {} units, p50 {:.1} p99 {:.1} p99.9 {:.1} max {:.1} µs\n",
        h.len(),
        us(h.value_at_quantile(0.5)),
        us(h.value_at_quantile(0.99)),
        us(h.value_at_quantile(0.999)),
        us(h.max())
    )
}

/// Each round's pair of a `--journal` or `--hostile` comparison.
pub(crate) fn print_rounds(
    out: &mut impl std::io::Write,
    label: &str,
    rounds: &[(Summary, Summary)],
) -> Result<()> {
    for (i, (without, with)) in rounds.iter().enumerate() {
        writeln!(
            out,
            "{label} round {}: without p50 {:.1} p99 {:.1}   with p50 {:.1} p99 {:.1}   (µs)",
            i + 1,
            without.p50,
            without.p99,
            with.p50,
            with.p99
        )?;
    }
    Ok(())
}
