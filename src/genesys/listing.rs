//! The listing snapshot of one org (one `Client`, so one per org and per provider process):
//! reads of many scripts share one complete editable listing (`GET /api/v2/scripts`, every
//! page, id -> `versionId`), fetched once however many reads arrive at the same time.
//!
//! When to list is decided from what is known (docs/performance.md, "Refresh at listing
//! speed"): reads that arrive together are gathered for a moment and counted; only when
//! [`PROBE_AT_READS`] reads have arrived is the first page fetched, which tells the listing's
//! size; the other pages are fetched only when they are no more than the reads that would
//! otherwise each cost a GET. Until then (and when a listing fails) reads go by GET as before.
//!
//! The snapshot only ever answers reads, never the precondition of a write
//! (docs/conditional-writes.md). A script this client replaces or deletes is dropped from it.
//!
//! A cache above the API operations: it lists through `script_reads` over the `Transport` it
//! is handed, and is no part of the transport.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use futures::stream::{self, StreamExt};
use tokio::time::Instant;

use super::error::GenesysError;
use super::script_reads::{list_page, ListingPage};
use super::scripts::ScriptMeta;
use super::transport::Transport;

/// Reads arriving within this long of the previous one join its batch.
const GATHER_QUIET: Duration = Duration::from_millis(50);
/// A batch is closed this long after its first read at the latest.
const GATHER_MAX: Duration = Duration::from_millis(300);
/// Reads needed before the first page of the listing is fetched: fewer reads go by GET, so a
/// plan of 3 scripts costs its 3 GETs and nothing more, however big the org.
pub(crate) const PROBE_AT_READS: u64 = 4;
/// Pages of one listing fetched at the same time.
const FETCH_CONCURRENCY: usize = 8;

const EDITABLE: &[&str] = &["api", "v2", "scripts"];
const KIND: &str = "list_scripts";

/// See the module doc.
#[derive(Default)]
pub(crate) struct ListingSnapshot {
    gate: Mutex<Gate>,
    stage: tokio::sync::Mutex<Stage>,
}

/// Counting of the reads, and the scripts no longer answered from the snapshot.
#[derive(Default)]
struct Gate {
    /// Reads that asked the snapshot.
    reads: u64,
    /// Time of the first read and of the last one of the first batch.
    batch: Option<(Instant, Instant)>,
    closed: bool,
    /// Scripts this client wrote or deleted.
    forgotten: HashSet<String>,
}

#[derive(Default)]
enum Stage {
    /// Not listed yet.
    #[default]
    Unprobed,
    /// The first page is known; the rest was not worth fetching yet.
    FirstPage {
        entries: HashMap<String, ScriptMeta>,
        pages: u32,
        /// Reads the first page answered.
        answered: u64,
    },
    Complete(HashMap<String, ScriptMeta>),
    /// A listing failed: reads go by GET for the rest of the process.
    Failed,
}

/// Whether `reads` pay for a look at the first page (one request).
fn worth_probing(reads: u64) -> bool {
    reads >= PROBE_AT_READS
}

/// Whether the rest of a listing of `pages` pages is worth fetching for `unanswered` reads that
/// would otherwise each cost a GET.
fn worth_listing(pages: u32, unanswered: u64) -> bool {
    u64::from(pages.saturating_sub(1)) <= unanswered
}

fn by_id(metas: Vec<ScriptMeta>) -> HashMap<String, ScriptMeta> {
    metas.into_iter().map(|m| (m.id.clone(), m)).collect()
}

impl ListingSnapshot {
    fn gate(&self) -> MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a read; it joins the first batch while that is open.
    fn arrive(&self, now: Instant) {
        let mut g = self.gate();
        g.reads += 1;
        if !g.closed {
            let opened = g.batch.map_or(now, |(o, _)| o);
            g.batch = Some((opened, now));
        }
    }

    /// How long a read still waits for its batch to gather (`None`: go on).
    fn gather_wait(&self, now: Instant) -> Option<Duration> {
        let mut g = self.gate();
        let (opened, last) = g.batch?;
        if g.closed {
            return None;
        }
        let end = (last + GATHER_QUIET).min(opened + GATHER_MAX);
        if now >= end {
            g.closed = true;
            None
        } else {
            Some(end - now)
        }
    }

    fn reads(&self) -> u64 {
        self.gate().reads
    }

    fn is_forgotten(&self, id: &str) -> bool {
        self.gate().forgotten.contains(id)
    }

    /// Drops a script this client wrote or deleted from the snapshot: its reads go by GET.
    pub(crate) fn forget(&self, id: &str) {
        self.gate().forgotten.insert(id.to_string());
    }

    /// The listing's entry of script `id`, when reads are served from a listing and it lists
    /// the script; `None` otherwise (the caller then reads by id). Lists through `t`.
    pub(crate) async fn listed(&self, t: &Transport, id: &str) -> Option<ScriptMeta> {
        let snap = self;
        snap.arrive(Instant::now());
        while let Some(wait) = snap.gather_wait(Instant::now()) {
            t.stop.sleep(wait).await.ok()?;
        }
        let mut stage = snap.stage.lock().await;
        let found = loop {
            let next = match &mut *stage {
                Stage::Complete(all) => break all.get(id).cloned(),
                Stage::Failed => break None,
                Stage::Unprobed if !worth_probing(snap.reads()) => break None,
                Stage::Unprobed => match list_page(t, EDITABLE, "", KIND, 1).await {
                    Ok(first) => first_stage(first),
                    Err(e) => failed(&e),
                },
                Stage::FirstPage {
                    entries,
                    pages,
                    answered,
                } => {
                    if let Some(m) = entries.get(id) {
                        *answered += 1;
                        break Some(m.clone());
                    }
                    let unanswered = snap.reads().saturating_sub(*answered);
                    if !worth_listing(*pages, unanswered) {
                        break None;
                    }
                    match self.rest_of_listing(t, *pages).await {
                        Ok(rest) => {
                            let mut all = std::mem::take(entries);
                            all.extend(by_id(rest));
                            tracing::debug!(scripts = all.len(), "listing snapshot complete");
                            Stage::Complete(all)
                        }
                        Err(e) => failed(&e),
                    }
                }
            };
            *stage = next;
        };
        drop(stage);
        found.filter(|_| !snap.is_forgotten(id))
    }

    /// Pages 2..=`pages` of the editable listing (a few at a time), then any page the listing
    /// grew by meanwhile.
    async fn rest_of_listing(
        &self,
        t: &Transport,
        pages: u32,
    ) -> Result<Vec<ScriptMeta>, GenesysError> {
        let fetched: Vec<(u32, Result<ListingPage, GenesysError>)> = stream::iter(2..=pages)
            .map(|n| async move { (n, list_page(t, EDITABLE, "", KIND, n).await) })
            .buffer_unordered(FETCH_CONCURRENCY)
            .collect()
            .await;
        let mut out = Vec::new();
        let mut more = false;
        for (n, page) in fetched {
            let page = page?;
            if n == pages {
                more = !page.last;
            }
            out.extend(page.metas);
        }
        let mut n = pages;
        while more {
            n += 1;
            let page = list_page(t, EDITABLE, "", KIND, n).await?;
            more = !page.last;
            out.extend(page.metas);
        }
        Ok(out)
    }
}

/// What the first page leads to: the whole listing when it is the only page.
fn first_stage(first: ListingPage) -> Stage {
    let entries = by_id(first.metas);
    match first.page_count {
        _ if first.last => Stage::Complete(entries),
        Some(pages) => Stage::FirstPage {
            entries,
            pages,
            answered: 0,
        },
        // A listing that does not say its size cannot be weighed against the reads.
        None => Stage::Failed,
    }
}

fn failed(e: &GenesysError) -> Stage {
    tracing::warn!(error = %e, "listing the org's scripts failed; reads go by id");
    Stage::Failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_reads_never_list_and_the_rest_is_fetched_only_when_cheaper() {
        // 3 reads: not even the first page (a plan of 3 scripts costs its 3 GETs).
        assert!(!worth_probing(3));
        assert!(worth_probing(PROBE_AT_READS));
        // 500 scripts (5 pages), 10 reads: 4 more pages instead of 10 GETs.
        assert!(worth_listing(5, 10));
        // 1,000 scripts (10 pages), 5 reads: 9 more pages would cost more than 5 GETs.
        assert!(!worth_listing(10, 5));
        assert!(worth_listing(10, 9));
        // One page is the whole listing.
        assert!(worth_listing(1, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn reads_arriving_together_form_one_batch() {
        let snap = ListingSnapshot::default();
        let t0 = Instant::now();
        assert_eq!(
            snap.gather_wait(t0),
            None,
            "no read yet: nothing to wait for"
        );
        snap.arrive(t0);
        assert_eq!(snap.gather_wait(t0), Some(GATHER_QUIET));
        // Each new read keeps the batch open a little longer...
        let t1 = t0 + Duration::from_millis(40);
        snap.arrive(t1);
        assert_eq!(snap.gather_wait(t1), Some(GATHER_QUIET));
        // ... but not beyond GATHER_MAX after the first.
        let late = t0 + GATHER_MAX - Duration::from_millis(10);
        snap.arrive(late);
        assert_eq!(snap.gather_wait(late), Some(Duration::from_millis(10)));
        assert_eq!(snap.gather_wait(t0 + GATHER_MAX), None);
        // Closed: later reads are counted but do not wait.
        let after = t0 + GATHER_MAX + Duration::from_secs(1);
        snap.arrive(after);
        assert_eq!(snap.gather_wait(after), None);
        assert_eq!(snap.reads(), 4);
    }

    fn meta(id: &str) -> ScriptMeta {
        ScriptMeta {
            id: id.into(),
            name: id.into(),
            version_id: "v".into(),
            division_id: None,
            created_date: None,
            modified_date: None,
            published_date: None,
            version_date: None,
        }
    }

    #[test]
    fn the_first_page_alone_is_complete_only_when_it_is_the_last() {
        let page = |last, page_count| ListingPage {
            metas: vec![meta("a")],
            last,
            page_count,
        };
        assert!(
            matches!(first_stage(page(true, Some(1))), Stage::Complete(m) if m.contains_key("a"))
        );
        assert!(matches!(
            first_stage(page(false, Some(3))),
            Stage::FirstPage { pages: 3, .. }
        ));
        assert!(matches!(first_stage(page(false, None)), Stage::Failed));
    }
}
