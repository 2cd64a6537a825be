//! Transaction and instruction errors with the names and JSON shapes mainnet uses
//! (`{"InstructionError":[2,{"Custom":6002}]}`, `"BlockhashNotFound"`, …).

use serde_json::{Value, json};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstructionError {
    Custom(u32),
    InvalidArgument,
    InvalidInstructionData,
    InvalidAccountData,
    AccountDataTooSmall,
    InsufficientFunds,
    IncorrectProgramId,
    MissingRequiredSignature,
    AccountAlreadyInitialized,
    UninitializedAccount,
    NotEnoughAccountKeys,
    ReadonlyLamportChange,
    ReadonlyDataModified,
    ExternalAccountLamportSpend,
    ExternalAccountDataModified,
    InvalidSeeds,
    UnsupportedProgramId,
    ComputationalBudgetExceeded,
    InvalidAccountOwner,
    ArithmeticOverflow,
    InvalidRealloc,
}

impl InstructionError {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Custom(_) => "Custom",
            Self::InvalidArgument => "InvalidArgument",
            Self::InvalidInstructionData => "InvalidInstructionData",
            Self::InvalidAccountData => "InvalidAccountData",
            Self::AccountDataTooSmall => "AccountDataTooSmall",
            Self::InsufficientFunds => "InsufficientFunds",
            Self::IncorrectProgramId => "IncorrectProgramId",
            Self::MissingRequiredSignature => "MissingRequiredSignature",
            Self::AccountAlreadyInitialized => "AccountAlreadyInitialized",
            Self::UninitializedAccount => "UninitializedAccount",
            Self::NotEnoughAccountKeys => "NotEnoughAccountKeys",
            Self::ReadonlyLamportChange => "ReadonlyLamportChange",
            Self::ReadonlyDataModified => "ReadonlyDataModified",
            Self::ExternalAccountLamportSpend => "ExternalAccountLamportSpend",
            Self::ExternalAccountDataModified => "ExternalAccountDataModified",
            Self::InvalidSeeds => "InvalidSeeds",
            Self::UnsupportedProgramId => "UnsupportedProgramId",
            Self::ComputationalBudgetExceeded => "ComputationalBudgetExceeded",
            Self::InvalidAccountOwner => "InvalidAccountOwner",
            Self::ArithmeticOverflow => "ArithmeticOverflow",
            Self::InvalidRealloc => "InvalidRealloc",
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Self::Custom(code) => json!({ "Custom": code }),
            other => json!(other.name()),
        }
    }

    /// How the runtime prints it after `Program <id> failed: `.
    pub fn log_text(&self) -> String {
        match self {
            Self::Custom(code) => format!("custom program error: {code:#x}"),
            Self::InvalidArgument => "invalid program argument".into(),
            Self::InvalidInstructionData => "invalid instruction data".into(),
            Self::InvalidAccountData => "invalid account data for instruction".into(),
            Self::AccountDataTooSmall => "account data too small for instruction".into(),
            Self::InsufficientFunds => "insufficient funds for instruction".into(),
            Self::IncorrectProgramId => "incorrect program id for instruction".into(),
            Self::MissingRequiredSignature => "missing required signature for instruction".into(),
            Self::AccountAlreadyInitialized => {
                "instruction requires an uninitialized account".into()
            }
            Self::UninitializedAccount => "instruction requires an initialized account".into(),
            Self::NotEnoughAccountKeys => "insufficient account keys for instruction".into(),
            Self::ReadonlyLamportChange => {
                "instruction changed the balance of a read-only account".into()
            }
            Self::ReadonlyDataModified => "instruction modified data of a read-only account".into(),
            Self::ExternalAccountLamportSpend => {
                "instruction spent from the balance of an account it does not own".into()
            }
            Self::ExternalAccountDataModified => {
                "instruction modified data of an account it does not own".into()
            }
            Self::InvalidSeeds => "Provided seeds do not result in a valid address".into(),
            Self::UnsupportedProgramId => "Unsupported program id".into(),
            Self::ComputationalBudgetExceeded => "Computational budget exceeded".into(),
            Self::InvalidAccountOwner => "Invalid account owner".into(),
            Self::ArithmeticOverflow => "Program arithmetic overflowed".into(),
            Self::InvalidRealloc => "Failed to reallocate account data".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransactionError {
    AccountNotFound,
    ProgramAccountNotFound,
    InsufficientFundsForFee,
    InvalidAccountForFee,
    AlreadyProcessed,
    BlockhashNotFound,
    InstructionError(u8, InstructionError),
    InvalidAccountIndex,
    SignatureFailure,
    SanitizeFailure,
    InsufficientFundsForRent { account_index: u8 },
    UnsupportedVersion,
    AddressLookupTableNotFound,
}

impl TransactionError {
    pub fn to_json(&self) -> Value {
        match self {
            Self::InstructionError(i, e) => json!({ "InstructionError": [i, e.to_json()] }),
            Self::InsufficientFundsForRent { account_index } => {
                json!({ "InsufficientFundsForRent": { "account_index": account_index } })
            }
            other => json!(other.name()),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::AccountNotFound => "AccountNotFound",
            Self::ProgramAccountNotFound => "ProgramAccountNotFound",
            Self::InsufficientFundsForFee => "InsufficientFundsForFee",
            Self::InvalidAccountForFee => "InvalidAccountForFee",
            Self::AlreadyProcessed => "AlreadyProcessed",
            Self::BlockhashNotFound => "BlockhashNotFound",
            Self::InstructionError(..) => "InstructionError",
            Self::InvalidAccountIndex => "InvalidAccountIndex",
            Self::SignatureFailure => "SignatureFailure",
            Self::SanitizeFailure => "SanitizeFailure",
            Self::InsufficientFundsForRent { .. } => "InsufficientFundsForRent",
            Self::UnsupportedVersion => "UnsupportedVersion",
            Self::AddressLookupTableNotFound => "AddressLookupTableNotFound",
        }
    }

    /// The sentence mainnet's preflight puts after "Transaction simulation failed: ".
    pub fn message(&self) -> String {
        match self {
            Self::AccountNotFound => {
                "Attempt to debit an account but found no record of a prior credit.".into()
            }
            Self::ProgramAccountNotFound => "Attempt to load a program that does not exist".into(),
            Self::InsufficientFundsForFee => "Insufficient funds for fee".into(),
            Self::InvalidAccountForFee => {
                "This account may not be used to pay transaction fees".into()
            }
            Self::AlreadyProcessed => "This transaction has already been processed".into(),
            Self::BlockhashNotFound => "Blockhash not found".into(),
            Self::InstructionError(i, e) => {
                format!("Error processing Instruction {i}: {}", e.log_text())
            }
            Self::InvalidAccountIndex => "Transaction contains an invalid account reference".into(),
            Self::SignatureFailure => "Transaction did not pass signature verification".into(),
            Self::SanitizeFailure => {
                "Transaction failed to sanitize accounts offsets correctly".into()
            }
            Self::InsufficientFundsForRent { account_index } => format!(
                "Transaction results in an account ({account_index}) with insufficient funds for rent"
            ),
            Self::UnsupportedVersion => "Transaction version is unsupported".into(),
            Self::AddressLookupTableNotFound => {
                "Transaction loads an address table account that doesn't exist".into()
            }
        }
    }
}
