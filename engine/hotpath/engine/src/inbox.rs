//! What reaches the kernel from other threads (execution reports, operator commands): a
//! bounded queue, and a doorbell rung after each message. The pipeline's strategy thread waits
//! on the queues themselves and has no bell; the inline layout's hot thread sleeps in its
//! runtime's poll, where only the bell can wake it.

use std::sync::Arc;

use crossbeam_channel::{SendError, Sender, TrySendError};
use tokio::sync::Notify;

/// The sending side of a kernel's inbox. Cheap to clone; usable from any thread.
pub struct Inbox<T> {
    tx: Sender<T>,
    bell: Option<Arc<Notify>>,
}

impl<T> Clone for Inbox<T> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            bell: self.bell.clone(),
        }
    }
}

impl<T> Inbox<T> {
    /// `bell`: rung after every message (`None`: the receiver waits on the queue).
    pub fn new(tx: Sender<T>, bell: Option<Arc<Notify>>) -> Self {
        Self { tx, bell }
    }

    fn ring(&self) {
        if let Some(b) = &self.bell {
            // A permit is kept when nobody waits, so a message is never missed.
            b.notify_one();
        }
    }

    /// Queues `v`, or hands it back when the queue is full or the kernel is gone.
    pub fn try_send(&self, v: T) -> Result<(), TrySendError<T>> {
        self.tx.try_send(v)?;
        self.ring();
        Ok(())
    }

    /// Queues `v`, waiting while the queue is full; never call it from the kernel's own thread.
    pub fn send(&self, v: T) -> Result<(), SendError<T>> {
        self.tx.send(v)?;
        self.ring();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_rings_the_bell_even_before_anyone_waits() {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let bell = Arc::new(Notify::new());
        let inbox = Inbox::new(tx, Some(bell.clone()));
        assert!(inbox.try_send(7u8).is_ok());
        assert!(matches!(inbox.try_send(8), Err(TrySendError::Full(8))));
        assert_eq!(rx.try_recv(), Ok(7));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        let rang = rt.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(1), bell.notified())
                .await
                .is_ok()
        });
        assert!(rang, "the permit left by the send wakes the next wait");
    }
}
