//! Cache tags in Redis. A tag is an index: the set `{ns}:tag:{digest}` of the keys of the entries
//! written with it, beside a generation counter `{ns}:tag:{digest}:gen`. Invalidating a tag is
//! one script, never `KEYS` or a `SCAN` of the keyspace.
//!
//! An entry written while its tag is being invalidated never survives it, whichever processes
//! run the two:
//! 1. the loader reads its tags' [`generations`] before it runs the fn;
//! 2. it writes with [`set_tagged`], one script that writes nothing if a generation has moved;
//! 3. [`invalidate_tag`] moves the generation and, in the same script, renames the set to a
//!    drain of its own (listed in `{set}:drains`), so the tag starts a new, empty set; then it
//!    deletes the drain's members, [`DRAIN_BUDGET`] per script, until no drain of the tag is left.
//!
//! Redis runs a script whole, so a write lands either before the invalidation's first script
//! (its key is in the drained set, and deleted with it) or after it (the generation moved, so it
//! is refused). Only a loader that read the generations after an invalidation, and so ran the fn
//! after it, writes, into the new set. A drain leaves alone a member that is in the new set too:
//! that key was written again since, by such a loader.
//!
//! A tag of up to [`DRAIN_BUDGET`] entries goes in that first script, as one atomic step. A
//! larger one takes a round trip per budget, each a script short enough for the operation
//! timeout, so no single script blocks the server for long (a 50,000-entry tag in one script
//! held every other client of the server for longer than the 50ms default timeout). Should the
//! invalidating process stop halfway, the drains stay listed: the next invalidation of the tag
//! finishes them, and what is left of them expires with the set's TTL.
//!
//! The scripts touch keys they do not declare (the members, the drains), so they need one
//! server, not Redis Cluster.

use std::time::Duration;

use redis::{Cmd, FromRedisValue};
use xxhash_rust::xxh3::xxh3_128;

use super::client::{Client, Outcome};
use super::key::push_hex;
use crate::record::rng;

/// How long a tag's generation outlives its last invalidation. A loader running across its
/// expiry finds the key gone and its write refused: the safe side.
const GENERATION_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// `{namespace}:tag:{32 hex digits of xxh3_128(tag)}`: like entry keys, bounded and free of user
/// text.
pub(crate) fn tag_key(namespace: &str, tag: &str) -> String {
    let mut key = String::with_capacity(namespace.len() + 5 + 32);
    key.push_str(namespace);
    key.push_str(":tag:");
    push_hex(&mut key, xxh3_128(tag.as_bytes()), 32);
    key
}

fn generation_key(tag_key: &str) -> String {
    format!("{tag_key}:gen")
}

/// A Lua script, run by its SHA1 so that its text crosses the network only when the server has
/// not seen it (after a restart or `SCRIPT FLUSH`).
struct Script {
    text: &'static str,
    sha1: &'static str,
}

/// KEYS: the entry, then per tag its set and its generation. ARGV: the value, the TTL in ms, then
/// per tag the generation the loader read. Returns 1 if written, 0 if a generation moved.
///
/// The sets are written before the entry: should Redis refuse a write halfway (out of memory),
/// a set may name an entry that was never written, but no entry escapes its tags.
static WRITE: Script = Script {
    text: r"
local tags = (#KEYS - 1) / 2
for i = 1, tags do
  if (redis.call('GET', KEYS[2 * i + 1]) or '0') ~= ARGV[2 + i] then return 0 end
end
local ttl = tonumber(ARGV[2])
for i = 1, tags do
  local set = KEYS[2 * i]
  local left = redis.call('PTTL', set)
  redis.call('SADD', set, KEYS[1])
  if left == -2 or (left >= 0 and left < ttl) then redis.call('PEXPIRE', set, ttl) end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
return 1
",
    sha1: "e0019a3ab9fa92208c0f7640254f9c57305623e8",
};

/// Entries a tag invalidation deletes per script: a script of this many ran in 2–15 ms on a
/// 2-vCPU VM at load average 15 (one script for 50,000 took 98–157 ms), inside the 50ms
/// default timeout, and other clients' requests run between two.
pub(crate) const DRAIN_BUDGET: usize = 1_000;

/// The Lua function both invalidation scripts end with: pops up to `budget` members from the
/// tag's drains and deletes them, except those in the tag's live `set` (written again since
/// the invalidation). Returns `{deleted, drains left}`. `unpack` takes the members 1000 at a
/// time, well inside Lua's stack.
macro_rules! drain_lua {
    () => {
        r"
local function drain(set, drains, budget)
  local removed = 0
  while budget > 0 do
    local d = redis.call('SRANDMEMBER', drains)
    if not d then break end
    local members = redis.call('SPOP', d, budget)
    budget = budget - #members
    local gone = {}
    for _, m in ipairs(members) do
      if redis.call('SISMEMBER', set, m) == 0 then gone[#gone + 1] = m end
    end
    for i = 1, #gone, 1000 do
      removed = removed + redis.call('UNLINK', unpack(gone, i, math.min(i + 999, #gone)))
    end
    if redis.call('EXISTS', d) == 0 then redis.call('SREM', drains, d) end
  end
  return {removed, redis.call('SCARD', drains)}
end
"
    };
}

/// KEYS: the set, its generation, the tag's list of drains. ARGV: a start for a generation that
/// does not exist, its TTL in ms, a name for this invalidation's drain, the budget. Returns
/// `{deleted, drains left}`.
///
/// A missing generation starts at a random value, not 1: a loader that read 1 before the key
/// expired must not find 1 again. The list of drains lives as long as its longest drain (the
/// set's TTL, which `RENAME` keeps), and goes when its last drain is done.
static INVALIDATE: Script = Script {
    text: concat!(
        drain_lua!(),
        r"
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('INCR', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[1])
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], ARGV[3])
  local left = redis.call('PTTL', ARGV[3])
  local listed = redis.call('PTTL', KEYS[3])
  redis.call('SADD', KEYS[3], ARGV[3])
  if left == -1 then
    redis.call('PERSIST', KEYS[3])
  elseif listed == -2 or (listed >= 0 and listed < left) then
    redis.call('PEXPIRE', KEYS[3], left)
  end
end
return drain(KEYS[1], KEYS[3], tonumber(ARGV[4]))
"
    ),
    sha1: "3b1c5e5e5c3b44ceceb9012a8cc40f0382c10514",
};

/// KEYS: the set, the tag's list of drains. ARGV: the budget. Returns `{deleted, drains left}`.
static DRAIN: Script = Script {
    text: concat!(
        drain_lua!(),
        r"
return drain(KEYS[1], KEYS[2], tonumber(ARGV[1]))
"
    ),
    sha1: "a1d014b346f81cc4b2783f0e107ecc2a2ee77ce2",
};

impl Script {
    /// `EVALSHA`, or `EVAL` with the text, over `keys`, then the arguments `args` adds.
    fn cmd(&self, by_sha: bool, keys: &[String], args: &Args) -> Cmd {
        let mut cmd = redis::cmd(if by_sha { "EVALSHA" } else { "EVAL" });
        cmd.arg(if by_sha { self.sha1 } else { self.text }).arg(keys.len()).arg(keys);
        args(&mut cmd);
        cmd
    }
}

/// Adds a script's arguments; `Sync` so that the futures holding it are `Send`.
type Args<'a> = dyn Fn(&mut Cmd) + Sync + 'a;

// A server without the script answers NOSCRIPT, which `Outcome` reports as `Rejected` like any
// other error answer: the text is sent then, and caches the script again. The scripts are safe
// to run twice, so another rejection (a full server) costs only the second round trip.

async fn eval<T: FromRedisValue + Send + 'static>(
    client: &Client,
    script: &Script,
    keys: &[String],
    args: &Args<'_>,
) -> Outcome<T> {
    match client.query(script.cmd(true, keys, args)).await {
        Outcome::Rejected => client.query(script.cmd(false, keys, args)).await,
        other => other,
    }
}

fn eval_blocking<T: FromRedisValue + Send + 'static>(
    client: &Client,
    script: &Script,
    keys: &[String],
    args: &Args<'_>,
) -> Outcome<T> {
    match client.query_blocking(script.cmd(true, keys, args)) {
        Outcome::Rejected => client.query_blocking(script.cmd(false, keys, args)),
        other => other,
    }
}

fn generations_cmd(namespace: &str, tags: &[impl AsRef<str>]) -> Cmd {
    let mut cmd = redis::cmd("MGET");
    for tag in tags {
        cmd.arg(generation_key(&tag_key(namespace, tag.as_ref())));
    }
    cmd
}

fn zero_if_missing(generations: Vec<Option<u64>>) -> Vec<u64> {
    generations.into_iter().map(Option::unwrap_or_default).collect()
}

/// The current generation of each of `tags` (0 for one never invalidated), in one `MGET`. Read
/// it before running the fn whose result [`set_tagged`] writes.
pub(crate) async fn generations(
    client: &Client,
    namespace: &str,
    tags: &[impl AsRef<str> + Sync],
) -> Outcome<Vec<u64>> {
    if tags.is_empty() {
        return Outcome::Done(Vec::new());
    }
    client.query(generations_cmd(namespace, tags)).await.map(zero_if_missing)
}

/// [`generations`] for sync fns.
pub(crate) fn generations_blocking(
    client: &Client,
    namespace: &str,
    tags: &[impl AsRef<str>],
) -> Outcome<Vec<u64>> {
    if tags.is_empty() {
        return Outcome::Done(Vec::new());
    }
    client.query_blocking(generations_cmd(namespace, tags)).map(zero_if_missing)
}

/// The write script's keys, or `None` if `generations` is not one per tag (a caller's bug,
/// answered as a stale write: nothing is written).
fn write_keys(
    namespace: &str,
    entry_key: &str,
    tags: &[impl AsRef<str>],
    generations: &[u64],
) -> Option<Vec<String>> {
    debug_assert_eq!(tags.len(), generations.len(), "one generation per tag");
    if tags.len() != generations.len() {
        return None;
    }
    let mut keys = Vec::with_capacity(1 + 2 * tags.len());
    keys.push(entry_key.to_owned());
    for tag in tags {
        let set = tag_key(namespace, tag.as_ref());
        let generation = generation_key(&set);
        keys.extend([set, generation]);
    }
    Some(keys)
}

fn ttl_ms(ttl: Duration) -> u64 {
    ttl.as_millis().clamp(1, u128::from(u64::MAX)) as u64
}

/// Writes `value` at `entry_key` for `ttl` and adds the key to each of `tags`' sets, whose expiry
/// it extends to at least `ttl` (never shortens), all in one script; unless a tag was
/// invalidated since `generations` (one per tag, from [`generations`]) were read: then it writes
/// nothing. `Done(true)`: written; `Done(false)`: stale, not written.
pub(crate) async fn set_tagged(
    client: &Client,
    namespace: &str,
    entry_key: &str,
    value: &[u8],
    ttl: Duration,
    tags: &[impl AsRef<str> + Sync],
    generations: &[u64],
) -> Outcome<bool> {
    let Some(keys) = write_keys(namespace, entry_key, tags, generations) else {
        return Outcome::Done(false);
    };
    let ttl = ttl_ms(ttl);
    let args = |cmd: &mut Cmd| {
        cmd.arg(value).arg(ttl).arg(generations);
    };
    eval::<u8>(client, &WRITE, &keys, &args).await.map(|written| written == 1)
}

/// [`set_tagged`] for sync fns.
pub(crate) fn set_tagged_blocking(
    client: &Client,
    namespace: &str,
    entry_key: &str,
    value: &[u8],
    ttl: Duration,
    tags: &[impl AsRef<str>],
    generations: &[u64],
) -> Outcome<bool> {
    let Some(keys) = write_keys(namespace, entry_key, tags, generations) else {
        return Outcome::Done(false);
    };
    let ttl = ttl_ms(ttl);
    let args = |cmd: &mut Cmd| {
        cmd.arg(value).arg(ttl).arg(generations);
    };
    eval_blocking::<u8>(client, &WRITE, &keys, &args).map(|written| written == 1)
}

fn invalidate_keys(namespace: &str, tag: &str) -> [String; 3] {
    let set = tag_key(namespace, tag);
    let (generation, drains) = (generation_key(&set), format!("{set}:drains"));
    [set, generation, drains]
}

/// A name for one invalidation's drain: `{set}:drain:{16 random hex digits}`.
fn drain_key(set: &str) -> String {
    let mut key = format!("{set}:drain:");
    push_hex(&mut key, u128::from(rng::between(0, u64::MAX)), 16);
    key
}

/// Where a tag invalidation stands after one script.
fn step((deleted, drains_left): (u64, u64), removed: &mut u64) -> bool {
    *removed += deleted;
    drains_left == 0
}

/// A random start for a generation, with room left below `i64::MAX` for `INCR`.
fn generation_seed() -> u64 {
    rng::between(1, 1 << 62)
}

/// Moves `tag`'s generation, so that loads which read the old one write nothing, and deletes
/// every entry written with the tag before that: in the same script for a tag of up to
/// [`DRAIN_BUDGET`] entries, else [`DRAIN_BUDGET`] more per script until none is left (see the
/// module's docs). Returns how many entries it deleted; the first fault ends it, and is
/// returned.
pub(crate) async fn invalidate_tag(client: &Client, namespace: &str, tag: &str) -> Outcome<u64> {
    let keys = invalidate_keys(namespace, tag);
    let (seed, drain) = (generation_seed(), drain_key(&keys[0]));
    let first = |cmd: &mut Cmd| {
        cmd.arg(seed).arg(ttl_ms(GENERATION_TTL)).arg(&drain).arg(DRAIN_BUDGET);
    };
    let mut removed = 0;
    let mut outcome = eval(client, &INVALIDATE, &keys, &first).await;
    let set_and_drains = [keys[0].clone(), keys[2].clone()];
    let more = |cmd: &mut Cmd| {
        cmd.arg(DRAIN_BUDGET);
    };
    loop {
        match outcome {
            Outcome::Done(counts) if step(counts, &mut removed) => return Outcome::Done(removed),
            Outcome::Done(_) => outcome = eval(client, &DRAIN, &set_and_drains, &more).await,
            other => return other.map(|_| removed),
        }
    }
}

/// [`invalidate_tag`] for sync callers.
pub(crate) fn invalidate_tag_blocking(client: &Client, namespace: &str, tag: &str) -> Outcome<u64> {
    let keys = invalidate_keys(namespace, tag);
    let (seed, drain) = (generation_seed(), drain_key(&keys[0]));
    let first = |cmd: &mut Cmd| {
        cmd.arg(seed).arg(ttl_ms(GENERATION_TTL)).arg(&drain).arg(DRAIN_BUDGET);
    };
    let mut removed = 0;
    let mut outcome = eval_blocking(client, &INVALIDATE, &keys, &first);
    let set_and_drains = [keys[0].clone(), keys[2].clone()];
    let more = |cmd: &mut Cmd| {
        cmd.arg(DRAIN_BUDGET);
    };
    loop {
        match outcome {
            Outcome::Done(counts) if step(counts, &mut removed) => return Outcome::Done(removed),
            Outcome::Done(_) => outcome = eval_blocking(client, &DRAIN, &set_and_drains, &more),
            other => return other.map(|_| removed),
        }
    }
}

/// Against a real, private `redis-server`: no mocks.
#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Instant;

    use redis::Commands;

    use super::*;
    use crate::redis::RedisOptions;
    use crate::redis::test_server::TestRedis;

    const TTL: Duration = Duration::from_secs(60);

    /// A client of its own, as another process would have; no round trip to a live server times
    /// out on a busy machine.
    fn client(server: &TestRedis) -> Client {
        let options = RedisOptions {
            timeout: Duration::from_secs(5),
            namespace: Some("t".into()),
            ..RedisOptions::default()
        };
        Client::connect(&server.url(), &options).unwrap()
    }

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
    }

    fn done<T: std::fmt::Debug>(outcome: Outcome<T>) -> T {
        match outcome {
            Outcome::Done(value) => value,
            other => panic!("{other:?}"),
        }
    }

    fn pttl(server: &TestRedis, key: &str) -> i64 {
        server.connection(None).pttl(key).unwrap()
    }

    /// Aged at most the time since `since` (Redis counts whole ms: one more).
    fn aged_ms(since: Instant) -> i64 {
        i64::try_from(since.elapsed().as_millis()).unwrap() + 1
    }

    #[test]
    fn keys_are_bounded_and_apart_from_entry_keys() {
        let key = tag_key("app", "org:42");
        let digest = format!("{:032x}", xxh3_128(b"org:42"));
        assert_eq!(key, format!("app:tag:{digest}"));
        assert_eq!(tag_key("app", &"x".repeat(100_000)).len(), "app:tag:".len() + 32);
        assert_eq!(generation_key(&key), format!("app:tag:{digest}:gen"));
    }

    #[test]
    fn invalidating_a_tag_removes_its_entries_and_nothing_else() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let client = client(&server);
        // Two fns share `org:1`; one entry has two tags, one none.
        let entries: [(&str, &[&str]); 5] = [
            ("t:users:1", &["org:1"]),
            ("t:users:2", &["org:1", "org:2"]),
            ("t:orders:1", &["org:1"]),
            ("t:users:3", &["org:2"]),
            ("t:users:4", &[]),
        ];
        block_on(async {
            for (key, tags) in entries {
                let generations = done(generations(&client, "t", tags).await);
                assert_eq!(generations, vec![0; tags.len()]);
                let written = set_tagged(&client, "t", key, b"v", TTL, tags, &generations).await;
                assert_eq!(written, Outcome::Done(true), "{key}");
            }
            assert_eq!(invalidate_tag(&client, "t", "org:1").await, Outcome::Done(3));
        });
        let mut con = server.connection(None);
        let mut left: Vec<String> = con.keys("*").unwrap();
        left.sort();
        let org1 = tag_key("t", "org:1");
        let mut expected = vec![
            "t:users:3".to_owned(),
            "t:users:4".into(),
            tag_key("t", "org:2"),
            format!("{org1}:gen"),
        ];
        expected.sort();
        assert_eq!(left, expected);
        // `org:2` still names the deleted `users:2`: harmless, and gone with the set.
        assert_eq!(invalidate_tag_blocking(&client, "t", "org:2"), Outcome::Done(1));
        assert_eq!(con.exists::<_, bool>("t:users:4"), Ok(true));
        assert_eq!(con.exists::<_, bool>(tag_key("t", "org:2")), Ok(false));
        assert_eq!(invalidate_tag_blocking(&client, "t", "never written"), Outcome::Done(0));
    }

    #[test]
    fn a_tag_set_lives_as_long_as_its_longest_entry() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let client = client(&server);
        let set = tag_key("t", "org");
        let write = |key: &str, ttl: Duration| {
            let generations = done(generations_blocking(&client, "t", &["org"]));
            let written = set_tagged_blocking(&client, "t", key, b"v", ttl, &["org"], &generations);
            assert_eq!(written, Outcome::Done(true));
        };
        let first = Instant::now();
        write("t:f:1", TTL);
        // The set's read first: with equal expiries, the entry's, read later, cannot be longer.
        let (tag, entry) = (pttl(&server, &set), pttl(&server, "t:f:1"));
        assert!((60_000 - aged_ms(first)..=60_000).contains(&entry), "entry PTTL {entry}");
        assert!(tag >= entry, "set PTTL {tag} < entry PTTL {entry}");

        // A shorter entry leaves the set's expiry alone.
        write("t:f:2", Duration::from_secs(1));
        let tag = pttl(&server, &set);
        assert!((60_000 - aged_ms(first)..=60_000).contains(&tag), "set PTTL {tag}");

        let longer = Instant::now();
        write("t:f:3", 2 * TTL);
        let tag = pttl(&server, &set);
        assert!((120_000 - aged_ms(longer)..=120_000).contains(&tag), "set PTTL {tag}");

        let invalidated = Instant::now();
        assert_eq!(invalidate_tag_blocking(&client, "t", "org"), Outcome::Done(3));
        let day = ttl_ms(GENERATION_TTL) as i64;
        let generation = pttl(&server, &generation_key(&set));
        assert!((day - aged_ms(invalidated)..=day).contains(&generation), "gen PTTL {generation}");
    }

    #[test]
    fn a_write_with_stale_generations_is_refused() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let (loader, invalidator) = (client(&server), client(&server));
        let tags = ["a", "b"];
        let read = done(generations_blocking(&loader, "t", &tags));
        assert_eq!(read, [0, 0]);
        assert_eq!(invalidate_tag_blocking(&invalidator, "t", "b"), Outcome::Done(0));
        let stale = set_tagged_blocking(&loader, "t", "t:f:1", b"v", TTL, &tags, &read);
        assert_eq!(stale, Outcome::Done(false));
        let mut con = server.connection(None);
        // Nothing written, not even to the tag that did not move.
        assert_eq!(con.exists::<_, bool>("t:f:1"), Ok(false));
        assert_eq!(con.exists::<_, bool>(tag_key("t", "a")), Ok(false));

        let fresh = done(generations_blocking(&loader, "t", &tags));
        assert_eq!(fresh[0], 0);
        assert_ne!(fresh[1], 0, "a new generation starts anywhere but 0");
        block_on(async {
            let written = set_tagged(&loader, "t", "t:f:1", b"v", TTL, &tags, &fresh).await;
            assert_eq!(written, Outcome::Done(true));
            assert_eq!(invalidate_tag(&invalidator, "t", "b").await, Outcome::Done(1));
            let next = done(generations(&loader, "t", &tags).await);
            assert_eq!(next, [0, fresh[1] + 1]);
        });
    }

    #[test]
    fn scripts_are_run_by_their_sha_and_resent_to_a_server_without_them() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let client = client(&server);
        let mut con = server.connection(None);
        for script in [&WRITE, &INVALIDATE, &DRAIN] {
            let sha: String =
                redis::cmd("SCRIPT").arg("LOAD").arg(script.text).query(&mut con).unwrap();
            assert_eq!(script.sha1, sha, "update the script's `sha1`");
        }
        let _: () = redis::cmd("SCRIPT").arg("FLUSH").query(&mut con).unwrap();
        let written = set_tagged_blocking(&client, "t", "t:f:1", b"v", TTL, &["a"], &[0]);
        assert_eq!(written, Outcome::Done(true));
        let _: () = redis::cmd("SCRIPT").arg("FLUSH").query(&mut con).unwrap();
        assert_eq!(invalidate_tag_blocking(&client, "t", "a"), Outcome::Done(1));
    }

    /// A loader (read generations, a random pause, write) against an invalidation of the same
    /// tag from another client, many times. Which one Redis ran first is read from the
    /// generation the loader saw, not from the clock: whenever it read the generation from
    /// before the invalidation, its entry must be gone afterwards.
    #[test]
    fn an_entry_written_during_an_invalidation_never_survives_it() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let (loader, invalidator) = (client(&server), client(&server));
        let mut con = server.connection(None);
        let tag = ["shared"];
        let (mut removed_after_write, mut refused, mut read_after) = (0, 0, 0);
        for i in 0..500 {
            let key = format!("t:f:{i}");
            let before = done(generations_blocking(&invalidator, "t", &tag))[0];
            let (read_tx, read_rx) = mpsc::channel();
            let (read, written) = std::thread::scope(|s| {
                let load = s.spawn(|| {
                    let read = done(generations_blocking(&loader, "t", &tag));
                    let _ = read_tx.send(());
                    std::thread::sleep(Duration::from_micros(rng::between(0, 300)));
                    (read[0], done(set_tagged_blocking(&loader, "t", &key, b"v", TTL, &tag, &read)))
                });
                // Every other time the invalidation starts only once the loader has read, so
                // that case is tested however the machine schedules the threads.
                if i % 2 == 0 {
                    read_rx.recv().unwrap();
                }
                std::thread::sleep(Duration::from_micros(rng::between(0, 300)));
                done(invalidate_tag_blocking(&invalidator, "t", "shared"));
                load.join().unwrap()
            });
            let after = done(generations_blocking(&invalidator, "t", &tag))[0];
            assert_ne!(before, after);
            let exists: bool = con.exists(&key).unwrap();
            if read == before {
                assert!(
                    !exists,
                    "iteration {i}: a load that began before the invalidation survived it"
                );
                if written { removed_after_write += 1 } else { refused += 1 }
            } else {
                assert_eq!(read, after);
                assert!(written && exists, "iteration {i}: a load after the invalidation was lost");
                read_after += 1;
            }
        }
        eprintln!(
            "500 races: {removed_after_write} written then removed, {refused} refused as stale, \
             {read_after} loaded after the invalidation"
        );
        assert!(removed_after_write + refused >= 250);
    }

    /// `count` entries `t:f:{i}` under `tag`, as the write script leaves them.
    fn fill_tag(con: &mut redis::Connection, tag: &str, count: u32) {
        let set = tag_key("t", tag);
        for chunk in (0..count).collect::<Vec<_>>().chunks(10_000) {
            let mut pipe = redis::pipe();
            for i in chunk {
                let key = format!("t:f:{i}");
                pipe.set_ex(&key, "v", 600).ignore().sadd(&set, &key).ignore();
            }
            let _: () = pipe.query(con).unwrap();
        }
        let _: () = con.expire(&set, 600).unwrap();
    }

    #[test]
    fn ten_thousand_entries_go_in_steps() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let client = client(&server);
        let mut con = server.connection(None);
        fill_tag(&mut con, "big", 10_000);
        let _: () = con.set("t:other", "v").unwrap();
        let started = Instant::now();
        assert_eq!(invalidate_tag_blocking(&client, "t", "big"), Outcome::Done(10_000));
        eprintln!("invalidated a 10,000-entry tag in {:?}", started.elapsed());
        let mut left: Vec<String> = con.keys("*").unwrap();
        left.sort();
        let set = tag_key("t", "big");
        assert_eq!(left, ["t:other".to_owned(), generation_key(&set)]);
    }

    /// 50,000 entries, with the default 50ms timeout: every step of the invalidation finishes
    /// inside it (one script for the whole tag ran longer), and nothing of the tag is left.
    /// A run that timed out although no script ran as long as the timeout, or while the
    /// machine stalled this process for half of it, was slowed by the machine: it makes no
    /// claim, is finished with a longer timeout, and runs again.
    #[test]
    fn fifty_thousand_entries_go_within_the_default_timeout() {
        let Some(server) = TestRedis::start(&["--slowlog-log-slower-than", "0"]) else { return };
        let options = RedisOptions { namespace: Some("t".into()), ..RedisOptions::default() };
        let client = Client::connect(&server.url(), &options).unwrap();
        let mut con = server.connection(None);
        let timeout_us = i64::try_from(options.timeout.as_micros()).unwrap();
        for blocking in [true, false] {
            let judged = (0..5).any(|_| {
                fill_tag(&mut con, "huge", 50_000);
                let _: () = redis::cmd("SLOWLOG").arg("RESET").query(&mut con).unwrap();
                let stalls = crate::redis::stalls::Stalls::measure();
                let started = Instant::now();
                let outcome = if blocking {
                    invalidate_tag_blocking(&client, "t", "huge")
                } else {
                    block_on(invalidate_tag(&client, "t", "huge"))
                };
                let (took, stall) = (started.elapsed(), stalls.longest());
                let slowest = slowest_script_us(&mut con);
                if outcome != Outcome::Done(50_000) {
                    assert!(
                        slowest < timeout_us || stall >= options.timeout / 2,
                        "{outcome:?}: a script held the server {slowest} µs, blocking: {blocking}"
                    );
                    done(invalidate_tag_blocking(&self::client(&server), "t", "huge"));
                    return false;
                }
                eprintln!(
                    "invalidated a 50,000-entry tag in {took:?}, longest script {slowest} µs"
                );
                let left: Vec<String> = con.keys("*").unwrap();
                assert_eq!(left, [generation_key(&tag_key("t", "huge"))]);
                true
            });
            assert!(judged, "the machine slowed each of 5 runs past the timeout");
        }
    }

    /// The invalidation's first script, alone: as a process that stopped after it leaves it.
    fn first_step(client: &Client, tag: &str) -> (u64, u64) {
        let keys = invalidate_keys("t", tag);
        let drain = drain_key(&keys[0]);
        let args = |cmd: &mut Cmd| {
            cmd.arg(generation_seed()).arg(ttl_ms(GENERATION_TTL)).arg(&drain).arg(DRAIN_BUDGET);
        };
        done(eval_blocking(client, &INVALIDATE, &keys, &args))
    }

    /// Writes made while a large tag drains, from the generation they read: one read before the
    /// invalidation is refused; one read after is kept, a key of the drained set written again
    /// included; the rest of the drained set goes.
    #[test]
    fn writes_while_a_tag_drains_are_kept_or_refused_by_the_generation_they_read() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let (loader, invalidator) = (client(&server), client(&server));
        let mut con = server.connection(None);
        let total = 3 * DRAIN_BUDGET as u32;
        fill_tag(&mut con, "big", total);
        let stale = done(generations_blocking(&loader, "t", &["big"]));

        let (deleted, drains) = first_step(&invalidator, "big");
        assert_eq!((deleted, drains), (DRAIN_BUDGET as u64, 1));
        let fresh = done(generations_blocking(&loader, "t", &["big"]));
        assert_ne!(fresh, stale);
        let write = |key: &str, gens: &[u64]| {
            done(set_tagged_blocking(&loader, "t", key, b"new", TTL, &["big"], gens))
        };
        assert!(!write("t:late", &stale), "a load that began before is refused");
        // Which entries the first step took is random: rewrite some of each kind.
        let still_there: Vec<String> =
            (0..total).map(|i| format!("t:f:{i}")).filter(|k| con.exists(k).unwrap()).collect();
        assert_eq!(still_there.len(), total as usize - DRAIN_BUDGET);
        let rewritten = &still_there[..10];
        for key in rewritten {
            assert!(write(key, &fresh));
        }
        assert!(write("t:new", &fresh));

        // The rest of the drain, as the invalidation's loop runs it.
        let keys = [tag_key("t", "big"), format!("{}:drains", tag_key("t", "big"))];
        let budget = |cmd: &mut Cmd| {
            cmd.arg(DRAIN_BUDGET);
        };
        let mut removed = deleted;
        while !step(done(eval_blocking(&invalidator, &DRAIN, &keys, &budget)), &mut removed) {}
        assert_eq!(removed, u64::from(total) - 10, "every old entry but the rewritten");
        let mut left: Vec<String> = con.keys("t:*").unwrap();
        left.sort();
        let mut kept: Vec<String> = rewritten.iter().cloned().chain(["t:new".into()]).collect();
        kept.extend([tag_key("t", "big"), generation_key(&tag_key("t", "big"))]);
        kept.sort();
        assert_eq!(left, kept);
        assert_eq!(con.get::<_, String>(&rewritten[0]).unwrap(), "new");
    }

    /// A process that stopped after the first script leaves its drain listed; the next
    /// invalidation of the tag removes it with its own.
    #[test]
    fn a_drain_left_halfway_is_finished_by_the_next_invalidation() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let client = client(&server);
        let mut con = server.connection(None);
        let total = 2 * DRAIN_BUDGET as u32 + 7;
        fill_tag(&mut con, "big", total);
        let (deleted, _) = first_step(&client, "big");
        let gens = done(generations_blocking(&client, "t", &["big"]));
        assert!(done(set_tagged_blocking(&client, "t", "t:new", b"v", TTL, &["big"], &gens)));
        // What is left of the drain, plus the entry written since.
        let rest = u64::from(total) - deleted + 1;
        assert_eq!(invalidate_tag_blocking(&client, "t", "big"), Outcome::Done(rest));
        let left: Vec<String> = con.keys("t:*").unwrap();
        assert_eq!(left, [generation_key(&tag_key("t", "big"))]);
    }

    /// Loaders write entries of a 50,000-entry tag and new ones while another client
    /// invalidates it: whatever the interleaving, an entry whose load read the generation from
    /// before the invalidation is gone afterwards, and one that read the new generation is kept.
    #[test]
    fn loads_racing_a_large_invalidation_keep_only_what_began_after_it() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let (loader, invalidator) = (client(&server), client(&server));
        let mut con = server.connection(None);
        fill_tag(&mut con, "big", 50_000);
        let before = done(generations_blocking(&loader, "t", &["big"]))[0];
        let finished = std::sync::atomic::AtomicBool::new(false);
        let started = std::sync::atomic::AtomicUsize::new(0);
        let (loads, removed) = std::thread::scope(|s| {
            let loads = s.spawn(|| {
                let mut loads = Vec::new();
                // Until the invalidation is over, and 20 loads more.
                let mut after_it = 0;
                while after_it < 20 {
                    if finished.load(std::sync::atomic::Ordering::Acquire) {
                        after_it += 1;
                    }
                    let i = loads.len();
                    // Half rewrite an entry of the tag, half write a new one.
                    let key = if i % 2 == 0 {
                        format!("t:f:{}", rng::between(0, 50_000))
                    } else {
                        format!("t:n:{i}")
                    };
                    let read = done(generations_blocking(&loader, "t", &["big"]));
                    let written = done(set_tagged_blocking(
                        &loader,
                        "t",
                        &key,
                        format!("load {i}").as_bytes(),
                        TTL,
                        &["big"],
                        &read,
                    ));
                    loads.push((key, read[0], written));
                    started.store(loads.len(), std::sync::atomic::Ordering::Release);
                }
                loads
            });
            // Some loads before the invalidation, however the threads are scheduled.
            while started.load(std::sync::atomic::Ordering::Acquire) < 20 {
                std::thread::yield_now();
            }
            let removed = done(invalidate_tag_blocking(&invalidator, "t", "big"));
            finished.store(true, std::sync::atomic::Ordering::Release);
            (loads.join().unwrap(), removed)
        });
        let after = done(generations_blocking(&loader, "t", &["big"]))[0];
        assert_ne!(before, after);
        let (mut early, mut late) = (0, 0);
        // The last load of each key decides what the key holds.
        let mut last = std::collections::HashMap::new();
        for (i, (key, read, written)) in loads.iter().enumerate() {
            last.insert(key.clone(), (i, *read, *written));
        }
        for (key, (i, read, written)) in &last {
            let held: Option<String> = con.get(key).unwrap();
            if *read == before {
                early += 1;
                assert_eq!(held, None, "{key}: a load that began before the invalidation survived");
            } else {
                late += 1;
                assert_eq!(read, &after);
                assert!(written, "{key}");
                assert_eq!(held, Some(format!("load {i}")), "{key}: a load after it was lost");
            }
        }
        // Entries of the tag that no load touched are gone.
        let touched: std::collections::HashSet<&String> = last.keys().collect();
        let survivors: Vec<String> = con.keys("t:f:*").unwrap();
        assert!(survivors.iter().all(|k| touched.contains(k)), "an untouched entry survived");
        eprintln!("{removed} removed; {early} keys last loaded before, {late} after");
        assert!(early >= 10 && late >= 20, "{early} before, {late} after");
    }

    /// One script for the whole tag, as invalidations ran before they were split: the
    /// measurement's baseline.
    const ONE_SCRIPT: &str = r"
local members = redis.call('SMEMBERS', KEYS[1])
local removed = 0
for i = 1, #members, 1000 do
  removed = removed + redis.call('UNLINK', unpack(members, i, math.min(i + 999, #members)))
end
redis.call('UNLINK', KEYS[1])
return removed
";

    /// The longest script run the server logged since the last `SLOWLOG RESET`, in µs.
    fn slowest_script_us(con: &mut redis::Connection) -> i64 {
        let log: Vec<redis::Value> =
            redis::cmd("SLOWLOG").arg("GET").arg(100_000).query(con).unwrap();
        let durations = log.iter().filter_map(|entry| match entry {
            redis::Value::Array(fields) => match (&fields[2], &fields[3]) {
                (redis::Value::Int(us), redis::Value::Array(args)) => {
                    let name = redis::from_redis_value::<String>(args[0].clone()).unwrap();
                    name.starts_with("EVAL").then_some(*us)
                }
                _ => None,
            },
            _ => None,
        });
        durations.max().unwrap_or(0)
    }

    /// Times `invalidate_tag` of 10,000 and 50,000 entries against one script for the whole
    /// tag, in turn, five times each: the whole call as the caller sees it, and the longest
    /// script the server ran (how long it held every other client).
    #[test]
    #[ignore = "measurement, for docs/cached.md: cargo test -p perf-runtime --features redis \
                --lib -- --ignored measure_large_tag_invalidation --nocapture"]
    fn measure_large_tag_invalidation() {
        let Some(server) = TestRedis::start(&["--slowlog-log-slower-than", "0"]) else { return };
        let client = client(&server);
        let mut con = server.connection(None);
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("slowlog-max-len")
            .arg(100_000)
            .query(&mut con)
            .unwrap();
        for size in [10_000u32, 50_000] {
            let (mut split, mut whole) = (Vec::new(), Vec::new());
            for _ in 0..5 {
                for one_script in [false, true] {
                    fill_tag(&mut con, "m", size);
                    let _: () = redis::cmd("SLOWLOG").arg("RESET").query(&mut con).unwrap();
                    let started = Instant::now();
                    if one_script {
                        let removed: u64 = redis::cmd("EVAL")
                            .arg(ONE_SCRIPT)
                            .arg(1)
                            .arg(tag_key("t", "m"))
                            .query(&mut con)
                            .unwrap();
                        assert_eq!(removed, u64::from(size));
                    } else {
                        assert_eq!(
                            invalidate_tag_blocking(&client, "t", "m"),
                            Outcome::Done(u64::from(size))
                        );
                    }
                    let took = started.elapsed();
                    let slowest = slowest_script_us(&mut con);
                    if one_script { &mut whole } else { &mut split }.push((took, slowest));
                }
            }
            for (what, runs) in [("in steps", &mut split), ("one script", &mut whole)] {
                runs.sort();
                let (calls, scripts): (Vec<_>, Vec<_>) = runs.iter().copied().unzip();
                eprintln!(
                    "{size} entries, {what}: call {:?} median ({:?}–{:?}); longest script \
                     {}–{} µs",
                    calls[2],
                    calls[0],
                    calls[4],
                    scripts.iter().min().unwrap(),
                    scripts.iter().max().unwrap()
                );
            }
        }
    }
}
