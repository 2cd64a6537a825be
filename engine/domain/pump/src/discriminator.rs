//! Anchor discriminators: the first 8 bytes of sha256("global:<ix>"), "event:<Name>" and
//! "account:<Name>". Values from the official IDLs (idl/pump.json, idl/pump_amm.json); the
//! tests in kestrel-decode check them against the IDL files themselves.

pub type Discriminator = [u8; 8];

pub mod instruction {
    use super::Discriminator;
    pub const CREATE: Discriminator = [24, 30, 200, 40, 5, 28, 7, 119];
    pub const CREATE_V2: Discriminator = [214, 144, 76, 236, 95, 139, 49, 180];
    pub const BUY: Discriminator = [102, 6, 61, 18, 1, 218, 235, 234];
    pub const SELL: Discriminator = [51, 230, 133, 164, 1, 127, 131, 173];
    pub const BUY_EXACT_SOL_IN: Discriminator = [56, 252, 116, 8, 158, 223, 205, 95];
    pub const BUY_V2: Discriminator = [184, 23, 238, 97, 103, 197, 211, 61];
    pub const SELL_V2: Discriminator = [93, 246, 130, 60, 231, 233, 64, 178];
    pub const BUY_EXACT_QUOTE_IN_V2: Discriminator = [194, 171, 28, 70, 104, 77, 91, 47];
    pub const MIGRATE: Discriminator = [155, 234, 231, 146, 236, 158, 162, 30];
}

pub mod event {
    use super::Discriminator;
    pub const CREATE: Discriminator = [27, 114, 169, 77, 222, 235, 99, 118];
    pub const TRADE: Discriminator = [189, 219, 127, 211, 78, 230, 97, 238];
    pub const COMPLETE: Discriminator = [95, 114, 97, 156, 212, 46, 152, 8];
    pub const COMPLETE_PUMP_AMM_MIGRATION: Discriminator = [189, 233, 93, 185, 92, 148, 234, 148];
    /// PumpSwap (pump_amm) CreatePoolEvent.
    pub const PUMP_AMM_CREATE_POOL: Discriminator = [177, 49, 12, 210, 160, 118, 167, 116];
    /// Prefix of the inner instruction data of Anchor's `emit_cpi!` self-invoke.
    pub const ANCHOR_EVENT_CPI_TAG: Discriminator = [228, 69, 165, 46, 81, 203, 154, 29];
}

pub mod account {
    use super::Discriminator;
    pub const BONDING_CURVE: Discriminator = [23, 183, 248, 55, 96, 216, 172, 96];
    pub const GLOBAL: Discriminator = [167, 232, 232, 177, 200, 108, 114, 127];
    /// PumpSwap Pool.
    pub const PUMP_AMM_POOL: Discriminator = [241, 154, 109, 4, 17, 177, 109, 188];
}
