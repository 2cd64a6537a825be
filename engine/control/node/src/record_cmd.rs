//! `kestrel record`: the feeds alone, every frame they deliver written to a capture file
//! (`kestrel_capture`), nothing traded; and the recorder `kestrel run --record` shares.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use kestrel_capture::{Recorder, Recording};
use kestrel_config::{ClusterMode, Config};
use kestrel_feed::{Destination, FeedClient, FeedConfig, FeedHandle, Sink, Stamped};

use crate::run_cmd::{local_cluster, wallet};

#[derive(Debug, clap::Args)]
#[command(
    about = "Record what the feeds deliver, without trading",
    long_about = "Connects the configured feeds (the embedded local cluster by default) and \
                  writes every frame they deliver, first copies and duplicates, with its \
                  endpoint and receive time, to a capture file (zstd blocks, append-only, \
                  never overwritten, rotated past --max-mb). Nothing is traded."
)]
pub(crate) struct Args {
    /// The capture file to write
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Stop after this many seconds [default: until Ctrl-C]
    #[arg(long, value_name = "SECS")]
    duration: Option<u64>,
    /// Start a new capture file past this size
    #[arg(long, value_name = "MB", default_value_t = 1024)]
    max_mb: u64,
    /// The local cluster's scenario (launches and traders: a synthetic market of the shape
    /// the file describes) [default: [sim] scenario]
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
}

/// Starts a recorder for `feed`'s endpoints; `wallet`: the one trading while it records.
pub(crate) fn start(
    path: &Path,
    feed: &FeedConfig,
    max_mb: u64,
    wallet: Option<String>,
) -> Result<(Recorder, Recording)> {
    if feed.client != FeedClient::Raw {
        bail!("recording needs the raw feed client ([feed] client = \"raw\")");
    }
    kestrel_engine::recording::start(path, feed, max_mb.saturating_mul(1 << 20), wallet)
        .with_context(|| format!("cannot record to {}", path.display()))
}

/// Writes out what is queued and says what the capture holds.
pub(crate) fn finish(r: Recording) {
    let dropped = r.stats.dropped.load(std::sync::atomic::Ordering::Relaxed);
    let said = match r.finish() {
        Ok(n) => format!("recorded {n} frames ({dropped} dropped by a full queue)"),
        Err(e) => format!("recording stopped: {e}"),
    };
    let _ = writeln!(std::io::stderr(), "{said}");
}

/// Where a listen-only feed's events go: nowhere (the capture has the frames).
struct Discard;

impl Destination for Discard {
    fn deliver(
        &self,
        _: Stamped,
        _: Option<&kestrel_feed::EndpointStats>,
    ) -> Result<(), kestrel_feed::sink::Closed> {
        Ok(())
    }
}

pub(crate) fn run(args: &Args, config: Option<&Path>) -> u8 {
    match record(args, config) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "kestrel record: {e:#}");
            1
        }
    }
}

fn record(args: &Args, config: Option<&Path>) -> Result<()> {
    let (mut config, _): (Config, _) = Config::resolve(config)?;
    if let Some(path) = &args.scenario {
        if config.network.cluster != ClusterMode::Sim {
            bail!("--scenario is for the local cluster ([network] cluster = \"sim\")");
        }
        // Read now, so a bad file is refused before anything starts.
        crate::sim_cmd::scenario(path).map_err(anyhow::Error::msg)?;
        config.sim.scenario = Some(path.clone());
    }
    let cluster = if config.network.cluster == ClusterMode::Sim {
        local_cluster(&mut config)?
    } else {
        None
    };
    let setup = kestrel::setup::engine_setup(&config, wallet(&config)?)?;
    let mut feed = setup.feed;
    let (recorder, recording) = start(&args.out, &feed, args.max_mb, None)?;
    feed.recorder = Some(recorder);
    let _ = writeln!(
        std::io::stderr(),
        "recording {} feed(s) to {}",
        feed.endpoints.len(),
        args.out.display()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let (signatures, _ignored) = tokio::sync::mpsc::unbounded_channel();
        let running = kestrel_feed::start(feed, Sink::new(Discard, signatures), FeedHandle::new());
        let wait = async {
            match args.duration {
                Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = wait => {}
        }
        drop(running);
    });
    // The feeds' tasks (and their recorder handles) end with the LocalSet.
    drop(local);
    drop(rt);
    finish(recording);
    if let Some(c) = cluster {
        c.stop();
    }
    Ok(())
}
