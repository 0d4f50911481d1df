//! The handshake of periodic work that runs one cycle at a time (a server's poll, a scan of the spool) with the
//! callers that ask for a whole cycle (`PollNow`, `ImportNow`): a caller who asks while a cycle runs waits for the
//! next one, which starts when the current one ends.

use tokio::sync::oneshot;

/// The state of the cycles and their waiters; `T` is what a finished cycle answers.
#[derive(Debug)]
pub struct Cycle<T> {
    running: bool,
    /// Waiting for the cycle under way (or about to start).
    waiters: Vec<oneshot::Sender<T>>,
    /// Waiting for the cycle after it.
    next: Vec<oneshot::Sender<T>>,
}

impl<T: Clone> Default for Cycle<T> {
    fn default() -> Self {
        Cycle { running: false, waiters: Vec::new(), next: Vec::new() }
    }
}

impl<T: Clone> Cycle<T> {
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Asks for a whole cycle: the answer comes on the receiver. True: no cycle runs, start one now.
    pub fn ask(&mut self) -> (oneshot::Receiver<T>, bool) {
        let (done, wait) = oneshot::channel();
        if self.running {
            self.next.push(done);
            (wait, false)
        } else {
            self.waiters.push(done);
            (wait, true)
        }
    }

    /// Marks a cycle as started; false if one runs already.
    pub fn start(&mut self) -> bool {
        !std::mem::replace(&mut self.running, true)
    }

    /// Answers the waiters of a cycle that will not run.
    pub fn skip(&mut self, answer: T) {
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(answer.clone());
        }
    }

    /// Ends the cycle under way and answers its waiters. True: callers wait for another cycle; start it.
    pub fn finish(&mut self, answer: T) -> bool {
        self.running = false;
        self.skip(answer);
        if self.next.is_empty() {
            return false;
        }
        self.waiters = std::mem::take(&mut self.next);
        true
    }

    /// Forgets every cycle and waiter (the actor restarts; the waiters see their channel closed).
    pub fn reset(&mut self) {
        *self = Cycle::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_during_a_cycle_waits_for_the_next() {
        let mut cycle = Cycle::<usize>::default();
        let (mut first, start) = cycle.ask();
        assert!(start && cycle.start());
        assert!(!cycle.start(), "one cycle at a time");
        let (mut second, start) = cycle.ask();
        assert!(!start);
        assert!(cycle.finish(3), "the second caller needs another cycle");
        assert_eq!(first.try_recv().ok(), Some(3));
        assert!(second.try_recv().is_err(), "not answered by the cycle that was under way when it asked");
        assert!(cycle.start());
        assert!(!cycle.finish(5));
        assert_eq!(second.try_recv().ok(), Some(5));
    }

    #[test]
    fn a_skipped_cycle_answers_at_once_and_a_reset_forgets() {
        let mut cycle = Cycle::<usize>::default();
        let (mut wait, _) = cycle.ask();
        cycle.skip(0);
        assert_eq!(wait.try_recv().ok(), Some(0));
        let (mut wait, _) = cycle.ask();
        cycle.start();
        cycle.reset();
        assert!(!cycle.is_running());
        assert!(wait.try_recv().is_err());
    }
}
