//! A TCP proxy the test controls, between a node and headquarters: it passes bytes through,
//! or cuts every connection and refuses new ones, or cuts connections at random moments (a
//! flapping link), or delays each chunk. Real sockets, no mock of the network.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Default)]
struct State {
    upstream: Mutex<String>,
    cut: AtomicBool,
    /// Per mille: the chance that a chunk passing through ends its connection instead.
    drop_per_mille: AtomicU32,
    delay_ms: AtomicU64,
    /// Bumped by `cut`: connections opened before it end.
    epoch: AtomicU64,
    seed: AtomicU64,
    stop: AtomicBool,
}

#[derive(Debug)]
pub struct Proxy {
    pub addr: String,
    state: Arc<State>,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let state = Arc::new(State::default());
        *state.upstream.lock().unwrap() = upstream.to_string();
        state.seed.store(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.stop.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(down) = conn else { continue };
                if st.cut.load(Ordering::Relaxed) {
                    let _ = down.shutdown(Shutdown::Both);
                    continue;
                }
                let upstream = st.upstream.lock().unwrap().clone();
                let Ok(up) = TcpStream::connect(&upstream) else {
                    let _ = down.shutdown(Shutdown::Both);
                    continue;
                };
                let epoch = st.epoch.load(Ordering::Relaxed);
                for (from, to) in [(down.try_clone().unwrap(), up.try_clone().unwrap()), (up, down)]
                {
                    let st = st.clone();
                    std::thread::spawn(move || pump(from, to, &st, epoch));
                }
            }
        });
        Proxy { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Cuts the link: open connections end, new ones are refused.
    pub fn cut(&self) {
        self.state.cut.store(true, Ordering::Relaxed);
        self.state.epoch.fetch_add(1, Ordering::Relaxed);
    }

    pub fn restore(&self) {
        self.state.cut.store(false, Ordering::Relaxed);
    }

    /// Each chunk ends its connection with this chance (per mille), and waits `delay_ms`.
    pub fn flaky(&self, drop_per_mille: u32, delay_ms: u64) {
        self.state.drop_per_mille.store(drop_per_mille, Ordering::Relaxed);
        self.state.delay_ms.store(delay_ms, Ordering::Relaxed);
    }

    pub fn set_upstream(&self, upstream: &str) {
        *self.state.upstream.lock().unwrap() = upstream.to_string();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::Relaxed);
        self.cut();
        let _ = TcpStream::connect(&self.addr);
    }
}

fn chance(st: &State) -> u32 {
    // xorshift, shared: deterministic enough for a test, and lock-free.
    let mut x = st.seed.load(Ordering::Relaxed);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    st.seed.store(x, Ordering::Relaxed);
    (x % 1000) as u32
}

fn pump(mut from: TcpStream, mut to: TcpStream, st: &State, epoch: u64) {
    let _ = from.set_read_timeout(Some(Duration::from_millis(200)));
    let mut buf = [0u8; 16 * 1024];
    loop {
        if st.epoch.load(Ordering::Relaxed) != epoch || st.stop.load(Ordering::Relaxed) {
            break;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(_) => break,
        };
        let delay = st.delay_ms.load(Ordering::Relaxed);
        if delay > 0 {
            std::thread::sleep(Duration::from_millis(delay));
        }
        if chance(st) < st.drop_per_mille.load(Ordering::Relaxed) {
            break;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
