//! Engine events as embeds for the alerts channel: fills (side, size, price, fees, realized
//! PnL on a sell, a link to the transaction), exits with their reason, trading-state
//! changes, alerts, the daily digest (kept for `/pnl <day>`), and new launches when the
//! operator asks for them. A trader waiting on an order hears how it ended through the
//! interaction's token.

use kestrel_plugin_sdk::amount::{decimal, sol};
use kestrel_plugin_sdk::mint::short;
use kestrel_plugin_sdk::{Event, clock, kv};
use serde_json::{Value, json};

use crate::Discord;
use crate::embed::{BLUE, Embed, GREEN, GREY, ORANGE, PURPLE, RED};
use crate::interaction::{EPHEMERAL, message};
use crate::outbox::{Followup, TOKEN_LIFE_MS};
use crate::text::{pnl_sol, quote_amount};

pub fn digest_embed(d: &Value) -> Embed {
    let realized = d["realized_lamports"].as_i64().unwrap_or(0);
    Embed::new(
        &format!("Day {}", d["day"].as_str().unwrap_or("?")),
        if realized < 0 { RED } else { GREEN },
    )
    .field("Realized", &format!("{} SOL", pnl_sol(realized)), true)
    .field(
        "Launches seen",
        &d["launches"].as_u64().unwrap_or(0).to_string(),
        true,
    )
    .field(
        "Bought",
        &d["bought"].as_u64().unwrap_or(0).to_string(),
        true,
    )
    .field("Sold", &d["sold"].as_u64().unwrap_or(0).to_string(), true)
    .field(
        "Open positions",
        &d["open_positions"].as_u64().unwrap_or(0).to_string(),
        true,
    )
    .field(
        "Wallet",
        &format!("{} SOL", sol(d["wallet_lamports"].as_u64().unwrap_or(0))),
        true,
    )
}

/// An event as an embed, and the mint whose waiting traders should hear of it.
pub fn embed(bot: &Discord, e: &Event) -> (Embed, Option<String>) {
    match e {
        Event::Fill(f) => {
            let side = if f.is_buy { "Bought" } else { "Sold" };
            let color = match f.realized_lamports {
                Some(r) if r < 0 => RED,
                Some(_) => GREEN,
                None => BLUE,
            };
            // The price per 1000 tokens (10^9 base units), in the quote: integers only.
            let per_thousand = if f.tokens == 0 {
                0
            } else {
                u64::try_from(u128::from(f.quote_amount) * 1_000_000_000 / u128::from(f.tokens))
                    .unwrap_or(u64::MAX)
            };
            let mut em = Embed::new(&format!("{side} {}", short(&f.mint)), color)
                .url(bot.s.explorer_link(&f.signature))
                .description(&f.mint)
                .field("Size", &format!("{} tokens", decimal(f.tokens, 6)), true)
                .field(
                    if f.is_buy { "Paid" } else { "Received" },
                    &format!("{} SOL", sol(f.sol_lamports)),
                    true,
                )
                .field(
                    "Price",
                    &format!("{} / 1000 tokens", quote_amount(&f.quote, per_thousand)),
                    true,
                )
                .field(
                    "Fees",
                    &format!(
                        "{} + network {} SOL",
                        quote_amount(&f.quote, f.fees),
                        sol(f.network_fee_lamports)
                    ),
                    true,
                )
                .field(
                    "Market cap",
                    &format!("{} SOL", sol(f.market_cap_lamports)),
                    true,
                );
            if let Some(r) = f.realized_lamports {
                em = em.field("Realized", &format!("{} SOL", pnl_sol(r)), true);
            }
            (em.footer(&format!("why: {}", f.why)), Some(f.mint.clone()))
        }
        Event::Exit(x) => (
            Embed::new(&format!("Exit of {}", short(&x.mint)), ORANGE)
                .description(&x.mint)
                .field("Reason", &x.reason, true),
            None,
        ),
        Event::StateChanged(s) => (Embed::new(&format!("Trading state: {s}"), PURPLE), None),
        Event::Alert(a) => (Embed::new("Alert", RED).description(a), None),
        Event::Launch(l) => (
            Embed::new(&format!("Launch: {} ({})", l.name, l.symbol), GREY)
                .description(&l.mint)
                .field("Quote", &l.quote, true)
                .field(
                    "Market cap",
                    &format!("{} SOL", sol(l.market_cap_lamports)),
                    true,
                )
                .field("Creator", &short(&l.creator), true),
            None,
        ),
        Event::Digest(d) => (
            digest_embed(&json!({
                "day": d.day, "launches": d.launches, "bought": d.bought, "sold": d.sold,
                "realized_lamports": d.realized_lamports, "open_positions": d.open_positions,
                "wallet_lamports": d.wallet_lamports,
            })),
            None,
        ),
    }
}

pub fn on_event(bot: &mut Discord, e: &Event) {
    if let Event::Digest(d) = e {
        let v = json!({
            "day": d.day, "launches": d.launches, "bought": d.bought, "sold": d.sold,
            "realized_lamports": d.realized_lamports, "open_positions": d.open_positions,
            "wallet_lamports": d.wallet_lamports,
        });
        let _ = kv::set(&format!("digest/{}", d.day), v.to_string().as_bytes());
    }
    let (em, mint) = embed(bot, e);
    // A refusal comes as an alert naming the mint: the trader who asked hears it too.
    let about = match (e, mint) {
        (Event::Alert(a), None) => bot
            .awaiting
            .iter()
            .find(|w| a.contains(&w.mint))
            .map(|w| w.mint.clone()),
        (_, m) => m,
    };
    let now = clock::now_ms();
    bot.awaiting
        .retain(|w| now.saturating_sub(w.at_ms) < TOKEN_LIFE_MS);
    // A fill is told to those waiting on that side of that mint; a refusal (an alert naming
    // the mint) to all waiting on it.
    let side = match e {
        Event::Fill(f) => Some(f.is_buy),
        _ => None,
    };
    if let Some(m) = about {
        let (waiting, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut bot.awaiting)
            .into_iter()
            .partition(|w| w.mint == m && side.is_none_or(|buy| buy == w.buy));
        bot.awaiting = rest;
        for w in waiting {
            let mut data = message("", vec![em.to_json()], Vec::new(), true);
            data["flags"] = json!(EPHEMERAL);
            bot.outbox.followup(Followup::Post {
                token: w.token,
                data,
                at_ms: w.at_ms,
            });
        }
    }
    if let Some(c) = bot.s.alerts_channel.clone() {
        bot.outbox.post(&c, em);
    }
}
