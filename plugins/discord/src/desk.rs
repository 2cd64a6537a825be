//! The desk's commands: views of the engine (`/status`, `/positions`, `/pnl`, `/price`) and
//! orders (`/buy`, `/sell`, `/pause`, `/resume`, `/kill`). Anything that trades asks first:
//! an ephemeral message with buttons only the asker sees, good once and for five minutes;
//! the press runs the order and replaces the buttons with the engine's answer, and how the
//! order ended (the fill, or why not) follows to the asker through the interaction's token.

use kestrel_plugin_sdk::amount::{decimal, parse_sol, sol};
use kestrel_plugin_sdk::mint::{is_mint, short};
use kestrel_plugin_sdk::{CommandError, WebhookResponse, engine, kv};
use serde_json::{Value, json};

use crate::Discord;
use crate::embed::{BLUE, Embed, GREEN, PURPLE, RED};
use crate::interaction::{
    AUTOCOMPLETE_RESULT, Interaction, Options, UPDATE_MESSAGE, buttons, deferred, message, reply,
    respond,
};
use crate::jobs::{Job, Work};
use crate::text::{pnl_sol, quote_amount};

/// How long a confirmation's buttons work.
const CONFIRM_MS: u64 = 5 * 60 * 1_000;
/// Confirmations held at once; the oldest go first.
const MAX_PENDING: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Order {
    Buy { mint: String, lamports: u64 },
    Sell { mint: String, percent: u8 },
    Kill { sell_all: bool },
}

impl Order {
    fn label(&self) -> String {
        match self {
            Order::Buy { lamports, .. } => format!("Buy {} SOL", sol(*lamports)),
            Order::Sell { percent, .. } => format!("Sell {percent} %"),
            Order::Kill { sell_all: false } => "Halt".into(),
            Order::Kill { sell_all: true } => "Halt and sell all".into(),
        }
    }

    fn mint(&self) -> Option<&str> {
        match self {
            Order::Buy { mint, .. } | Order::Sell { mint, .. } => Some(mint),
            Order::Kill { .. } => None,
        }
    }
}

struct Pending {
    nonce: u32,
    user: String,
    choices: Vec<Order>,
    expires_ms: u64,
}

/// Orders offered and not yet pressed.
#[derive(Default)]
pub struct Confirmations {
    next: u32,
    pending: Vec<Pending>,
}

impl Confirmations {
    /// Nonces start from `seed` (the clock at start): a button left from before a restart
    /// does not match a new prompt's nonce.
    pub fn seeded(seed: u64) -> Self {
        Self {
            // Truncation intended: any 32 bits of the clock will do.
            next: (seed ^ (seed >> 32)) as u32,
            pending: Vec::new(),
        }
    }

    pub fn offer(&mut self, user: &str, choices: Vec<Order>, now: u64) -> u32 {
        self.pending.retain(|p| p.expires_ms > now);
        if self.pending.len() >= MAX_PENDING {
            self.pending.remove(0);
        }
        self.next = self.next.wrapping_add(1);
        self.pending.push(Pending {
            nonce: self.next,
            user: user.to_owned(),
            choices,
            expires_ms: now + CONFIRM_MS,
        });
        self.next
    }

    /// The choices of `nonce`, if `user` was offered them and they have not expired; taken,
    /// so a second press finds nothing.
    pub fn take(&mut self, nonce: u32, user: &str, now: u64) -> Option<Vec<Order>> {
        let i = self
            .pending
            .iter()
            .position(|p| p.nonce == nonce && p.user == user)?;
        let p = self.pending.remove(i);
        (p.expires_ms > now).then_some(p.choices)
    }
}

/// A trader waiting to hear how their order on `mint` ended.
pub struct Awaiting {
    pub mint: String,
    /// A buy (else a sell or the kill switch's sells): a fill of the other side is not theirs.
    pub buy: bool,
    pub token: String,
    pub at_ms: u64,
}

fn error_text(e: &CommandError) -> String {
    match e {
        CommandError::NotGranted => "this bot may not do that (config)".into(),
        CommandError::BadInput(m) => m.clone(),
        CommandError::Refused(m) => m.clone(),
        CommandError::Unavailable => "the engine is not answering".into(),
    }
}

fn said(r: Result<String, CommandError>) -> String {
    match r {
        Ok(m) => {
            let mut c = m.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => "Done".into(),
            }
        }
        Err(e) => format!("Not done: {}", error_text(&e)),
    }
}

fn state_text(state: &str) -> &str {
    match state {
        "active" => "active",
        "paused" => "paused: no new entries, exits go on (/resume)",
        "halted" => "halted: the kill switch or the daily loss limit; exits go on (/resume)",
        "reducing" => "reducing: selling every position",
        other => other,
    }
}

fn embed_reply(e: Embed) -> WebhookResponse {
    respond(
        crate::interaction::CHANNEL_MESSAGE,
        Some(message("", vec![e.to_json()], Vec::new(), false)),
    )
}

pub fn status(bot: &mut Discord, _: &Interaction, _: &Options) -> WebhookResponse {
    let st = engine::status();
    let mut e = Embed::new(&format!("Trading: {}", st.trading_state), BLUE)
        .description(state_text(&st.trading_state))
        .field("Launches seen", &st.launches.to_string(), true)
        .field("Bought", &st.bought.to_string(), true)
        .field("Sold", &st.sold.to_string(), true)
        .field("Open positions", &st.open_positions.to_string(), true)
        .field("Slot", &st.slot.to_string(), true);
    if st.max_buy_lamports > 0 {
        e = e.field(
            "Largest buy allowed",
            &format!("{} SOL", sol(st.max_buy_lamports)),
            true,
        );
    }
    let bot_line = format!(
        "{}; {} messages waiting, {} invalid requests in 10 min",
        bot.me_name.as_deref().unwrap_or("bot not identified yet"),
        bot.outbox.waiting(),
        bot.rest.invalid_recent(kestrel_plugin_sdk::clock::now_ms()),
    );
    embed_reply(e.footer(&bot_line))
}

pub fn positions(_: &mut Discord, _: &Interaction, _: &Options) -> WebhookResponse {
    let ps = engine::positions();
    let mut e = Embed::new(&format!("{} open positions", ps.len()), BLUE);
    for p in &ps {
        let pnl = i128::from(p.value_lamports) - i128::from(p.cost_lamports);
        let flag = if p.graduated {
            " (graduated)"
        } else if p.selling {
            " (selling)"
        } else {
            ""
        };
        e = e.field(
            &format!("{}{flag}", short(&p.mint)),
            &format!(
                "{}\n{} tokens · cost {} SOL · now {} SOL ({} SOL)",
                p.mint,
                decimal(p.tokens, 6),
                sol(p.cost_lamports),
                sol(p.value_lamports),
                pnl_sol(i64::try_from(pnl).unwrap_or(i64::MAX))
            ),
            false,
        );
    }
    if ps.len() > 25 {
        e = e.footer(&format!("{} more not shown", ps.len() - 25));
    }
    embed_reply(e)
}

pub fn pnl(_: &mut Discord, _: &Interaction, o: &Options) -> WebhookResponse {
    let today = crate::text::day(kestrel_plugin_sdk::clock::now_ms());
    match o.str("day").filter(|d| *d != today && *d != "today") {
        None => {
            let p = engine::pnl();
            let color = if p.realized_lamports < 0 { RED } else { GREEN };
            embed_reply(
                Embed::new(&format!("Profit and loss, {today} so far"), color)
                    .field(
                        "Realized",
                        &format!("{} SOL", pnl_sol(p.realized_lamports)),
                        true,
                    )
                    .field(
                        "Unrealized",
                        &format!("{} SOL", pnl_sol(p.unrealized_lamports)),
                        true,
                    )
                    .field(
                        "Open",
                        &format!(
                            "{} positions, {} SOL at cost",
                            p.open_positions,
                            sol(p.exposure_lamports)
                        ),
                        false,
                    )
                    .field("Wallet", &format!("{} SOL", sol(p.wallet_lamports)), true),
            )
        }
        Some(day) => {
            let valid = day.len() == 10
                && day.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            if !valid {
                return reply("The day is YYYY-MM-DD (UTC), or left out for today.", true);
            }
            match kv::get(&format!("digest/{day}"))
                .ok()
                .flatten()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            {
                Some(d) => embed_reply(crate::alerts::digest_embed(&d)),
                None => reply(
                    &format!("No digest kept for {day}: the bot keeps the days it saw end."),
                    true,
                ),
            }
        }
    }
}

pub fn price(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    let Some(mint) = o.str("mint").filter(|m| is_mint(m)) else {
        return reply("That is not a mint address.", true);
    };
    // Read from the chain: may take longer than Discord waits, so the answer follows.
    bot.jobs.push_back(Job::new(
        Some(i.token.clone()),
        Work::Price(mint.to_owned()),
    ));
    deferred(false)
}

/// The curve of `mint`, as an embed.
pub fn price_embed(mint: &str) -> Result<Embed, String> {
    let c = engine::curve(mint).map_err(|e| error_text(&e))?;
    // Progress: how much of the curve's real tokens have been bought, from the
    // Global account's initial real token reserves (793.1M tokens, FACTS §1.3).
    const INITIAL_REAL_TOKENS: u64 = 793_100_000_000_000;
    let sold = INITIAL_REAL_TOKENS.saturating_sub(c.real_token_reserves);
    let progress_bps = u128::from(sold) * 10_000 / u128::from(INITIAL_REAL_TOKENS);
    Ok(Embed::new(&format!("{} on the curve", short(mint)), PURPLE)
        .description(mint)
        .field(
            "Price",
            &format!(
                "{} per 1000 tokens",
                quote_amount(&c.quote, c.price_per_billion)
            ),
            true,
        )
        .field("Market cap", &quote_amount(&c.quote, c.market_cap), true)
        .field(
            "Market cap (SOL)",
            &format!("{} SOL", sol(c.market_cap_lamports)),
            true,
        )
        .field(
            "Curve",
            &if c.complete {
                "complete: trades off the curve".to_owned()
            } else {
                format!("{}.{:02} % sold", progress_bps / 100, progress_bps % 100)
            },
            true,
        ))
}

fn confirm(
    bot: &mut Discord,
    i: &Interaction,
    prompt: &str,
    choices: Vec<Order>,
) -> WebhookResponse {
    let now = kestrel_plugin_sdk::clock::now_ms();
    let labels: Vec<String> = choices.iter().map(Order::label).collect();
    let n = bot.confirmations.offer(&i.user, choices, now);
    let mut row: Vec<(String, String, u8)> = labels
        .into_iter()
        .enumerate()
        .map(|(k, l)| (l, format!("ok:{n}:{k}"), 3))
        .collect();
    row.push(("Cancel".into(), format!("no:{n}"), 2));
    respond(
        crate::interaction::CHANNEL_MESSAGE,
        Some(message(prompt, Vec::new(), vec![buttons(&row)], true)),
    )
}

pub fn buy(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    let Some(mint) = o.str("mint").filter(|m| is_mint(m)).map(str::to_owned) else {
        return reply("That is not a mint address.", true);
    };
    let cap = engine::status().max_buy_lamports;
    let amounts = match o.str("sol") {
        Some(s) => match parse_sol(s).filter(|l| *l > 0) {
            Some(l) if cap > 0 && l > cap => {
                return reply(
                    &format!(
                        "Not sent: {} SOL is above the guardian's cap of {} SOL a buy.",
                        sol(l),
                        sol(cap)
                    ),
                    true,
                );
            }
            Some(l) => vec![l],
            None => return reply("The amount is SOL, like 0.25.", true),
        },
        None => {
            let allowed: Vec<u64> = bot
                .s
                .quick_buy
                .iter()
                .copied()
                .filter(|l| cap == 0 || *l <= cap)
                .collect();
            if allowed.is_empty() {
                return reply(
                    &format!(
                        "The guardian caps a buy at {} SOL, below every quick-buy amount: give the amount.",
                        sol(cap)
                    ),
                    true,
                );
            }
            allowed
        }
    };
    let choices = amounts
        .into_iter()
        .map(|lamports| Order::Buy {
            mint: mint.clone(),
            lamports,
        })
        .collect();
    confirm(bot, i, &format!("Buy {}?", mint), choices)
}

pub fn sell(bot: &mut Discord, i: &Interaction, o: &Options) -> WebhookResponse {
    let Some(mint) = o.str("mint").filter(|m| is_mint(m)).map(str::to_owned) else {
        return reply("That is not a mint address.", true);
    };
    let percents: Vec<u8> = match o.int("percent") {
        Some(p) => match u8::try_from(p).ok().filter(|p| (1..=100).contains(p)) {
            Some(p) => vec![p],
            None => return reply("The share is 1 to 100 percent.", true),
        },
        None => vec![25, 50, 100],
    };
    let choices = percents
        .into_iter()
        .map(|percent| Order::Sell {
            mint: mint.clone(),
            percent,
        })
        .collect();
    confirm(bot, i, &format!("Sell {}?", mint), choices)
}

pub fn kill(bot: &mut Discord, i: &Interaction, _: &Options) -> WebhookResponse {
    confirm(
        bot,
        i,
        "Kill switch: halt new entries, or halt and sell every position?",
        vec![
            Order::Kill { sell_all: false },
            Order::Kill { sell_all: true },
        ],
    )
}

pub fn pause(_: &mut Discord, i: &Interaction, _: &Options) -> WebhookResponse {
    reply(
        &format!("{} (by <@{}>)", said(engine::pause()), i.user),
        false,
    )
}

pub fn resume(_: &mut Discord, i: &Interaction, _: &Options) -> WebhookResponse {
    reply(
        &format!("{} (by <@{}>)", said(engine::resume()), i.user),
        false,
    )
}

/// A press of a confirmation's button (`ok:<nonce>:<choice>` or `no:<nonce>`).
pub fn button(bot: &mut Discord, i: &Interaction) -> WebhookResponse {
    let now = kestrel_plugin_sdk::clock::now_ms();
    let update = |text: &str| {
        respond(
            UPDATE_MESSAGE,
            Some(message(text, Vec::new(), Vec::new(), true)),
        )
    };
    let mut parts = i.custom_id().split(':');
    let (kind, nonce, choice) = (
        parts.next(),
        parts.next().and_then(|n| n.parse::<u32>().ok()),
        parts.next(),
    );
    let Some(nonce) = nonce else {
        return update("That button is not one of this bot's.");
    };
    match kind {
        Some("no") => {
            bot.confirmations.take(nonce, &i.user, now);
            update("Cancelled.")
        }
        Some("ok") => {
            let Some(choices) = bot.confirmations.take(nonce, &i.user, now) else {
                return update("That confirmation has expired or was used already.");
            };
            let Some(order) = choice
                .and_then(|c| c.parse::<usize>().ok())
                .and_then(|c| choices.get(c))
            else {
                return update("That button is not one of this bot's.");
            };
            let r = match order {
                Order::Buy { mint, lamports } => engine::buy(mint, *lamports),
                Order::Sell { mint, percent } => engine::sell(mint, *percent),
                Order::Kill { sell_all } => engine::kill(*sell_all),
            };
            let ok = r.is_ok();
            let mut text = said(r);
            if ok && let Some(mint) = order.mint() {
                text.push_str(": the fill, or why it did not go through, follows here.");
                bot.awaiting.push(Awaiting {
                    mint: mint.to_owned(),
                    buy: matches!(order, Order::Buy { .. }),
                    token: i.token.clone(),
                    at_ms: now,
                });
            }
            kestrel_plugin_sdk::log::log(
                kestrel_plugin_sdk::Level::Info,
                &format!("{} ({}) pressed {:?}: {}", i.user, i.user_name, order, text),
            );
            update(&text)
        }
        _ => update("That button is not one of this bot's."),
    }
}

/// Suggestions while a trader types `/sell`'s mint: the open positions.
pub fn autocomplete(i: &Interaction) -> WebhookResponse {
    let o = i.options();
    let typed = o
        .focused
        .as_deref()
        .and_then(|f| o.str(f))
        .unwrap_or("")
        .to_owned();
    let choices: Vec<Value> = if i.name() == "sell" {
        engine::positions()
            .into_iter()
            .filter(|p| p.mint.starts_with(&typed))
            .take(25)
            .map(|p| json!({ "name": format!("{} ({} tokens)", short(&p.mint), decimal(p.tokens, 6)), "value": p.mint }))
            .collect()
    } else {
        Vec::new()
    };
    respond(AUTOCOMPLETE_RESULT, Some(json!({ "choices": choices })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_is_good_once_for_its_asker_and_expires() {
        let mut c = Confirmations::default();
        let buy = vec![Order::Kill { sell_all: false }];
        let n = c.offer("1", buy.clone(), 0);
        assert_eq!(c.take(n, "2", 10), None, "another member cannot press it");
        assert_eq!(c.take(n, "1", 10), Some(buy.clone()));
        assert_eq!(c.take(n, "1", 10), None, "a second press finds nothing");
        let n = c.offer("1", buy.clone(), 0);
        assert_eq!(c.take(n, "1", CONFIRM_MS + 1), None, "expired");
        // After a restart nonces start elsewhere: an old button matches no new prompt.
        let before = Confirmations::seeded(1_764_745_000_000).offer("1", buy.clone(), 0);
        let after = Confirmations::seeded(1_764_745_060_000).offer("1", buy, 0);
        assert_ne!(before, after);
    }
}
