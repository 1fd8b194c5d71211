//! Cross-process invalidation: each invalidation of an `l2` cache is published on the channel
//! `{ns}:invalidate`, and every process subscribed to it drops the same entries from memory.
//!
//! Pub/sub reaches whoever is subscribed when a message is sent, at most once: a subscriber
//! that was disconnected has lost what was sent meanwhile. So when a subscription comes back
//! after a loss, its handler is told ([`Event::Reconnected`]) and drops what it holds.
//!
//! The model is multi-tier-cache's invalidation module: a subscriber task on a pub/sub
//! connection that reconnects, JSON messages, and a Redis Streams variant for delivery across
//! reconnects. Where ours differs: each message carries its sender's instance id, so that a
//! process does not act twice on its own invalidations (it dropped the entries as it published);
//! the key's JSON travels as bytes in a binary format, not escaped into a JSON string; the
//! backoff is capped (20 ms doubling to 1 s) rather than a fixed 5 s; a PING on a quiet link
//! notices one that died without closing; and, instead of Streams (a consumer group per process,
//! acknowledgements, trimming), the flush on reconnect covers what was lost.
//!
//! Wire format, version 1: a header, then the fields of the kind, each with its length, and
//! nothing after them, so a truncated or padded message is refused rather than misread.
//!
//! ```text
//! [1: version = 1][8: sender's instance id, u64 LE][1: kind]
//! kind b'k', one key:  [4: len, u32 LE][cache name, UTF-8][4: len][key JSON, bytes]
//! kind b'a', all keys: [4: len][cache name, UTF-8]
//! kind b't', a tag:    [4: len][tag, UTF-8]
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Condvar, LazyLock, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use futures_core::Stream;
use redis::aio::{PubSubSink, PubSubStream};

use super::client::{Client, Outcome};
use super::runtime;
use crate::record::rng;

const FORMAT_VERSION: u8 = 1;
const HEADER: usize = 1 + 8 + 1;

/// The first wait before reconnecting; it doubles after each failed attempt, up to the last.
const FIRST_RETRY: Duration = Duration::from_millis(20);
const LAST_RETRY: Duration = Duration::from_secs(1);
/// How long a subscription may be quiet before a PING checks that it still has a server.
const KEEPALIVE: Duration = Duration::from_secs(1);
/// The least time given to connecting, subscribing and each PING: a false alarm costs every
/// `l2` cache its memory, so this is not the per-operation timeout of reads (50 ms by default).
const PATIENCE: Duration = Duration::from_secs(1);

/// What happened to entries, in terms every process shares: cache names and key JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Invalidation {
    /// `invalidate(key)` of the cache named `cache`.
    Key { cache: String, key_json: Vec<u8> },
    /// `invalidate_all()` of the cache named `cache`.
    All { cache: String },
    /// `invalidate_tag(tag)`, whichever caches hold entries with it.
    Tag { tag: String },
}

/// What a subscription hands its handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// Another process invalidated these entries.
    Received(Invalidation),
    /// The subscription is back after a loss (or after failing at first): whatever was
    /// published meanwhile is lost, so every entry held in memory may be stale.
    Reconnected,
    /// A message on the channel that is not an invalidation; it was ignored.
    Malformed,
}

/// Why bytes on the channel are not an invalidation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeError {
    Version,
    Truncated,
    Kind,
    Utf8,
    /// Bytes after the last field.
    Trailing,
}

/// This process's id in the messages it sends: random, so processes on many machines differ.
pub(crate) fn instance_id() -> u64 {
    static INSTANCE: LazyLock<u64> = LazyLock::new(|| rng::between(1, u64::MAX));
    *INSTANCE
}

/// `{namespace}:invalidate`.
pub(crate) fn channel(namespace: &str) -> String {
    format!("{namespace}:invalidate")
}

pub(crate) fn encode(instance: u64, invalidation: &Invalidation) -> Vec<u8> {
    let (kind, first, second): (u8, &[u8], Option<&[u8]>) = match invalidation {
        Invalidation::Key { cache, key_json } => (b'k', cache.as_bytes(), Some(key_json)),
        Invalidation::All { cache } => (b'a', cache.as_bytes(), None),
        Invalidation::Tag { tag } => (b't', tag.as_bytes(), None),
    };
    let mut out = Vec::with_capacity(HEADER + 4 + first.len() + second.map_or(0, |s| 4 + s.len()));
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&instance.to_le_bytes());
    out.push(kind);
    for field in std::iter::once(first).chain(second) {
        out.extend_from_slice(&(field.len() as u32).to_le_bytes());
        out.extend_from_slice(field);
    }
    out
}

/// The sender's instance id and the invalidation; an error, never a panic, for anything else.
pub(crate) fn decode(bytes: &[u8]) -> Result<(u64, Invalidation), DecodeError> {
    let (&version, rest) = bytes.split_first().ok_or(DecodeError::Truncated)?;
    if version != FORMAT_VERSION {
        return Err(DecodeError::Version);
    }
    let (instance, rest) = rest.split_first_chunk::<8>().ok_or(DecodeError::Truncated)?;
    let (&kind, mut rest) = rest.split_first().ok_or(DecodeError::Truncated)?;
    let mut field = || -> Result<&[u8], DecodeError> {
        let (len, tail) = rest.split_first_chunk::<4>().ok_or(DecodeError::Truncated)?;
        let (field, tail) = tail
            .split_at_checked(u32::from_le_bytes(*len) as usize)
            .ok_or(DecodeError::Truncated)?;
        rest = tail;
        Ok(field)
    };
    let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::Utf8);
    let invalidation = match kind {
        b'k' => {
            let cache = text(field()?)?;
            Invalidation::Key { cache, key_json: field()?.to_vec() }
        }
        b'a' => Invalidation::All { cache: text(field()?)? },
        b't' => Invalidation::Tag { tag: text(field()?)? },
        _ => return Err(DecodeError::Kind),
    };
    if !rest.is_empty() {
        return Err(DecodeError::Trailing);
    }
    Ok((u64::from_le_bytes(*instance), invalidation))
}

/// Publications that did not reach Redis (refused, failed, timed out, or skipped by the open
/// breaker): other processes may keep those entries until they expire.
static PUBLISH_FAILURES: AtomicU64 = AtomicU64::new(0);

fn publish_cmd(namespace: &str, invalidation: &Invalidation) -> redis::Cmd {
    let mut cmd = redis::cmd("PUBLISH");
    cmd.arg(channel(namespace)).arg(encode(instance_id(), invalidation));
    cmd
}

fn count_publish(outcome: &Outcome<u64>) {
    if !matches!(outcome, Outcome::Done(_)) {
        PUBLISH_FAILURES.fetch_add(1, Relaxed);
    }
}

/// Tells every process subscribed to `namespace`'s channel about `invalidation`. A fault is
/// counted and returned, never raised; `Done(n)`: `n` subscriptions received it, this
/// process's own included.
pub(crate) async fn publish(
    client: &Client,
    namespace: &str,
    invalidation: &Invalidation,
) -> Outcome<u64> {
    let outcome = client.query(publish_cmd(namespace, invalidation)).await;
    count_publish(&outcome);
    outcome
}

/// [`publish`] for sync callers.
pub(crate) fn publish_blocking(
    client: &Client,
    namespace: &str,
    invalidation: &Invalidation,
) -> Outcome<u64> {
    let outcome = client.query_blocking(publish_cmd(namespace, invalidation));
    count_publish(&outcome);
    outcome
}

/// What the process's subscriptions and publications came to, for the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(
    not(test),
    allow(dead_code, reason = "not in the report yet: malformed messages are counted per process")
)]
pub(crate) struct Counts {
    /// Invalidations from other processes, handed to the handlers.
    pub(crate) received: u64,
    /// This process's own messages, ignored.
    pub(crate) own_skipped: u64,
    pub(crate) malformed: u64,
    /// Times a subscription came back after a loss ([`Event::Reconnected`]).
    pub(crate) reconnects: u64,
    pub(crate) publish_failures: u64,
}

#[derive(Debug, Default)]
struct Counters {
    received: AtomicU64,
    own_skipped: AtomicU64,
    malformed: AtomicU64,
    reconnects: AtomicU64,
}

impl Counters {
    fn all(&self) -> [&AtomicU64; 4] {
        [&self.received, &self.own_skipped, &self.malformed, &self.reconnects]
    }
}

/// One subscription task per server and namespace, whatever the number of caches.
#[derive(Debug)]
struct Subscription {
    address: String,
    namespace: String,
    handlers: RwLock<Vec<fn(Event)>>,
    /// Whether SUBSCRIBE is confirmed on a live connection; callers wait on `changed`.
    subscribed: Mutex<bool>,
    changed: Condvar,
    /// Until when callers wait for the first SUBSCRIBE: a Redis down at start-up costs the
    /// first callers this wait, not each cache built after it.
    first_deadline: Instant,
    counters: Counters,
}

/// Read when a cache subscribes and when the report is built, never on a cache's hot path.
static SUBSCRIPTIONS: Mutex<Vec<Arc<Subscription>>> = Mutex::new(Vec::new());

fn subscriptions() -> std::sync::MutexGuard<'static, Vec<Arc<Subscription>>> {
    SUBSCRIPTIONS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Subscribes `handler` to `namespace`'s invalidations on `client`'s server. The first call
/// for a namespace starts its subscription, on perf's Redis runtime, and returns once SUBSCRIBE
/// is confirmed (or after `max(timeout, 1 s)`), so that an invalidation published after it is
/// not missed; later calls add their handler, if new, to the same subscription. Returns whether
/// the subscription is live; if not, it keeps trying, and tells its handlers
/// [`Event::Reconnected`] once it is.
///
/// Handlers run on perf's Redis thread, one event at a time: they must be quick, and must not
/// wait on Redis (a `_blocking` call there would wait on its own thread until it times out).
pub(crate) fn subscribe(client: &Client, namespace: &str, handler: fn(Event)) -> bool {
    let (subscription, started) = {
        let mut all = subscriptions();
        match all.iter().find(|s| s.address == client.address && s.namespace == namespace) {
            Some(found) => (found.clone(), false),
            None => {
                let new = Arc::new(Subscription {
                    address: client.address.clone(),
                    namespace: namespace.to_owned(),
                    handlers: RwLock::new(Vec::new()),
                    subscribed: Mutex::new(false),
                    changed: Condvar::new(),
                    first_deadline: Instant::now() + client.timeout.max(PATIENCE),
                    counters: Counters::default(),
                });
                all.push(new.clone());
                (new, true)
            }
        }
    };
    {
        let mut handlers = subscription.handlers.write().unwrap_or_else(PoisonError::into_inner);
        if !handlers.iter().any(|h| std::ptr::fn_addr_eq(*h, handler)) {
            handlers.push(handler);
        }
    }
    if started {
        let task = listen(subscription.clone(), client.redis_client().clone(), client.timeout);
        runtime::spawn(task);
    }
    // On perf's own thread, waiting would stall the very task it waits for.
    if runtime::is_current() {
        return subscription.is_subscribed();
    }
    subscription.wait_subscribed()
}

/// The counts of every subscription of the process, and of its publications.
pub(crate) fn counts() -> Counts {
    let mut counts =
        Counts { publish_failures: PUBLISH_FAILURES.load(Relaxed), ..Counts::default() };
    for s in subscriptions().iter() {
        let c = s.counts();
        counts.received += c.received;
        counts.own_skipped += c.own_skipped;
        counts.malformed += c.malformed;
        counts.reconnects += c.reconnects;
    }
    counts
}

/// Zeroes the counts, for [`crate::reset`].
pub(crate) fn reset() {
    PUBLISH_FAILURES.store(0, Relaxed);
    for s in subscriptions().iter() {
        for counter in s.counters.all() {
            counter.store(0, Relaxed);
        }
    }
}

impl Subscription {
    fn counts(&self) -> Counts {
        let c = &self.counters;
        Counts {
            received: c.received.load(Relaxed),
            own_skipped: c.own_skipped.load(Relaxed),
            malformed: c.malformed.load(Relaxed),
            reconnects: c.reconnects.load(Relaxed),
            publish_failures: 0,
        }
    }

    fn is_subscribed(&self) -> bool {
        *self.subscribed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_subscribed(&self, subscribed: bool) {
        *self.subscribed.lock().unwrap_or_else(PoisonError::into_inner) = subscribed;
        self.changed.notify_all();
    }

    fn wait_subscribed(&self) -> bool {
        let subscribed = self.subscribed.lock().unwrap_or_else(PoisonError::into_inner);
        let wait = self.first_deadline.saturating_duration_since(Instant::now());
        let waited = self.changed.wait_timeout_while(subscribed, wait, |subscribed| !*subscribed);
        *waited.unwrap_or_else(PoisonError::into_inner).0
    }

    fn deliver(&self, payload: &[u8]) {
        let c = &self.counters;
        match decode(payload) {
            Err(_) => {
                c.malformed.fetch_add(1, Relaxed);
                self.dispatch(Event::Malformed);
            }
            Ok((sender, _)) if sender == instance_id() => {
                c.own_skipped.fetch_add(1, Relaxed);
            }
            Ok((_, invalidation)) => {
                c.received.fetch_add(1, Relaxed);
                self.dispatch(Event::Received(invalidation));
            }
        }
    }

    fn dispatch(&self, event: Event) {
        // Copied out of the lock: a handler may subscribe, which takes it to write.
        let handlers = self.handlers.read().unwrap_or_else(PoisonError::into_inner).clone();
        for handler in handlers {
            // A handler's panic must not end the subscription of every cache.
            let event = event.clone();
            let _ = catch_unwind(AssertUnwindSafe(|| handler(event)));
        }
    }
}

/// The subscription's task, for the life of the process: subscribes, hands out what arrives,
/// and after a loss subscribes again with a capped backoff.
async fn listen(subscription: Arc<Subscription>, redis: redis::Client, timeout: Duration) {
    let channel = channel(&subscription.namespace);
    let patience = timeout.max(PATIENCE);
    let mut retry = FIRST_RETRY;
    // Set by any failure: what is published until the next SUBSCRIBE is lost to this process.
    let mut lost = false;
    loop {
        match connect(&redis, &channel, patience).await {
            Some((sink, stream)) => {
                retry = FIRST_RETRY;
                if lost {
                    subscription.counters.reconnects.fetch_add(1, Relaxed);
                    subscription.dispatch(Event::Reconnected);
                }
                subscription.set_subscribed(true);
                receive(&subscription, sink, stream, patience).await;
                subscription.set_subscribed(false);
            }
            None => {
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(LAST_RETRY);
            }
        }
        lost = true;
    }
}

/// A pub/sub connection subscribed to `channel`, or `None` if that took longer than `patience`.
async fn connect(
    redis: &redis::Client,
    channel: &str,
    patience: Duration,
) -> Option<(PubSubSink, PubSubStream)> {
    let subscribed = async {
        let mut pubsub = redis.get_async_pubsub().await.ok()?;
        pubsub.subscribe(channel).await.ok()?;
        Some(pubsub.split())
    };
    tokio::time::timeout(patience, subscribed).await.ok().flatten()
}

/// Hands each message to the subscription until the connection is lost, or a PING on a quiet
/// one goes unanswered.
async fn receive(
    subscription: &Subscription,
    mut sink: PubSubSink,
    mut stream: PubSubStream,
    patience: Duration,
) {
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx));
        match tokio::time::timeout(KEEPALIVE, next).await {
            Ok(Some(message)) => subscription.deliver(message.get_payload_bytes()),
            // The server closed the connection, or it broke.
            Ok(None) => return,
            Err(_quiet) => {
                let pong = tokio::time::timeout(patience, sink.ping::<redis::Value>()).await;
                if !matches!(pong, Ok(Ok(_))) {
                    return;
                }
            }
        }
    }
}

/// Against real, private `redis-server`s: no mocks. "Another process" publishes raw bytes with
/// an instance id of its own through a plain connection.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis::RedisOptions;
    use crate::redis::test_server::TestRedis;

    const OTHER_PROCESS: u64 = 7;

    /// Every handler's events, in order, with when they arrived.
    static SEEN: Mutex<Vec<(&str, Event, Instant)>> = Mutex::new(Vec::new());
    static ARRIVED: Condvar = Condvar::new();

    /// Not poisoned by a failing test: the others go on.
    fn seen() -> std::sync::MutexGuard<'static, Vec<(&'static str, Event, Instant)>> {
        SEEN.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(handler: &'static str, event: Event) {
        seen().push((handler, event, Instant::now()));
        ARRIVED.notify_all();
    }

    /// A handler per test: handlers are plain fns, so each records under its own name.
    macro_rules! handlers {
        ($($name:ident)*) => {$(
            fn $name(event: Event) {
                record(stringify!($name), event);
            }
        )*};
    }

    handlers!(seen_a seen_b malformed restart silent late latency sync_thread multi_thread current_thread);

    fn events(handler: &str) -> Vec<Event> {
        seen().iter().filter(|(h, ..)| *h == handler).map(|(_, e, _)| e.clone()).collect()
    }

    /// `handler`'s event number `n` (from 0) and when it arrived, once it has.
    fn nth(handler: &str, n: usize) -> (Event, Instant) {
        // Only against a hang.
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut seen = seen();
        loop {
            if let Some((_, event, at)) = seen.iter().filter(|(h, ..)| *h == handler).nth(n) {
                return (event.clone(), *at);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "{handler} never saw event {n}: {seen:?}");
            seen = ARRIVED.wait_timeout(seen, left).unwrap_or_else(PoisonError::into_inner).0;
        }
    }

    /// A client of database `db`: the subscription's key is the address, database included,
    /// while pub/sub ignores databases, so two databases make two subscribers of one channel.
    fn client(server: &TestRedis, db: u8, timeout: Duration) -> Client {
        let options =
            RedisOptions { timeout, namespace: Some("t".into()), ..RedisOptions::default() };
        Client::connect(&format!("redis://127.0.0.1:{}/{db}", server.port), &options).unwrap()
    }

    /// Long enough that no round trip to a live server times out on a busy machine.
    const PATIENT: Duration = Duration::from_secs(5);

    fn publish_raw(server: &TestRedis, namespace: &str, payload: &[u8]) -> u64 {
        let mut con = server.connection(None);
        redis::cmd("PUBLISH").arg(channel(namespace)).arg(payload).query(&mut con).unwrap()
    }

    fn subscription(client: &Client, namespace: &str) -> Arc<Subscription> {
        let all = subscriptions();
        let found = all.iter().find(|s| s.address == client.address && s.namespace == namespace);
        found.expect("subscribed").clone()
    }

    fn counts_of(client: &Client, namespace: &str) -> Counts {
        subscription(client, namespace).counts()
    }

    fn key(cache: &str) -> Invalidation {
        Invalidation::Key { cache: cache.into(), key_json: br#"[42,"\u00e9"]"#.to_vec() }
    }

    #[test]
    fn the_wire_format_round_trips_and_refuses_anything_else() {
        let tag = Invalidation::Tag { tag: "org:1".into() };
        let all = [
            key("m::users"),
            Invalidation::Key { cache: String::new(), key_json: Vec::new() },
            Invalidation::All { cache: "m::users".into() },
            tag.clone(),
        ];
        for invalidation in &all {
            let bytes = encode(u64::MAX - 1, invalidation);
            assert_eq!(decode(&bytes), Ok((u64::MAX - 1, invalidation.clone())));
            for len in 0..bytes.len() {
                assert!(decode(&bytes[..len]).is_err(), "{invalidation:?} cut at {len}");
            }
            let padded = [&bytes[..], b"\0"].concat();
            assert_eq!(decode(&padded), Err(DecodeError::Trailing));
        }
        let x = Invalidation::Tag { tag: "x".into() };
        assert_eq!(encode(1, &x), [1, 1, 0, 0, 0, 0, 0, 0, 0, b't', 1, 0, 0, 0, b'x']);
        assert_eq!(
            decode(&[2, 1, 0, 0, 0, 0, 0, 0, 0, b't', 1, 0, 0, 0, b'x']),
            Err(DecodeError::Version)
        );
        assert_eq!(
            decode(&[1, 1, 0, 0, 0, 0, 0, 0, 0, b'z', 1, 0, 0, 0, b'x']),
            Err(DecodeError::Kind)
        );
        assert_eq!(
            decode(&[1, 1, 0, 0, 0, 0, 0, 0, 0, b't', 1, 0, 0, 0, 0xff]),
            Err(DecodeError::Utf8)
        );
        let huge = [1, 1, 0, 0, 0, 0, 0, 0, 0, b'a', 0xff, 0xff, 0xff, 0xff, b'x'];
        assert_eq!(decode(&huge), Err(DecodeError::Truncated));
        assert_eq!(decode(b"garbage"), Err(DecodeError::Version));
        // Noise, alone and after a valid header: an answer every time, never a panic.
        let header = &encode(1, &tag)[..HEADER];
        for i in 0..20_000 {
            let noise: Vec<u8> =
                (0..rng::between(0, 40)).map(|_| rng::between(0, 255) as u8).collect();
            let bytes = if i % 2 == 0 { noise } else { [header, &noise].concat() };
            let _ = decode(&bytes);
        }
    }

    #[test]
    fn subscribers_see_other_processes_and_skip_their_own() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let (a, b) = (client(&server, 0, PATIENT), client(&server, 1, PATIENT));
        assert!(subscribe(&a, "seen", seen_a));
        assert!(subscribe(&b, "seen", seen_b));
        // Again: the same subscription, and the handler once.
        assert!(subscribe(&a, "seen", seen_a));

        // Our own invalidation, then another process's: Redis delivers them in that order.
        let mine = Invalidation::All { cache: "mine".into() };
        assert_eq!(publish_blocking(&a, "seen", &mine), Outcome::Done(2));
        assert_eq!(publish_raw(&server, "seen", &encode(OTHER_PROCESS, &key("theirs"))), 2);
        for handler in ["seen_a", "seen_b"] {
            nth(handler, 0);
            assert_eq!(events(handler), [Event::Received(key("theirs"))], "{handler}");
        }
        for client in [&a, &b] {
            let c = counts_of(client, "seen");
            assert_eq!((c.received, c.own_skipped, c.malformed, c.reconnects), (1, 1, 0, 0));
        }
        let total = counts();
        assert!(total.received >= 2 && total.own_skipped >= 2, "{total:?}");
    }

    #[test]
    fn malformed_messages_are_counted_and_ignored() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let client = client(&server, 0, PATIENT);
        assert!(subscribe(&client, "bad", malformed));
        let tag = Invalidation::Tag { tag: "org:1".into() };
        let truncated = encode(OTHER_PROCESS, &tag);
        for payload in [&b"not an invalidation"[..], b"", &truncated[..truncated.len() - 1]] {
            publish_raw(&server, "bad", payload);
        }
        publish_raw(&server, "bad", &encode(OTHER_PROCESS, &tag));
        nth("malformed", 3);
        let malformed = Event::Malformed;
        assert_eq!(
            events("malformed"),
            [malformed.clone(), malformed.clone(), malformed, Event::Received(tag)]
        );
        let c = counts_of(&client, "bad");
        assert_eq!((c.received, c.malformed), (1, 3));
    }

    #[test]
    fn after_a_restart_the_subscription_comes_back_and_says_so_once() {
        let Some(mut server) = TestRedis::start(&[]) else { return };
        let client = client(&server, 0, PATIENT);
        assert!(subscribe(&client, "restart", restart));
        let before = Invalidation::All { cache: "before".into() };
        publish_raw(&server, "restart", &encode(OTHER_PROCESS, &before));
        assert_eq!(nth("restart", 0).0, Event::Received(before));

        server.kill();
        server.restart();
        assert_eq!(nth("restart", 1).0, Event::Reconnected);
        let after = Invalidation::All { cache: "after".into() };
        publish_raw(&server, "restart", &encode(OTHER_PROCESS, &after));
        assert_eq!(nth("restart", 2).0, Event::Received(after));
        assert_eq!(events("restart").iter().filter(|e| **e == Event::Reconnected).count(), 1);
        assert_eq!(counts_of(&client, "restart").reconnects, 1);
    }

    /// A server that stops answering without closing the connection is noticed by the PING on
    /// the quiet link, and left; once it answers again, the subscription is back.
    #[test]
    fn a_link_that_goes_silent_is_noticed_and_replaced() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let client = client(&server, 0, Duration::from_millis(100));
        assert!(subscribe(&client, "silent", silent));
        server.freeze();
        let subscription = subscription(&client, "silent");
        {
            // Only against a hang.
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut live = subscription.subscribed.lock().unwrap_or_else(PoisonError::into_inner);
            while *live {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    server.thaw();
                    panic!("the silent link was never noticed");
                }
                live = subscription
                    .changed
                    .wait_timeout(live, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
        }
        server.thaw();
        assert_eq!(nth("silent", 0).0, Event::Reconnected);
        let tag = Invalidation::Tag { tag: "t".into() };
        publish_raw(&server, "silent", &encode(OTHER_PROCESS, &tag));
        assert_eq!(nth("silent", 1).0, Event::Received(tag));
    }

    #[test]
    fn a_redis_down_at_start_up_is_waited_for_briefly_then_joined() {
        let Some(mut server) = TestRedis::start(&[]) else { return };
        server.kill();
        let client = client(&server, 0, Duration::from_millis(100));
        assert!(!subscribe(&client, "late", late), "no server to subscribe to");
        // Later callers do not wait again.
        let again = Instant::now();
        assert!(!subscribe(&client, "late", late));
        let waited = again.elapsed();

        server.restart();
        // Caches may have been filled meanwhile, without invalidations: they are told.
        assert_eq!(nth("late", 0).0, Event::Reconnected);
        let tag = Invalidation::Tag { tag: "t".into() };
        publish_raw(&server, "late", &encode(OTHER_PROCESS, &tag));
        assert_eq!(nth("late", 1).0, Event::Received(tag));
        eprintln!("a second subscribe to a down Redis returned in {waited:?}");
        // A publication fails softly, and is counted.
        server.kill();
        let failed = publish_blocking(&client, "late", &Invalidation::All { cache: "c".into() });
        assert!(matches!(failed, Outcome::Failed | Outcome::TimedOut), "{failed:?}");
        assert!(counts().publish_failures >= 1);
    }

    #[test]
    fn subscribing_from_a_thread_or_any_runtime_misses_nothing_published_after_it() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let client = client(&server, 0, PATIENT);
        // Published right after `subscribe` returned, by another process.
        let first = |namespace: &str, handler: &str| {
            let tag = Invalidation::Tag { tag: namespace.into() };
            assert_eq!(publish_raw(&server, namespace, &encode(OTHER_PROCESS, &tag)), 1);
            assert_eq!(nth(handler, 0).0, Event::Received(tag));
        };
        assert!(subscribe(&client, "sync", sync_thread));
        first("sync", "sync_thread");

        let multi = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        multi.block_on(async {
            assert!(subscribe(&client, "multi", multi_thread));
            // Our own, through the async path: skipped.
            let own = publish(&client, "multi", &Invalidation::All { cache: "c".into() }).await;
            assert_eq!(own, Outcome::Done(1));
        });
        first("multi", "multi_thread");
        assert_eq!(counts_of(&client, "multi").own_skipped, 1);

        let current = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        current.block_on(async { assert!(subscribe(&client, "current", current_thread)) });
        first("current", "current_thread");
    }

    #[test]
    fn propagation_delay() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let client = client(&server, 0, PATIENT);
        assert!(subscribe(&client, "latency", latency));
        let mut con = server.connection(None);
        let mut delays: Vec<Duration> = (0..200)
            .map(|i| {
                let payload = encode(OTHER_PROCESS, &Invalidation::All { cache: i.to_string() });
                let sent = Instant::now();
                let _: u64 = redis::cmd("PUBLISH")
                    .arg(channel("latency"))
                    .arg(payload)
                    .query(&mut con)
                    .unwrap();
                let (event, arrived) = nth("latency", i);
                assert_eq!(event, Event::Received(Invalidation::All { cache: i.to_string() }));
                arrived - sent
            })
            .collect();
        delays.sort();
        let (p50, p99, max) = (delays[100], delays[198], delays[199]);
        eprintln!("publish to handler over 200 messages: p50 {p50:?}, p99 {p99:?}, max {max:?}");
        assert!(p50 <= p99);
    }
}
