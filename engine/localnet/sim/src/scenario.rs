//! Seeded, repeatable market activity: launches at a set rate by a pool of creators, and
//! synthetic traders whose flow on each launch follows a shape (pump then dump, slow grind,
//! instant rug, dead launch, run to graduation). Everything goes through the same transaction
//! pipeline as a client's: signed transactions, real fees, real logs.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;
use tokio::sync::watch;

use kestrel_pump::ids::{
    BUYBACK_FEE_RECIPIENT_0, FEE_RECIPIENT_0, TOKEN_2022_PROGRAM, TOKEN_PROGRAM,
};
use kestrel_pump::ids::{
    BUYBACK_FEE_RECIPIENTS, FEE_RECIPIENTS, RESERVED_FEE_RECIPIENTS, USDC_MINT,
};
use kestrel_pump::instruction::{
    self as pump_ix, TradeAccounts, TradeInputs, V2Accounts, V2Inputs,
};
use kestrel_pump::pda;
use kestrel_units::{Lamports, QuoteAmount, TokenAmount};

use crate::cluster::{Cluster, seeded_keypair};
use crate::ledger::account::rent_exempt_minimum;
use crate::ledger::programs::{ata, system, token::TokenAccount};

const SOL: u64 = 1_000_000_000;

/// `config/scenarios/default.toml`, built in for when that file is not at hand.
pub const DEFAULT_SCENARIO_TOML: &str = include_str!("../../../../config/scenarios/default.toml");
pub const DEFAULT_SCENARIO_PATH: &str = "config/scenarios/default.toml";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// Buyers pile in for a while, then everyone sells.
    PumpThenDump,
    /// Small buys, tick after tick, with the odd sell.
    SlowGrind,
    /// The creator buys big with the create and sells it all at once.
    InstantRug,
    /// Nobody trades.
    Dead,
    /// Buying until the curve completes.
    Graduation,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapeWeight {
    pub shape: Shape,
    pub weight: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenProgramChoice {
    Spl,
    Token2022,
    Mixed,
}

/// A scenario file (`config/scenarios/*.toml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A new launch this often.
    pub launch_every_ms: u64,
    /// Stop launching after this many (0: no limit).
    #[serde(default)]
    pub launches: u64,
    /// Traders act on live launches this often.
    pub trade_every_ms: u64,
    pub creators: u32,
    pub traders: u32,
    pub token_program: TokenProgramChoice,
    /// Lamports each synthetic buy spends, low and high.
    pub buy_lamports_min: u64,
    pub buy_lamports_max: u64,
    /// Lamports the creator buys with the create (0: none; instant rugs always buy).
    #[serde(default)]
    pub dev_buy_lamports: u64,
    pub shapes: Vec<ShapeWeight>,
    /// Shares of launches (0 to 1, summing to at most 1) that are mayhem coins, cashback coins
    /// and USDC-quoted coins, all `create_v2` coins; the rest are plain SOL coins.
    #[serde(default)]
    pub mayhem_share: f64,
    #[serde(default)]
    pub cashback_share: f64,
    #[serde(default)]
    pub usdc_share: f64,
}

impl Scenario {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_toml(&text, &path.display().to_string())
    }

    pub fn from_toml(text: &str, origin: &str) -> Result<Self, String> {
        let s: Scenario =
            toml::from_str(text).map_err(|e| format!("{origin}: {}", e.to_string().trim()))?;
        if s.launch_every_ms == 0 || s.trade_every_ms == 0 {
            return Err(format!(
                "{origin}: launch_every_ms and trade_every_ms must be at least 1"
            ));
        }
        if s.creators == 0 || s.traders == 0 {
            return Err(format!("{origin}: creators and traders must be at least 1"));
        }
        if s.buy_lamports_min == 0 || s.buy_lamports_min > s.buy_lamports_max {
            return Err(format!(
                "{origin}: need 0 < buy_lamports_min <= buy_lamports_max"
            ));
        }
        let shares = [s.mayhem_share, s.cashback_share, s.usdc_share];
        if shares.iter().any(|x| !(0.0..=1.0).contains(x)) || shares.iter().sum::<f64>() > 1.0 {
            return Err(format!(
                "{origin}: mayhem_share, cashback_share and usdc_share lie in 0..=1 and sum to at most 1"
            ));
        }
        if s.shapes.is_empty() || s.shapes.iter().all(|w| w.weight == 0) {
            return Err(format!(
                "{origin}: shapes needs at least one positive weight"
            ));
        }
        Ok(s)
    }
}

/// What kind of coin a launch is (docs/protocol.md §1.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CoinKind {
    Sol,
    /// Trades pay a reserved fee recipient.
    Mayhem,
    /// Sells take the user's volume accumulator.
    Cashback,
    /// Quoted in USDC: traded with the v2 instructions, paid from the wallets' USDC.
    Usdc,
}

struct Launch {
    mint: Pubkey,
    creator: usize,
    shape: Shape,
    token_program: Pubkey,
    kind: CoinKind,
    ticks: u32,
    done: bool,
}

/// USDC per SOL the scenario's USDC traders spend at (SOL at $150): base units per lamport.
const USDC_PER_LAMPORT: (u64, u64) = (3, 20);
/// USDC each scenario wallet gets when the scenario has USDC launches ($1M).
const SCENARIO_USDC: u64 = 1_000_000_000_000;

struct World {
    scenario: Scenario,
    cluster: Arc<Cluster>,
    rng: ChaCha8Rng,
    seed: u64,
    creators: Vec<Keypair>,
    traders: Vec<Keypair>,
    launches: Vec<Launch>,
    launched: u64,
    /// Trades sent, to spread them over the fee recipients without drawing from the rng.
    trades_sent: u64,
}

/// Runs a scenario until the cluster stops.
pub async fn run(scenario: Scenario, cluster: Arc<Cluster>, mut stop: watch::Receiver<bool>) {
    let seed = cluster.seed();
    let creators: Vec<Keypair> = (0..scenario.creators)
        .map(|i| seeded_keypair(seed, "creator", u64::from(i)))
        .collect();
    let traders: Vec<Keypair> = (0..scenario.traders)
        .map(|i| seeded_keypair(seed, "trader", u64::from(i)))
        .collect();
    for k in creators.iter().chain(&traders) {
        if let Err(e) = cluster.airdrop(&k.pubkey(), 10_000 * SOL) {
            tracing::warn!("scenario wallet funding failed: {e}");
        }
        if scenario.usdc_share > 0.0
            && let Err(e) = cluster.airdrop_usdc(&k.pubkey(), SCENARIO_USDC)
        {
            tracing::warn!("scenario wallet USDC funding failed: {e}");
        }
    }
    let mut world = World {
        rng: ChaCha8Rng::seed_from_u64(seed),
        seed,
        scenario,
        cluster,
        creators,
        traders,
        launches: Vec::new(),
        launched: 0,
        trades_sent: 0,
    };
    let mut launch_timer =
        tokio::time::interval(Duration::from_millis(world.scenario.launch_every_ms));
    let mut trade_timer =
        tokio::time::interval(Duration::from_millis(world.scenario.trade_every_ms));
    loop {
        tokio::select! {
            _ = launch_timer.tick() => world.launch(),
            _ = trade_timer.tick() => world.trade(),
            _ = stop.changed() => break,
        }
    }
}

impl World {
    fn sign_and_submit(&self, ixs: &[Instruction], payer: &Keypair, extra: &[&Keypair]) -> bool {
        let blockhash = self.cluster.latest_blockhash();
        let mut signers: Vec<&Keypair> = vec![payer];
        signers.extend_from_slice(extra);
        let tx =
            Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &signers, blockhash);
        match self.cluster.submit_own(&tx) {
            Ok(_) => true,
            Err(e) => {
                tracing::debug!("scenario transaction failed: {}", e.message());
                false
            }
        }
    }

    fn pick_shape(&mut self) -> Shape {
        let total: u32 = self.scenario.shapes.iter().map(|s| s.weight).sum();
        let mut roll = self.rng.random_range(0..total.max(1));
        for s in &self.scenario.shapes {
            if roll < s.weight {
                return s.shape;
            }
            roll -= s.weight;
        }
        Shape::Dead
    }

    fn launch(&mut self) {
        if self.scenario.launches > 0 && self.launched >= self.scenario.launches {
            return;
        }
        let creator_i = self.rng.random_range(0..self.creators.len());
        let mut shape = self.pick_shape();
        let kind = self.pick_kind();
        if kind == CoinKind::Usdc && shape == Shape::Graduation {
            // Migration moves SOL liquidity only.
            shape = Shape::PumpThenDump;
        }
        let v2 = kind != CoinKind::Sol
            || match self.scenario.token_program {
                TokenProgramChoice::Spl => false,
                TokenProgramChoice::Token2022 => true,
                TokenProgramChoice::Mixed => self.rng.random_bool(0.5),
            };
        let token_program = if v2 {
            TOKEN_2022_PROGRAM
        } else {
            TOKEN_PROGRAM
        };
        let mint_kp = seeded_keypair(self.seed, "mint", self.launched);
        let n = self.launched;
        self.launched += 1;
        let creator = self.creators.get(creator_i).map(|k| k.insecure_clone());
        let Some(creator) = creator else { return };
        let mint = mint_kp.pubkey();
        let (name, symbol) = (format!("Sim Coin {n}"), format!("SIM{n}"));
        let uri = format!("https://sim.kestrel.local/{n}.json");
        let mut ixs = Vec::new();
        let vault = pda::creator_vault(&creator.pubkey());
        if self.cluster.bank().account(&vault).is_none() {
            ixs.push(system::ix::transfer(
                &creator.pubkey(),
                &vault,
                rent_exempt_minimum(0),
            ));
        }
        ixs.push(if v2 {
            let mut create = pump_ix::create_v2(
                &mint,
                &creator.pubkey(),
                &creator.pubkey(),
                &name,
                &symbol,
                &uri,
                kind == CoinKind::Cashback,
            );
            // The data ends `is_mayhem_mode` bool, `is_cashback_enabled` OptionBool.
            let at = create.data.len().saturating_sub(2);
            if kind == CoinKind::Mayhem
                && let Some(b) = create.data.get_mut(at)
            {
                *b = 1;
            }
            if kind == CoinKind::Usdc {
                let curve = pda::bonding_curve(&mint);
                create.accounts.extend([
                    AccountMeta::new_readonly(USDC_MINT, false),
                    AccountMeta::new(
                        pda::associated_token_address(&curve, &TOKEN_PROGRAM, &USDC_MINT),
                        false,
                    ),
                    AccountMeta::new_readonly(TOKEN_PROGRAM, false),
                ]);
            }
            create
        } else {
            pump_ix::create(
                &mint,
                &creator.pubkey(),
                &creator.pubkey(),
                &name,
                &symbol,
                &uri,
            )
        });
        let dev_buy = if shape == Shape::InstantRug {
            3 * SOL
        } else {
            self.scenario.dev_buy_lamports
        };
        let coin = Coin {
            mint,
            creator: creator.pubkey(),
            token_program,
            kind,
        };
        if dev_buy > 0 {
            ixs.extend(self.buy_ixs(&creator.pubkey(), &coin, dev_buy));
        }
        if self.sign_and_submit(&ixs, &creator, &[&mint_kp]) {
            self.launches.push(Launch {
                mint,
                creator: creator_i,
                shape,
                token_program,
                kind,
                ticks: 0,
                done: shape == Shape::Dead,
            });
        }
    }

    /// The coin's kind, by the scenario's shares (no draw when every share is 0, so older
    /// scenarios replay exactly as before).
    fn pick_kind(&mut self) -> CoinKind {
        let s = &self.scenario;
        if s.mayhem_share + s.cashback_share + s.usdc_share <= 0.0 {
            return CoinKind::Sol;
        }
        let (mayhem, cashback, usdc) = (s.mayhem_share, s.cashback_share, s.usdc_share);
        let roll: f64 = self.rng.random();
        if roll < mayhem {
            CoinKind::Mayhem
        } else if roll < mayhem + cashback {
            CoinKind::Cashback
        } else if roll < mayhem + cashback + usdc {
            CoinKind::Usdc
        } else {
            CoinKind::Sol
        }
    }

    /// The next trade's fee recipients: each of the published 8 in turn (reserved ones for
    /// mayhem coins), as pump.fun asks bots to spread them (docs/protocol.md §1.7 item 8).
    fn recipients(&mut self, kind: CoinKind) -> (Pubkey, Pubkey) {
        let n = self.trades_sent;
        self.trades_sent += 1;
        let i = usize::try_from(n % 8).unwrap_or_default();
        let j = usize::try_from((n * 3 + 1) % 8).unwrap_or_default();
        let list = if kind == CoinKind::Mayhem {
            RESERVED_FEE_RECIPIENTS
        } else {
            FEE_RECIPIENTS
        };
        (list[i], BUYBACK_FEE_RECIPIENTS[j])
    }

    fn buy_ixs(&mut self, user: &Pubkey, coin: &Coin, lamports: u64) -> Vec<Instruction> {
        let (fee, buyback) = self.recipients(coin.kind);
        let create_ata = ata::ix::create_idempotent(user, user, &coin.mint, &coin.token_program);
        if coin.kind == CoinKind::Usdc {
            let usdc = lamports * USDC_PER_LAMPORT.0 / USDC_PER_LAMPORT.1;
            let v2 = usdc_v2(*user, coin, fee, buyback);
            return vec![
                create_ata,
                pump_ix::buy_exact_quote_in_v2(&v2, QuoteAmount(usdc), TokenAmount(1)),
            ];
        }
        let accounts = coin.accounts(*user, fee, buyback);
        vec![
            create_ata,
            pump_ix::buy_exact_sol_in(&accounts, Lamports(lamports), TokenAmount(1), false),
        ]
    }

    fn sell_ix(&mut self, user: &Pubkey, coin: &Coin, tokens: u64) -> Instruction {
        let (fee, buyback) = self.recipients(coin.kind);
        if coin.kind == CoinKind::Usdc {
            let v2 = usdc_v2(*user, coin, fee, buyback);
            return pump_ix::sell_v2(&v2, TokenAmount(tokens), QuoteAmount(0));
        }
        pump_ix::sell(
            &coin.accounts(*user, fee, buyback),
            TokenAmount(tokens),
            Lamports(0),
        )
    }

    fn coin(&self, l: &Launch) -> Coin {
        Coin {
            mint: l.mint,
            creator: self
                .creators
                .get(l.creator)
                .map(Keypair::pubkey)
                .unwrap_or_default(),
            token_program: l.token_program,
            kind: l.kind,
        }
    }

    fn token_balance(&self, owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> u64 {
        let ata = pda::associated_token_address(owner, token_program, mint);
        self.cluster
            .bank()
            .account(&ata)
            .and_then(|a| TokenAccount::unpack(&a.data))
            .map_or(0, |t| t.amount)
    }

    fn curve_complete(&self, mint: &Pubkey) -> bool {
        let bank = self.cluster.bank();
        bank.account(&pda::bonding_curve(mint))
            .and_then(|a| kestrel_decode::account::decode_bonding_curve(&a.data).ok())
            .is_none_or(|c| c.complete)
    }

    fn trader_buys(&mut self, i: usize, count: usize, lamports: Option<u64>) {
        let Some(coin) = self.launches.get(i).map(|l| self.coin(l)) else {
            return;
        };
        for _ in 0..count {
            let t = self.rng.random_range(0..self.traders.len());
            let amount = lamports.unwrap_or_else(|| {
                self.rng
                    .random_range(self.scenario.buy_lamports_min..=self.scenario.buy_lamports_max)
            });
            let Some(trader) = self.traders.get(t).map(Keypair::insecure_clone) else {
                continue;
            };
            let ixs = self.buy_ixs(&trader.pubkey(), &coin, amount);
            self.sign_and_submit(&ixs, &trader, &[]);
        }
    }

    fn sell_all(&mut self, i: usize, wallets: &[Keypair]) {
        let Some(coin) = self.launches.get(i).map(|l| self.coin(l)) else {
            return;
        };
        for w in wallets {
            let balance = self.token_balance(&w.pubkey(), &coin.mint, &coin.token_program);
            if balance == 0 {
                continue;
            }
            let ix = self.sell_ix(&w.pubkey(), &coin, balance);
            self.sign_and_submit(&[ix], w, &[]);
        }
    }

    fn trade(&mut self) {
        for i in 0..self.launches.len() {
            let Some(l) = self.launches.get_mut(i) else {
                continue;
            };
            if l.done {
                continue;
            }
            l.ticks += 1;
            let (shape, ticks) = (l.shape, l.ticks);
            match shape {
                Shape::Dead => {}
                Shape::InstantRug => {
                    let creator = self
                        .launches
                        .get(i)
                        .and_then(|l| self.creators.get(l.creator))
                        .map(Keypair::insecure_clone);
                    if let Some(c) = creator {
                        self.sell_all(i, &[c]);
                    }
                    self.finish(i);
                }
                Shape::PumpThenDump => {
                    if ticks <= 8 {
                        let n = self.rng.random_range(1..=3);
                        self.trader_buys(i, n, None);
                    } else {
                        let traders: Vec<Keypair> =
                            self.traders.iter().map(Keypair::insecure_clone).collect();
                        self.sell_all(i, &traders);
                        self.finish(i);
                    }
                }
                Shape::SlowGrind => {
                    let small = self.scenario.buy_lamports_min;
                    self.trader_buys(i, 1, Some(small));
                    if ticks % 5 == 0 {
                        let t = self.rng.random_range(0..self.traders.len());
                        if let Some(w) = self.traders.get(t).map(Keypair::insecure_clone) {
                            self.sell_all(i, &[w]);
                        }
                    }
                    if ticks >= 40 {
                        self.finish(i);
                    }
                }
                Shape::Graduation => {
                    self.trader_buys(i, 1, Some(20 * SOL));
                    let mint = self.launches.get(i).map(|l| l.mint).unwrap_or_default();
                    if self.curve_complete(&mint) || ticks > 20 {
                        self.finish(i);
                    }
                }
            }
        }
        self.launches.retain(|l| !l.done);
    }

    fn finish(&mut self, i: usize) {
        if let Some(l) = self.launches.get_mut(i) {
            l.done = true;
        }
    }
}

/// A launched coin, as its trades need it.
struct Coin {
    mint: Pubkey,
    creator: Pubkey,
    token_program: Pubkey,
    kind: CoinKind,
}

impl Coin {
    /// The legacy trade accounts, with the given recipients.
    fn accounts(&self, user: Pubkey, fee: Pubkey, buyback: Pubkey) -> TradeAccounts {
        TradeAccounts::derive(TradeInputs {
            mint: self.mint,
            user,
            creator: self.creator,
            token_program: self.token_program,
            fee_recipient: fee,
            buyback_fee_recipient: buyback,
            is_cashback_coin: self.kind == CoinKind::Cashback,
        })
    }
}

/// A v2 trade's accounts on a USDC coin, as kestrel-pump derives them.
fn usdc_v2(user: Pubkey, coin: &Coin, fee: Pubkey, buyback: Pubkey) -> V2Accounts {
    V2Accounts::derive(V2Inputs {
        mint: coin.mint,
        quote_mint: USDC_MINT,
        base_token_program: coin.token_program,
        quote_token_program: TOKEN_PROGRAM,
        user,
        creator: coin.creator,
        fee_recipient: fee,
        buyback_fee_recipient: buyback,
    })
}

/// The accounts of a trade on `mint`, with the published #0 fee recipients.
pub fn trade_accounts(
    user: Pubkey,
    mint: Pubkey,
    creator: Pubkey,
    token_program: Pubkey,
) -> TradeAccounts {
    TradeAccounts::derive(TradeInputs {
        mint,
        user,
        creator,
        token_program,
        fee_recipient: FEE_RECIPIENT_0,
        buyback_fee_recipient: BUYBACK_FEE_RECIPIENT_0,
        is_cashback_coin: false,
    })
}

/// Launches one SPL coin now: funds the creator's vault if it does not exist yet (as a
/// creator's first launch does), then lands `create` signed by `creator` and `mint`. For tests
/// and benches that want a launch at a moment of their choosing.
pub fn launch_coin(
    cluster: &Cluster,
    creator: &Keypair,
    mint: &Keypair,
    name: &str,
    symbol: &str,
) -> Result<solana_signature::Signature, String> {
    launch_coin_with_buy(cluster, creator, mint, name, symbol, 0)
}

/// [`launch_coin`], with the creator's own buy of `creator_buy` lamports bundled into the
/// create transaction (0: none), as many launches do.
pub fn launch_coin_with_buy(
    cluster: &Cluster,
    creator: &Keypair,
    mint: &Keypair,
    name: &str,
    symbol: &str,
    creator_buy: u64,
) -> Result<solana_signature::Signature, String> {
    let mut ixs = vec![pump_ix::create(
        &mint.pubkey(),
        &creator.pubkey(),
        &creator.pubkey(),
        name,
        symbol,
        "https://sim.kestrel.local/coin.json",
    )];
    if creator_buy > 0 {
        let user = creator.pubkey();
        let accounts = trade_accounts(user, mint.pubkey(), user, TOKEN_PROGRAM);
        ixs.push(ata::ix::create_idempotent(
            &user,
            &user,
            &mint.pubkey(),
            &TOKEN_PROGRAM,
        ));
        ixs.push(pump_ix::buy_exact_sol_in(
            &accounts,
            Lamports(creator_buy),
            TokenAmount(1),
            false,
        ));
    }
    land_launch(cluster, creator, mint, ixs)
}

/// Launches one USDC-quoted coin now (`create_v2`, Token-2022, with the quote accounts
/// USDC curves name), as [`launch_coin`] does for SOL coins.
pub fn launch_usdc_coin(
    cluster: &Cluster,
    creator: &Keypair,
    mint: &Keypair,
    name: &str,
    symbol: &str,
) -> Result<solana_signature::Signature, String> {
    let mut create = pump_ix::create_v2(
        &mint.pubkey(),
        &creator.pubkey(),
        &creator.pubkey(),
        name,
        symbol,
        "https://sim.kestrel.local/coin.json",
        false,
    );
    let curve = pda::bonding_curve(&mint.pubkey());
    create.accounts.extend([
        AccountMeta::new_readonly(USDC_MINT, false),
        AccountMeta::new(
            pda::associated_token_address(&curve, &TOKEN_PROGRAM, &USDC_MINT),
            false,
        ),
        AccountMeta::new_readonly(TOKEN_PROGRAM, false),
    ]);
    land_launch(cluster, creator, mint, vec![create])
}

/// Lands a launch's instructions signed by `creator` and `mint`, first funding the creator's
/// vault if it does not exist yet (as a creator's first launch does).
fn land_launch(
    cluster: &Cluster,
    creator: &Keypair,
    mint: &Keypair,
    launch: Vec<Instruction>,
) -> Result<solana_signature::Signature, String> {
    let vault = pda::creator_vault(&creator.pubkey());
    let mut ixs = Vec::with_capacity(launch.len() + 1);
    if cluster.bank().account(&vault).is_none() {
        ixs.push(system::ix::transfer(
            &creator.pubkey(),
            &vault,
            rent_exempt_minimum(0),
        ));
    }
    ixs.extend(launch);
    let tx = Transaction::new_signed_with_payer(
        &ixs,
        Some(&creator.pubkey()),
        &[creator, mint],
        cluster.latest_blockhash(),
    );
    cluster.submit_own(&tx).map_err(|e| e.message())
}

/// One scripted trade on a coin from [`launch_coin`]: a buy of `lamports` (creating the
/// trader's token account if need be), or a sell of `tokens`. For tests and benches that move
/// a price along a path of their choosing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptedTrade {
    Buy { lamports: u64 },
    Sell { tokens: u64 },
}

pub fn trade_coin(
    cluster: &Cluster,
    trader: &Keypair,
    mint: &Pubkey,
    creator: &Pubkey,
    trade: ScriptedTrade,
) -> Result<solana_signature::Signature, String> {
    let user = trader.pubkey();
    let accounts = trade_accounts(user, *mint, *creator, TOKEN_PROGRAM);
    let ixs = match trade {
        ScriptedTrade::Buy { lamports } => vec![
            ata::ix::create_idempotent(&user, &user, mint, &TOKEN_PROGRAM),
            pump_ix::buy_exact_sol_in(&accounts, Lamports(lamports), TokenAmount(1), false),
        ],
        ScriptedTrade::Sell { tokens } => {
            vec![pump_ix::sell(&accounts, TokenAmount(tokens), Lamports(0))]
        }
    };
    let tx = Transaction::new_signed_with_payer(
        &ixs,
        Some(&user),
        &[trader],
        cluster.latest_blockhash(),
    );
    cluster.submit_own(&tx).map_err(|e| e.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_launches_a_mix_of_mostly_sol_coins() {
        let s = Scenario::from_toml(DEFAULT_SCENARIO_TOML, "default.toml").unwrap();
        let shares = [s.mayhem_share, s.cashback_share, s.usdc_share];
        assert!(shares.iter().all(|&x| x > 0.0), "{shares:?}");
        assert!(
            shares.iter().sum::<f64>() < 0.5,
            "most launches are plain SOL coins"
        );
        let bad = DEFAULT_SCENARIO_TOML.replace("usdc_share = 0.10", "usdc_share = 0.90");
        assert!(Scenario::from_toml(&bad, "bad.toml").is_err());
    }
}
