//! Engine events the operator opted into (`events = "digest, profit, state"`), turned into
//! posts by their templates. Each carries an idempotency key from the event itself (the
//! day, the fill's signature), and its figures come from the event, which is the journal's
//! record: the checks refuse any other figure, in the template or in a later edit.

use kestrel_plugin_sdk::amount::{decimal, signed_sol, sol};
use kestrel_plugin_sdk::mint::short;
use kestrel_plugin_sdk::{Event, engine};

use crate::queue::Queue;

pub fn on_event(q: &mut Queue, e: &Event, now: u64) {
    match e {
        Event::Digest(d) => {
            let values = [
                ("day", d.day.clone()),
                ("launches", d.launches.to_string()),
                ("bought", d.bought.to_string()),
                ("sold", d.sold.to_string()),
                ("realized", signed_sol(d.realized_lamports)),
                ("open", d.open_positions.to_string()),
                ("wallet", sol(d.wallet_lamports)),
            ];
            q.event_post("digest", &values, format!("digest:{}", d.day), now);
        }
        Event::Fill(f) if !f.is_buy => {
            let Some(realized) = f.realized_lamports.filter(|r| *r > 0) else {
                return;
            };
            // What the sold tokens cost: received less the gain.
            let gain = realized.unsigned_abs();
            let cost = f.sol_lamports.saturating_sub(gain);
            if cost == 0 {
                return;
            }
            let bps =
                u64::try_from(u128::from(gain) * 10_000 / u128::from(cost)).unwrap_or(u64::MAX);
            if bps < q.s.profit_min_bps {
                return;
            }
            // A position closed, not a part sold.
            if !q.s.events.iter().any(|e| e == "profit")
                || engine::positions().iter().any(|p| p.mint == f.mint)
            {
                return;
            }
            // A coin's name is whatever its launcher chose: only plain letters, digits and
            // spaces of it are quoted (no links, mentions, tags or figures).
            let coin = engine::recent_launches(200)
                .into_iter()
                .find(|l| l.mint == f.mint)
                .map(|l| plain_name(&l.name))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| short(&f.mint));
            let values = [
                ("coin", coin),
                ("mint", f.mint.clone()),
                ("gain", decimal(bps, 2)),
                ("realized", sol(gain)),
                ("why", f.why.replace('_', " ")),
            ];
            q.event_post("profit", &values, format!("profit:{}", f.signature), now);
        }
        Event::StateChanged(s) => {
            q.event_post(
                "state",
                &[("state", s.clone())],
                format!("state:{s}:{}", now / 60_000),
                now,
            );
        }
        _ => {}
    }
}

/// A name cut to letters and spaces, 24 characters at most.
fn plain_name(name: &str) -> String {
    let kept: String = name
        .chars()
        .filter(|c| c.is_alphabetic() || c.is_whitespace())
        .collect();
    let words = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    words
        .chars()
        .take(24)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_coin_name_keeps_only_letters_and_spaces() {
        assert_eq!(
            super::plain_name("  Moon $DOG @rug https://x.co 100x "),
            "Moon DOG rug httpsxco x"
        );
        assert_eq!(super::plain_name("12345"), "");
    }
}
