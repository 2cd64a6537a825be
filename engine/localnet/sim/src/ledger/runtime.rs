//! Executes one transaction's instructions against working copies of its accounts, writing the
//! runtime's log lines as mainnet does: `invoke [depth]`, `consumed N of M compute units` for
//! on-chain programs, then `success` or `failed: <reason>`. Programs are native Rust here, but
//! they see the same account privileges (signer, writable, owner) and fail the same way.

use solana_pubkey::Pubkey;

use crate::ledger::account::Account;
use crate::ledger::error::InstructionError;

/// Runs one instruction of a program: the programs' entry point, which the bank hands to each
/// context (the programs call back into the runtime for CPIs, so the runtime cannot name them).
pub type Dispatch = fn(&mut TxContext, &Pubkey, &[usize], &[u8]) -> Result<(), InstructionError>;

/// Everything one transaction may touch.
pub struct TxContext {
    pub keys: Vec<Pubkey>,
    pub signer: Vec<bool>,
    pub writable: Vec<bool>,
    pub accounts: Vec<Account>,
    pub logs: Vec<String>,
    pub cu_limit: u64,
    pub cu_used: u64,
    pub slot: u64,
    pub unix_timestamp: i64,
    depth: usize,
    /// PDAs a calling program signs for in the current CPI (`invoke_signed`).
    pda_signers: Vec<Pubkey>,
    /// The instruction index at the top level, for error reporting.
    pub instruction_index: u8,
    dispatch: Dispatch,
}

/// Whether a program prints `consumed` lines (on-chain programs do; builtins do not).
fn is_builtin(program: &Pubkey) -> bool {
    *program == kestrel_pump::ids::SYSTEM_PROGRAM
        || *program == kestrel_pump::ids::COMPUTE_BUDGET_PROGRAM
}

impl TxContext {
    #[expect(
        clippy::too_many_arguments,
        reason = "a context is its fields; the bank alone builds one, in one place"
    )]
    pub fn new(
        keys: Vec<Pubkey>,
        signer: Vec<bool>,
        writable: Vec<bool>,
        accounts: Vec<Account>,
        cu_limit: u64,
        slot: u64,
        unix_timestamp: i64,
        dispatch: Dispatch,
    ) -> Self {
        Self {
            keys,
            signer,
            writable,
            accounts,
            logs: Vec::new(),
            cu_limit,
            cu_used: 0,
            slot,
            unix_timestamp,
            depth: 0,
            pda_signers: Vec::new(),
            instruction_index: 0,
            dispatch,
        }
    }

    pub fn log(&mut self, line: impl Into<String>) {
        self.logs.push(line.into());
    }

    /// `Program log: …`
    pub fn msg(&mut self, text: impl AsRef<str>) {
        self.logs.push(format!("Program log: {}", text.as_ref()));
    }

    pub fn key(&self, i: usize) -> Pubkey {
        self.keys.get(i).copied().unwrap_or_default()
    }

    pub fn account(&self, i: usize) -> Result<&Account, InstructionError> {
        self.accounts
            .get(i)
            .ok_or(InstructionError::NotEnoughAccountKeys)
    }

    pub fn is_signer(&self, i: usize) -> bool {
        self.signer.get(i).copied().unwrap_or(false)
            || self
                .keys
                .get(i)
                .is_some_and(|k| self.pda_signers.contains(k))
    }

    pub fn is_writable(&self, i: usize) -> bool {
        self.writable.get(i).copied().unwrap_or(false)
    }

    /// Charges compute units; past the limit the transaction fails.
    pub fn consume(&mut self, units: u64) -> Result<(), InstructionError> {
        self.cu_used = self.cu_used.saturating_add(units);
        if self.cu_used > self.cu_limit {
            return Err(InstructionError::ComputationalBudgetExceeded);
        }
        Ok(())
    }

    pub fn cu_remaining(&self) -> u64 {
        self.cu_limit.saturating_sub(self.cu_used)
    }

    /// Moves lamports as a program may: only out of accounts it owns, only between writable
    /// accounts.
    pub fn move_lamports(
        &mut self,
        program: &Pubkey,
        from: usize,
        to: usize,
        amount: u64,
    ) -> Result<(), InstructionError> {
        if amount == 0 {
            return Ok(());
        }
        if !self.is_writable(from) || !self.is_writable(to) {
            return Err(InstructionError::ReadonlyLamportChange);
        }
        let src = self
            .accounts
            .get(from)
            .ok_or(InstructionError::NotEnoughAccountKeys)?;
        if src.owner != *program {
            return Err(InstructionError::ExternalAccountLamportSpend);
        }
        if src.lamports < amount {
            return Err(InstructionError::InsufficientFunds);
        }
        let to_balance = self
            .account(to)?
            .lamports
            .checked_add(amount)
            .ok_or(InstructionError::ArithmeticOverflow)?;
        if let Some(a) = self.accounts.get_mut(from) {
            a.lamports -= amount;
        }
        if let Some(a) = self.accounts.get_mut(to) {
            a.lamports = to_balance;
        }
        Ok(())
    }

    /// Data of an account the program owns, for writing.
    pub fn data_mut(
        &mut self,
        program: &Pubkey,
        i: usize,
    ) -> Result<&mut Vec<u8>, InstructionError> {
        if !self.is_writable(i) {
            return Err(InstructionError::ReadonlyDataModified);
        }
        let acc = self
            .accounts
            .get_mut(i)
            .ok_or(InstructionError::NotEnoughAccountKeys)?;
        if acc.owner != *program {
            return Err(InstructionError::ExternalAccountDataModified);
        }
        Ok(&mut acc.data)
    }

    /// Runs an instruction at the top level (depth 1).
    pub fn execute_top(
        &mut self,
        index: u8,
        program_index: usize,
        accounts: &[usize],
        data: &[u8],
    ) -> Result<(), InstructionError> {
        self.instruction_index = index;
        let program = self.key(program_index);
        self.invoke(program, accounts, data, &[])
    }

    /// Invokes `program` one level deeper (a CPI from a running program, or the top level),
    /// with `pda_signers` signing for this call only.
    pub fn invoke(
        &mut self,
        program: Pubkey,
        accounts: &[usize],
        data: &[u8],
        pda_signers: &[Pubkey],
    ) -> Result<(), InstructionError> {
        self.depth += 1;
        self.logs
            .push(format!("Program {program} invoke [{}]", self.depth));
        let budget_at_start = self.cu_remaining();
        let pushed = pda_signers.len();
        self.pda_signers.extend_from_slice(pda_signers);
        let result = (self.dispatch)(self, &program, accounts, data);
        self.pda_signers.truncate(self.pda_signers.len() - pushed);
        match &result {
            Ok(()) => {
                if !is_builtin(&program) {
                    let used = budget_at_start.saturating_sub(self.cu_remaining());
                    self.logs.push(format!(
                        "Program {program} consumed {used} of {budget_at_start} compute units"
                    ));
                }
                self.logs.push(format!("Program {program} success"));
            }
            Err(e) => {
                if !is_builtin(&program) {
                    let used = budget_at_start.saturating_sub(self.cu_remaining());
                    self.logs.push(format!(
                        "Program {program} consumed {used} of {budget_at_start} compute units"
                    ));
                }
                self.logs
                    .push(format!("Program {program} failed: {}", e.log_text()));
            }
        }
        self.depth -= 1;
        result
    }

    /// Logs a program frame for a program the cluster does not run (Metaplex), so the log
    /// shape stays the runtime's: `f` does the program's effect at the deeper depth.
    pub fn emulated_frame(
        &mut self,
        program: Pubkey,
        units: u64,
        f: impl FnOnce(&mut Self) -> Result<(), InstructionError>,
    ) -> Result<(), InstructionError> {
        self.depth += 1;
        self.logs
            .push(format!("Program {program} invoke [{}]", self.depth));
        let budget_at_start = self.cu_remaining();
        let result = f(self).and_then(|()| self.consume(units));
        let used = budget_at_start.saturating_sub(self.cu_remaining());
        self.logs.push(format!(
            "Program {program} consumed {used} of {budget_at_start} compute units"
        ));
        match &result {
            Ok(()) => self.logs.push(format!("Program {program} success")),
            Err(e) => self
                .logs
                .push(format!("Program {program} failed: {}", e.log_text())),
        }
        self.depth -= 1;
        result
    }

    /// The index of `key` among the transaction's accounts (a CPI may only use those).
    pub fn index_of(&self, key: &Pubkey) -> Option<usize> {
        self.keys.iter().position(|k| k == key)
    }
}
