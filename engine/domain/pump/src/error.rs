//! The errors pump.fun and PumpSwap fail with, as types: each variant's discriminant is the
//! on-chain code (`{"InstructionError":[i,{"Custom":6003}]}`), its name the IDL's, and its text
//! the IDL's `msg` (the name where the IDL gives none, as Anchor prints it). Both programs are
//! Anchor programs, so they also fail with the Anchor framework's own codes; the ones a trade
//! can meet are listed in both enums. The local cluster raises these; the engine names failures
//! with them ("sell failed: TooLittleSolReceived (6003)").
//!
//! Sources: tests/fixtures/pump_idl.json and pump_amm_idl.json (`errors`), anchor-lang's
//! error.rs for the framework codes.

/// Writes one error enum from a single list of (variant, code, message): the variants with
/// their codes as discriminants, then `code`, `name`, `from_code` and `Display` from the same
/// list, so no table can drift from another. Anchor's framework codes are prepended to each.
macro_rules! program_errors {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal => $msg:literal,)* }) => {
        program_errors!(@define $(#[$meta])* $name {
            // anchor-lang error.rs: the framework's codes a trade can meet.
            InstructionFallbackNotFound = 101 => "Fallback functions are not supported",
            InstructionDidNotDeserialize = 102 => "The program could not deserialize the given instruction",
            ConstraintMut = 2000 => "A mut constraint was violated",
            ConstraintSeeds = 2006 => "A seeds constraint was violated",
            ConstraintAddress = 2012 => "An address constraint was violated",
            ConstraintTokenMint = 2014 => "A token mint constraint was violated",
            ConstraintTokenOwner = 2015 => "A token owner constraint was violated",
            AccountNotEnoughKeys = 3005 => "Not enough account keys given to the instruction",
            AccountOwnedByWrongProgram = 3007 => "The given account is owned by a different program than expected",
            InvalidProgramId = 3008 => "Program ID was not as expected",
            AccountNotSigner = 3010 => "The given account did not sign",
            AccountNotInitialized = 3012 => "The program expected this account to be already initialized",
            $($variant = $code => $msg,)*
        });
    };
    (@define $(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal => $msg:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
        #[repr(u32)]
        pub enum $name {
            $(
                #[error("{}", $msg)]
                $variant = $code,
            )*
        }

        impl $name {
            /// Every variant, in code order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The on-chain code (`Custom(n)`).
            pub const fn code(self) -> u32 {
                self as u32
            }

            /// The variant's name, as the IDL and Anchor's log line spell it.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => stringify!($variant),)*
                }
            }

            /// The IDL's message (what `Display` prints).
            pub const fn message(self) -> &'static str {
                match self {
                    $(Self::$variant => $msg,)*
                }
            }

            /// The error a `Custom` code stands for; `None` for codes the program does not have.
            pub const fn from_code(code: u32) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

program_errors! {
    /// pump.fun's errors (program `6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P`).
    PumpError {
        NotAuthorized = 6000 => "The given account is not authorized to execute this instruction.",
        AlreadyInitialized = 6001 => "The program is already initialized.",
        TooMuchSolRequired = 6002 => "slippage: Too much SOL required to buy the given amount of tokens.",
        TooLittleSolReceived = 6003 => "slippage: Too little SOL received to sell the given amount of tokens.",
        MintDoesNotMatchBondingCurve = 6004 => "The mint does not match the bonding curve.",
        BondingCurveComplete = 6005 => "The bonding curve has completed and liquidity migrated to raydium.",
        BondingCurveNotComplete = 6006 => "The bonding curve has not completed.",
        NotInitialized = 6007 => "The program is not initialized.",
        WithdrawTooFrequent = 6008 => "Withdraw too frequent",
        NewSizeShouldBeGreaterThanCurrentSize = 6009 => "new_size should be > current_size",
        AccountTypeNotSupported = 6010 => "Account type not supported",
        InitialRealTokenReservesShouldBeLessThanTokenTotalSupply = 6011 => "initial_real_token_reserves should be less than token_total_supply",
        InitialVirtualTokenReservesShouldBeGreaterThanInitialRealTokenReserves = 6012 => "initial_virtual_token_reserves should be greater than initial_real_token_reserves",
        FeeBasisPointsGreaterThanMaximum = 6013 => "fee_basis_points greater than maximum",
        AllZerosWithdrawAuthority = 6014 => "Withdraw authority cannot be set to System Program ID",
        PoolMigrationFeeShouldBeLessThanFinalRealSolReserves = 6015 => "pool_migration_fee should be less than final_real_sol_reserves",
        PoolMigrationFeeShouldBeGreaterThanCreatorFeePlusMaxMigrateFees = 6016 => "pool_migration_fee should be greater than creator_fee + MAX_MIGRATE_FEES",
        DisabledWithdraw = 6017 => "Migrate instruction is disabled",
        DisabledMigrate = 6018 => "Migrate instruction is disabled",
        InvalidCreator = 6019 => "Invalid creator pubkey",
        BuyZeroAmount = 6020 => "Buy zero amount",
        NotEnoughTokensToBuy = 6021 => "Not enough tokens to buy",
        SellZeroAmount = 6022 => "Sell zero amount",
        NotEnoughTokensToSell = 6023 => "Not enough tokens to sell",
        Overflow = 6024 => "Overflow",
        Truncation = 6025 => "Truncation",
        DivisionByZero = 6026 => "Division by zero",
        NotEnoughRemainingAccounts = 6027 => "Not enough remaining accounts",
        AllFeeRecipientsShouldBeNonZero = 6028 => "All fee recipients should be non-zero",
        UnsortedNotUniqueFeeRecipients = 6029 => "Unsorted or not unique fee recipients",
        CreatorShouldNotBeZero = 6030 => "Creator should not be zero",
        StartTimeInThePast = 6031 => "StartTimeInThePast",
        EndTimeInThePast = 6032 => "EndTimeInThePast",
        EndTimeBeforeStartTime = 6033 => "EndTimeBeforeStartTime",
        TimeRangeTooLarge = 6034 => "TimeRangeTooLarge",
        EndTimeBeforeCurrentDay = 6035 => "EndTimeBeforeCurrentDay",
        SupplyUpdateForFinishedRange = 6036 => "SupplyUpdateForFinishedRange",
        DayIndexAfterEndIndex = 6037 => "DayIndexAfterEndIndex",
        DayInActiveRange = 6038 => "DayInActiveRange",
        InvalidIncentiveMint = 6039 => "InvalidIncentiveMint",
        BuyNotEnoughSolToCoverRent = 6040 => "Buy: Not enough SOL to cover for rent exemption.",
        BuyNotEnoughSolToCoverFees = 6041 => "Buy: Not enough SOL to cover for fees.",
        BuySlippageBelowMinTokensOut = 6042 => "Slippage: Would buy less tokens than expected min_tokens_out",
        NameTooLong = 6043 => "NameTooLong",
        SymbolTooLong = 6044 => "SymbolTooLong",
        UriTooLong = 6045 => "UriTooLong",
        CreateV2Disabled = 6046 => "CreateV2Disabled",
        CpitializeMayhemFailed = 6047 => "CpitializeMayhemFailed",
        MayhemModeDisabled = 6048 => "MayhemModeDisabled",
        CreatorMigratedToSharingConfig = 6049 => "creator has been migrated to sharing config, use pump_fees::reset_fee_sharing_config instead",
        UnableToDistributeCreatorVaultMigratedToSharingConfig = 6050 => "creator_vault has been migrated to sharing config, use pump:distribute_creator_fees instead",
        SharingConfigNotActive = 6051 => "Sharing config is not active",
        UnableToDistributeCreatorFeesToExecutableRecipient = 6052 => "The recipient account is executable, so it cannot receive lamports, remove it from the team first",
        BondingCurveAndSharingConfigCreatorMismatch = 6053 => "Bonding curve creator does not match sharing config",
        ShareholdersAndRemainingAccountsMismatch = 6054 => "Remaining accounts do not match shareholders, make sure to pass exactly the same pubkeys in the same order",
        InvalidShareBps = 6055 => "Share bps must be greater than 0",
        CashbackNotEnabled = 6056 => "Cashback is not enabled",
        BuybackFeeRecipientNotAuthorized = 6057 => "Buyback fee recipient not authorized",
        AllBuybackFeeRecipientsShouldBeNonZero = 6058 => "AllBuybackFeeRecipientsShouldBeNonZero",
        NotUniqueBuybackFeeRecipients = 6059 => "NotUniqueBuybackFeeRecipients",
        BuybackBasisPointsOutOfRange = 6060 => "buyback_basis_points must be <= 10_000",
        WrongBuybackFeeRecipientsCount = 6061 => "buyback fee recipients require exactly 8 remaining accounts (or none)",
        BuybackFeeRecipientMissing = 6062 => "BuybackFeeRecipientMissing",
        UnsupportedQuoteMint = 6063 => "Unsupported quote mint",
        InvalidQuoteTokenProgram = 6064 => "Create v2: quote token program must be legacy SPL Token",
        InvalidAssociatedQuoteBondingCurve = 6065 => "Create v2: associated quote bonding curve address does not match derivation",
        QuoteMintWhitelistFull = 6066 => "Quote mint whitelist is full",
        QuoteMintAlreadyWhitelisted = 6067 => "Quote mint is already whitelisted",
        QuoteMintNotWhitelisted = 6068 => "Quote mint is not in the whitelist",
        QuoteMintNotEligibleForWhitelist = 6069 => "Quote mint cannot be added or removed via whitelist (default or native SOL mint)",
        UnableToDistributeCreatorFeesToUninitializedAccount = 6070 => "Unable to distribute creator fees to uninitialized account",
        MayhemModeQuoteMintNotAllowed = 6071 => "Mayhem mode quote mint not allowed",
    }
}

program_errors! {
    /// PumpSwap's errors (program `pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA`).
    PumpSwapError {
        FeeBasisPointsExceedsMaximum = 6000 => "FeeBasisPointsExceedsMaximum",
        ZeroBaseAmount = 6001 => "ZeroBaseAmount",
        ZeroQuoteAmount = 6002 => "ZeroQuoteAmount",
        TooLittlePoolTokenLiquidity = 6003 => "TooLittlePoolTokenLiquidity",
        ExceededSlippage = 6004 => "ExceededSlippage",
        InvalidAdmin = 6005 => "InvalidAdmin",
        UnsupportedBaseMint = 6006 => "UnsupportedBaseMint",
        UnsupportedQuoteMint = 6007 => "UnsupportedQuoteMint",
        InvalidBaseMint = 6008 => "InvalidBaseMint",
        InvalidQuoteMint = 6009 => "InvalidQuoteMint",
        InvalidLpMint = 6010 => "InvalidLpMint",
        AllProtocolFeeRecipientsShouldBeNonZero = 6011 => "AllProtocolFeeRecipientsShouldBeNonZero",
        UnsortedNotUniqueProtocolFeeRecipients = 6012 => "UnsortedNotUniqueProtocolFeeRecipients",
        InvalidProtocolFeeRecipient = 6013 => "InvalidProtocolFeeRecipient",
        InvalidPoolBaseTokenAccount = 6014 => "InvalidPoolBaseTokenAccount",
        InvalidPoolQuoteTokenAccount = 6015 => "InvalidPoolQuoteTokenAccount",
        BuyMoreBaseAmountThanPoolReserves = 6016 => "BuyMoreBaseAmountThanPoolReserves",
        DisabledCreatePool = 6017 => "DisabledCreatePool",
        DisabledDeposit = 6018 => "DisabledDeposit",
        DisabledWithdraw = 6019 => "DisabledWithdraw",
        DisabledBuy = 6020 => "DisabledBuy",
        DisabledSell = 6021 => "DisabledSell",
        SameMint = 6022 => "SameMint",
        Overflow = 6023 => "Overflow",
        Truncation = 6024 => "Truncation",
        DivisionByZero = 6025 => "DivisionByZero",
        NewSizeLessThanCurrentSize = 6026 => "NewSizeLessThanCurrentSize",
        AccountTypeNotSupported = 6027 => "AccountTypeNotSupported",
        OnlyCanonicalPumpPoolsCanHaveCoinCreator = 6028 => "OnlyCanonicalPumpPoolsCanHaveCoinCreator",
        InvalidAdminSetCoinCreatorAuthority = 6029 => "InvalidAdminSetCoinCreatorAuthority",
        StartTimeInThePast = 6030 => "StartTimeInThePast",
        EndTimeInThePast = 6031 => "EndTimeInThePast",
        EndTimeBeforeStartTime = 6032 => "EndTimeBeforeStartTime",
        TimeRangeTooLarge = 6033 => "TimeRangeTooLarge",
        EndTimeBeforeCurrentDay = 6034 => "EndTimeBeforeCurrentDay",
        SupplyUpdateForFinishedRange = 6035 => "SupplyUpdateForFinishedRange",
        DayIndexAfterEndIndex = 6036 => "DayIndexAfterEndIndex",
        DayInActiveRange = 6037 => "DayInActiveRange",
        InvalidIncentiveMint = 6038 => "InvalidIncentiveMint",
        BuyNotEnoughQuoteTokensToCoverFees = 6039 => "buy: Not enough quote tokens to cover for fees.",
        BuySlippageBelowMinBaseAmountOut = 6040 => "buy: slippage - would buy less tokens than expected min_base_amount_out",
        MayhemModeDisabled = 6041 => "MayhemModeDisabled",
        OnlyPumpPoolsMayhemMode = 6042 => "OnlyPumpPoolsMayhemMode",
        MayhemModeInDesiredState = 6043 => "MayhemModeInDesiredState",
        NotEnoughRemainingAccounts = 6044 => "NotEnoughRemainingAccounts",
        InvalidSharingConfigBaseMint = 6045 => "InvalidSharingConfigBaseMint",
        InvalidSharingConfigCoinCreator = 6046 => "InvalidSharingConfigCoinCreator",
        CoinCreatorMigratedToSharingConfig = 6047 => "coin creator has been migrated to sharing config, use pump_fees::reset_fee_sharing_config instead",
        CreatorVaultMigratedToSharingConfig = 6048 => "creator_vault has been migrated to sharing config, use pump:distribute_creator_fees instead",
        CashbackNotEnabled = 6049 => "Cashback is disabled",
        OnlyPumpPoolsCashback = 6050 => "OnlyPumpPoolsCashback",
        CashbackNotInDesiredState = 6051 => "CashbackNotInDesiredState",
        TokensInVaultLessThanCashbackEarned = 6052 => "TokensInVaultLessThanCashbackEarned",
        BuybackFeeRecipientNotAuthorized = 6053 => "Buyback fee recipient not authorized",
        AllBuybackFeeRecipientsShouldBeNonZero = 6054 => "AllBuybackFeeRecipientsShouldBeNonZero",
        NotUniqueBuybackFeeRecipients = 6055 => "NotUniqueBuybackFeeRecipients",
        BuybackBasisPointsOutOfRange = 6056 => "buyback_basis_points must be <= 10_000",
        WrongBuybackFeeRecipientsCount = 6057 => "buyback fee recipients require exactly 8 remaining accounts (or none)",
        BuybackFeeRecipientMissing = 6058 => "BuybackFeeRecipientMissing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_discriminant_is_the_code_and_the_text_the_message() {
        let e = PumpError::TooLittleSolReceived;
        assert_eq!(e.code(), 6003);
        assert_eq!(e.name(), "TooLittleSolReceived");
        assert_eq!(
            e.to_string(),
            "slippage: Too little SOL received to sell the given amount of tokens."
        );
        assert_eq!(PumpError::from_code(6003), Some(e));
        assert_eq!(PumpSwapError::ExceededSlippage.code(), 6004);
        assert_eq!(
            PumpSwapError::ExceededSlippage.to_string(),
            "ExceededSlippage"
        );
    }

    #[test]
    fn anchor_codes_are_in_both_programs() {
        assert_eq!(PumpError::from_code(2006), Some(PumpError::ConstraintSeeds));
        assert_eq!(
            PumpSwapError::from_code(3012),
            Some(PumpSwapError::AccountNotInitialized)
        );
    }

    #[test]
    fn unknown_codes_are_none() {
        assert_eq!(PumpError::from_code(0), None);
        assert_eq!(PumpSwapError::from_code(u32::MAX), None);
    }

    #[test]
    fn every_code_maps_back_to_its_variant() {
        for e in PumpError::ALL {
            assert_eq!(PumpError::from_code(e.code()), Some(*e));
        }
        for e in PumpSwapError::ALL {
            assert_eq!(PumpSwapError::from_code(e.code()), Some(*e));
        }
    }
}
