//! A stream that is polled only after it asked to be: [`PollWhenWoken`].
//!
//! async-graphql's WebSocket driver polls the client's side of the socket every time it is
//! polled, which is once per outgoing message too. Each such poll makes tungstenite zero-fill
//! the free part of its read buffer (128 KiB) before trying a read that finds nothing: in the
//! fan-out benchmark (`cargo bench --bench events`, 1,000 subscribers) that zeroing was a
//! quarter of the server's CPU. Shrinking the buffer would cut it but also change which
//! oversized messages still get their 1009 close frame (the rest of a message left unread
//! turns the close into a TCP reset), so instead the socket is not polled until it has woken
//! its reader: data arrived, or the other half released the shared lock.

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
};

use futures_util::{
    Stream,
    task::{ArcWake, AtomicWaker, waker_ref},
};

/// Whether the inner stream has woken since it last answered `Pending`, and who to tell.
#[derive(Debug)]
struct Signal {
    woken: AtomicBool,
    waker: AtomicWaker,
}

impl ArcWake for Signal {
    fn wake_by_ref(signal: &Arc<Self>) {
        signal.woken.store(true, Ordering::Release);
        signal.waker.wake();
    }
}

/// Wraps `S` so that a poll reaches it only when it may have something: at first, after it
/// yielded an item, or after it woke the task. Otherwise the poll answers `Pending` at once
/// (the task is still woken when the inner stream wakes).
#[derive(Debug)]
pub(crate) struct PollWhenWoken<S> {
    inner: S,
    signal: Arc<Signal>,
}

impl<S> PollWhenWoken<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            signal: Arc::new(Signal {
                woken: AtomicBool::new(true),
                waker: AtomicWaker::new(),
            }),
        }
    }
}

impl<S: Stream + Unpin> Stream for PollWhenWoken<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Registered before the flag is read: a wake-up in between is seen either way.
        self.signal.waker.register(cx.waker());
        if !self.signal.woken.swap(false, Ordering::AcqRel) {
            return Poll::Pending;
        }
        let signal = Arc::clone(&self.signal);
        let waker = waker_ref(&signal);
        let mut inner_cx = Context::from_waker(&waker);
        let polled = Pin::new(&mut self.inner).poll_next(&mut inner_cx);
        if polled.is_ready() {
            // More may be ready at once; only `Pending` promises a wake-up.
            self.signal.woken.store(true, Ordering::Release);
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use futures_util::{StreamExt, task::noop_waker_ref};

    use super::*;

    /// Counts its polls; yields its items one per poll when open, else `Pending`, keeping the
    /// waker to wake when opened.
    #[derive(Default)]
    struct Gate {
        polls: Arc<AtomicUsize>,
        items: Vec<u32>,
        open: bool,
        waker: Option<std::task::Waker>,
    }

    impl Stream for Gate {
        type Item = u32;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
            self.polls.fetch_add(1, Ordering::SeqCst);
            if self.open && !self.items.is_empty() {
                return Poll::Ready(Some(self.items.remove(0)));
            }
            self.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    #[test]
    fn polls_the_inner_stream_only_after_it_woke() {
        let polls = Arc::new(AtomicUsize::new(0));
        let mut stream = PollWhenWoken::new(Gate {
            polls: Arc::clone(&polls),
            items: vec![1, 2],
            ..Gate::default()
        });
        let mut cx = Context::from_waker(noop_waker_ref());
        assert!(stream.poll_next_unpin(&mut cx).is_pending());
        assert_eq!(polls.load(Ordering::SeqCst), 1);
        // Not woken: further polls do not reach it.
        for _ in 0..5 {
            assert!(stream.poll_next_unpin(&mut cx).is_pending());
        }
        assert_eq!(polls.load(Ordering::SeqCst), 1);
        // Opened and woken: both items come, one per poll, then it waits again.
        stream.inner.open = true;
        stream.inner.waker.take().expect("a waker").wake();
        assert_eq!(stream.poll_next_unpin(&mut cx), Poll::Ready(Some(1)));
        assert_eq!(stream.poll_next_unpin(&mut cx), Poll::Ready(Some(2)));
        assert!(stream.poll_next_unpin(&mut cx).is_pending());
        assert!(stream.poll_next_unpin(&mut cx).is_pending());
        assert_eq!(polls.load(Ordering::SeqCst), 4);
    }
}
