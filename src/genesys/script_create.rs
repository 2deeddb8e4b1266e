//! Creating a script so that first deploys racing on one org converge (docs/conditional-writes.md,
//! "Racing creates"). The upload API does not say which script it made, and names may repeat,
//! so a create:
//! 1. uploads under a claim name, `NAME (terraform <nonce>)`, unique to this create: the one
//!    script listed under it is provably ours;
//! 2. looks at the other new scripts of that name or of a claim of it (not there when the plan
//!    looked): if one is older than ours (created earlier; the id breaks ties), ours yields;
//! 3. renames ours to `NAME`, waits until the listing shows the rename, and looks again (a
//!    racer that renamed its claim in the meantime was hidden from the first look by the
//!    index lag, but cannot be hidden from both);
//! 4. stands when nothing older is there.
//!
//! Yielding to an older script with identical content: ours is deleted and the older one,
//! once its own create has finished (named `NAME`, the only such copy left), is adopted. An
//! older script with other content: ours is deleted and the create fails, leaving nothing
//! behind. Only our own copy, or a claim of our content past its lease (its create died), is
//! ever deleted; a script with content other than ours is never adopted.
//!
//! Claims have a lease ([`CLAIM_LEASE`], by the server's clock; a live create renews its claim):
//! a racer that yielded to a copy that turns out dead deletes it and starts over. A script that
//! was there when the plan looked is a candidate only when it holds our content and the audit
//! log shows it created under a claim of the name by our OAuth client (a killed deploy of this
//! configuration left it): it is adopted. Once settled, a create deletes the dead claims of our
//! content that are still listed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::time::Instant;

use super::config::Credentials;
use super::downstream::first_script_changes;
use super::error::GenesysError;
use super::listing::ListingSnapshot;
use super::script_reads::{export_script, find_by_exact_name, get_script, list_view};
use super::script_writes::{delete, parse_document, pauses_until, read_created};
use super::scripts::{copies_alike, document_holds, ScriptMeta, DEFAULT_SCRIPT_NAMES};
use super::transport::Transport;
use super::upload::{upload, wait_upload};

/// Time kept back from the caller's limit to delete our copy when a create gives up.
const CLEAN_UP_RESERVE: Duration = Duration::from_secs(3);

const CLAIM_OPEN: &str = " (terraform ";
const NONCE_LEN: usize = 12;

/// What a create ended with.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub meta: ScriptMeta,
    /// True when a racing deploy's identical script was adopted instead of ours.
    pub adopted: bool,
}

/// The claim name of a create: `NAME (terraform <nonce>)`.
fn claim_name(name: &str, nonce: &str) -> String {
    format!("{name}{CLAIM_OPEN}{nonce})")
}

/// True when `candidate` is a claim name of `name` (some create's step 1).
pub(crate) fn is_claim_of(candidate: &str, name: &str) -> bool {
    candidate
        .strip_prefix(name)
        .and_then(|r| r.strip_prefix(CLAIM_OPEN))
        .and_then(|r| r.strip_suffix(')'))
        .is_some_and(|n| n.len() == NONCE_LEN && n.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The order every racer agrees on: creation time, then id.
fn order(m: &ScriptMeta) -> (Option<&str>, &str) {
    (m.created_date.as_deref(), m.id.as_str())
}

/// How long a claim belongs to its create after the claim's last write, by the server's clock
/// (its `modifiedDate`, against the `Date` of the server's answers: `server_clock`). A live
/// create renews its claim (an upload of the same claim) once it is [`RENEW_AFTER`] old, so a
/// claim older than this was left by a create that died (killed, preempted): the next create of
/// that name takes over at once. It must exceed the search index lag (a create learns its
/// claim's id only once the listing shows it) plus the time the upload service takes to
/// process a renewal.
pub const CLAIM_LEASE: Duration = Duration::from_secs(20);

/// A live create renews its claim once the claim's last write is this old.
const RENEW_AFTER: Duration = Duration::from_secs(5);

/// Most times a create starts over after the copy it yielded to turned out dead.
const MAX_TAKEOVERS: usize = 3;

/// The server time of the last write of `m` that its metadata shows.
fn last_write(m: &ScriptMeta) -> Option<OffsetDateTime> {
    [
        &m.created_date,
        &m.modified_date,
        &m.version_date,
        &m.published_date,
    ]
    .into_iter()
    .filter_map(|s| s.as_deref())
    .filter_map(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
    .max()
}

/// True when the server's clock proves `m` unwritten for longer than [`CLAIM_LEASE`] (false
/// when it cannot tell).
pub(crate) fn lease_over(t: &Transport, m: &ScriptMeta) -> bool {
    last_write(m)
        .and_then(|w| t.clock.age_of(w))
        .is_some_and(|age| age > CLAIM_LEASE)
}

/// What a fresh look at a racing copy found.
enum Liveness {
    /// Its create is alive (or it is no claim any more): its current metadata.
    Live(ScriptMeta),
    /// A claim past its lease: its create died.
    Dead,
    /// Deleted meanwhile.
    Gone,
}

/// How one try at a create ended.
enum Settled {
    Done(Created),
    /// Every copy this create yielded to was left by a dead create (and is deleted): start
    /// over with a new claim.
    TakeOver,
}

/// `a` was created before `b` (the id breaks ties, so every racer orders alike).
fn older(a: &ScriptMeta, b: &ScriptMeta) -> bool {
    order(a) < order(b)
}

/// The outcome of one look at the racing copies.
enum Verdict {
    /// Nothing older: ours stands.
    Stand,
    /// An older copy with our content: yield to it.
    YieldTo(ScriptMeta),
    /// An older copy with other content: give up.
    Conflict(ScriptMeta),
}

/// One create in progress.
struct Create<'a> {
    t: &'a Transport,
    /// The listing snapshot our writes drop scripts from.
    snapshot: &'a ListingSnapshot,
    name: &'a str,
    ours: Value,
    /// Ids of the scripts named `name` when the plan looked: never candidates.
    before: HashSet<String>,
    /// Whether a copy's content equals ours, by id (a copy's content does not change while
    /// it races: each racer uploads once, then renames).
    same_content: HashMap<String, bool>,
    /// What the server stored for our own copy, once a racing copy had to be compared with it.
    own_stored: Option<Value>,
    /// List every script, not those the name filter `name` matches (an exact name filter
    /// hides the claims: `wait_own_claim`).
    unfiltered: bool,
    deadline: Instant,
    /// The document we upload (our claim, its renewals, the rename).
    document: Arc<Vec<u8>>,
    /// Our claim while it is one: id, claim name and the server time of its last write.
    held: Option<(String, String, OffsetDateTime)>,
    /// Our OAuth client (`None` with a ready token): a leftover is ours only if it made it.
    client_id: Option<String>,
    /// The listing of the second look (after the rename) when ours stood: the sweep's first
    /// pass looks at it instead of listing again (issue 20: no request whose answer another
    /// already gave). The sweep reads every claim in it again by id before it acts.
    last_look: Option<Vec<ScriptMeta>>,
}

impl Create<'_> {
    async fn list(&self) -> Result<Vec<ScriptMeta>, GenesysError> {
        let filter = if self.unfiltered { "" } else { self.name };
        list_view(self.t, &["api", "v2", "scripts"], filter, "list_scripts").await
    }

    /// Lists until our copy appears under `claim`. Nothing documents whether the name filter
    /// matches substrings (so `NAME` lists every claim of it) or whole names: when a listing
    /// filtered by the claim itself shows our copy and the one filtered by `NAME` does not,
    /// the filter is exact, and this create lists unfiltered from then on (every script of
    /// the org: costlier, but no racing claim is hidden from it).
    async fn wait_own_claim(
        &mut self,
        claim: &str,
    ) -> Result<(ScriptMeta, Vec<ScriptMeta>), GenesysError> {
        let mut poll = pauses_until(self.deadline);
        let own_in = |l: &[ScriptMeta]| {
            l.iter()
                .filter(|m| m.name == claim)
                .min_by(|a, b| order(a).cmp(&order(b)))
                .cloned()
        };
        loop {
            let listing = self.list().await?;
            if let Some(m) = own_in(&listing) {
                return Ok((m, listing));
            }
            if !self.unfiltered {
                let by_claim =
                    list_view(self.t, &["api", "v2", "scripts"], claim, "list_scripts").await?;
                if own_in(&by_claim).is_some() {
                    tracing::info!(
                        script_name = self.name,
                        "the name filter matches whole names: listing unfiltered"
                    );
                    self.unfiltered = true;
                    continue;
                }
            }
            poll.pause_before_deadline(&self.t.stop, || GenesysError::Timeout {
                what: format!("the uploaded script {claim:?} did not appear in the script search"),
            })
            .await?;
        }
    }

    /// Lists until `found` picks something out of the listing (the index may lag).
    async fn wait_listed(
        &self,
        what: &str,
        found: impl Fn(&[ScriptMeta]) -> Option<ScriptMeta>,
    ) -> Result<(ScriptMeta, Vec<ScriptMeta>), GenesysError> {
        let mut poll = pauses_until(self.deadline);
        loop {
            let listing = self.list().await?;
            if let Some(m) = found(&listing) {
                return Ok((m, listing));
            }
            poll.pause_before_deadline(&self.t.stop, || GenesysError::Timeout {
                what: format!("{what} did not appear in the script search"),
            })
            .await?;
        }
    }

    /// New copies racing with ours: named `name` or a claim of it, not there at plan time. A
    /// claim left by a create that died takes part until a fresh look finds it past its lease
    /// (`liveness`).
    fn racing<'l>(&self, listing: &'l [ScriptMeta], own: &ScriptMeta) -> Vec<&'l ScriptMeta> {
        listing
            .iter()
            .filter(|m| m.id != own.id && !self.before.contains(&m.id))
            .filter(|m| m.name == self.name || is_claim_of(&m.name, self.name))
            .collect()
    }

    /// Whether racing copy `m` still belongs to a live create. Only a claim can be dead: one
    /// that a listing shows past its lease is read again by id (a listing may lag), and is
    /// dead when that read still shows a claim past its lease.
    async fn liveness(&self, m: &ScriptMeta) -> Result<Liveness, GenesysError> {
        if !is_claim_of(&m.name, self.name) || !lease_over(self.t, m) {
            return Ok(Liveness::Live(m.clone()));
        }
        Ok(match get_script(self.t, &m.id).await? {
            None => Liveness::Gone,
            Some(f) if is_claim_of(&f.name, self.name) && lease_over(self.t, &f) => Liveness::Dead,
            Some(f) => Liveness::Live(f),
        })
    }

    /// A dead create's claim: deleted when it holds our content (it is this configuration's
    /// and nobody will finish it), otherwise left alone (another configuration's leftover).
    async fn bury(&mut self, own: &str, dead: &ScriptMeta) -> Result<(), GenesysError> {
        if self.holds_ours(own, &dead.id).await? == Some(true) {
            tracing::warn!(script_id = %dead.id, claim = %dead.name,
                "deleting the claim of a create that died (its lease is over)");
            self.delete_own(&dead.id).await?;
        }
        Ok(())
    }

    /// Renews our claim (an upload of the same claim name and document) once its last write is
    /// [`RENEW_AFTER`] old, so that no racer takes it for a dead create's. False when our claim
    /// is gone (a racer took it for dead and deleted it).
    async fn renew_if_due(&mut self) -> Result<bool, GenesysError> {
        let Some((id, claim, written)) = self.held.clone() else {
            return Ok(true);
        };
        if self
            .t
            .clock
            .age_of(written)
            .is_none_or(|age| age < RENEW_AFTER)
        {
            return Ok(true);
        }
        let sent = self.t.clock.now().unwrap_or(written);
        tracing::debug!(script_id = %id, "renewing the claim");
        let renewed = async {
            let ticket = upload(
                self.t,
                self.snapshot,
                &claim,
                self.document.clone(),
                Some(&id),
            )
            .await?;
            wait_upload(self.t, &ticket.correlation_id, self.deadline).await
        }
        .await;
        match renewed {
            Ok(()) => {
                self.held = Some((id, claim, sent));
                Ok(true)
            }
            Err(e) => match get_script(self.t, &id).await? {
                None => Ok(false),
                Some(_) => Err(e),
            },
        }
    }

    /// Whether copy `id` holds our content (`None` when it is gone): it holds our document
    /// (`document_holds`: the server may add fields, never change or drop ours), and what the
    /// server added to it is alike to what it added to our own copy `own` (`copies_alike`), so
    /// that a racer's document that set more than ours is other content.
    async fn holds_ours(&mut self, own: &str, id: &str) -> Result<Option<bool>, GenesysError> {
        if let Some(known) = self.same_content.get(id) {
            return Ok(Some(*known));
        }
        let doc = match export_script(self.t, id, None).await {
            Ok(doc) => doc,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let same = if !document_holds(&doc, &self.ours) {
            false
        } else {
            self.load_own_copy(own).await?;
            match &self.own_stored {
                Some(mine) => copies_alike(&doc, mine, &self.ours),
                // Our copy is gone (deleted by us after an election): the elder it yielded
                // to was compared with it then; later copies are compared with ours alone.
                None => true,
            }
        };
        self.same_content.insert(id.to_string(), same);
        Ok(Some(same))
    }

    /// Exports the document the server stored for our own copy into `own_stored`, once (left
    /// `None` when our copy is gone).
    async fn load_own_copy(&mut self, own: &str) -> Result<(), GenesysError> {
        if self.own_stored.is_none() {
            match export_script(self.t, own, None).await {
                Ok(doc) => self.own_stored = Some(doc),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    async fn elect(
        &mut self,
        own: &ScriptMeta,
        listing: &[ScriptMeta],
    ) -> Result<Verdict, GenesysError> {
        let mut elders: Vec<ScriptMeta> = self
            .racing(listing, own)
            .into_iter()
            .filter(|m| older(m, own))
            .cloned()
            .collect();
        elders.sort_by(|a, b| order(a).cmp(&order(b)));
        let mut conflict = None;
        for elder in elders {
            let elder = match self.liveness(&elder).await? {
                Liveness::Live(m) => m,
                Liveness::Gone => continue,
                Liveness::Dead => {
                    self.bury(&own.id, &elder).await?;
                    continue;
                }
            };
            match self.holds_ours(&own.id, &elder.id).await? {
                Some(true) => return Ok(Verdict::YieldTo(elder)),
                Some(false) if conflict.is_none() => conflict = Some(elder),
                _ => {}
            }
        }
        Ok(conflict.map_or(Verdict::Stand, Verdict::Conflict))
    }

    /// Ours yielded and is deleted: waits until exactly one identical racing copy is left,
    /// under `name` (its create has finished), and adopts it. `None` when every identical copy
    /// turned out dead (each deleted): the create starts over.
    async fn adopt_survivor(
        &mut self,
        own: &ScriptMeta,
    ) -> Result<Option<ScriptMeta>, GenesysError> {
        let mut poll = pauses_until(self.deadline);
        let mut waiting_for = String::new();
        let mut buried = false;
        loop {
            let listing = self.list().await?;
            let racing: Vec<ScriptMeta> = self.racing(&listing, own).into_iter().cloned().collect();
            let mut identical = Vec::new();
            for m in racing {
                if self.holds_ours(&own.id, &m.id).await? != Some(true) {
                    continue;
                }
                match self.liveness(&m).await? {
                    Liveness::Live(m) => identical.push(m),
                    Liveness::Gone => buried = true,
                    Liveness::Dead => {
                        self.bury(&own.id, &m).await?;
                        buried = true;
                    }
                }
            }
            if identical.is_empty() && buried {
                tracing::info!(
                    script_name = self.name,
                    "the deploy this one yielded to died; taking over"
                );
                return Ok(None);
            }
            if let [survivor] = identical.as_slice() {
                if survivor.name == self.name && !survivor.version_id.is_empty() {
                    return Ok(Some(survivor.clone()));
                }
            }
            if let Some(first) = identical.first() {
                waiting_for = format!(" (script {}, named {:?})", first.id, first.name);
            }
            poll.pause_before_deadline(&self.t.stop, || GenesysError::Timeout {
                what: format!(
                    "a deploy racing with this one created script {:?} with the same content first{waiting_for}; this apply deleted its own copy and waited for that deploy to finish, which it did not. If that deploy failed, import its script or delete it, then apply again",
                    self.name
                ),
            })
            .await?;
        }
    }

    /// Deletes our copy: the only script a create may delete.
    async fn delete_own(&self, id: &str) -> Result<(), GenesysError> {
        match delete(self.t, self.snapshot, id).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A script named `name` that was there when the plan looked and that a killed deploy of
    /// this configuration left: it holds our content, and the audit log shows it created under
    /// a claim of `name` by our own OAuth client (so it went through this protocol; a person's
    /// script never did). The oldest such script, if any.
    async fn our_leftover(
        &mut self,
        own: &ScriptMeta,
        listing: &[ScriptMeta],
    ) -> Result<Option<ScriptMeta>, GenesysError> {
        let mut candidates: Vec<ScriptMeta> = listing
            .iter()
            .filter(|m| m.name == self.name && self.before.contains(&m.id))
            .cloned()
            .collect();
        candidates.sort_by(|a, b| order(a).cmp(&order(b)));
        for m in candidates {
            if self.holds_ours(&own.id, &m.id).await? == Some(true) && self.made_by_us(&m).await {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    /// Whether the audit log shows `m` created under a claim of `name` by our OAuth client.
    /// Any failure (no `audits:audit:view` permission, an audit service that lags) proves
    /// nothing: the script is then left alone (the plan's warning names it).
    async fn made_by_us(&self, m: &ScriptMeta) -> bool {
        let (Some(client), Some(created)) = (
            self.client_id.as_deref(),
            m.created_date
                .as_deref()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()),
        ) else {
            return false;
        };
        let margin = time::Duration::minutes(5);
        let until = self.t.clock.now().unwrap_or_else(OffsetDateTime::now_utc) + margin;
        let (Ok(since), Ok(until)) = ((created - margin).format(&Rfc3339), until.format(&Rfc3339))
        else {
            return false;
        };
        match first_script_changes(self.t, &m.id, &since, &until).await {
            Ok(changes) => changes.iter().any(|c| {
                c.action == "Create"
                    && c.client_id.as_deref() == Some(client)
                    && c.entity_name
                        .as_deref()
                        .is_some_and(|n| is_claim_of(n, self.name))
            }),
            Err(e) => {
                tracing::warn!(script_id = %m.id, error = %e,
                    "the audit log cannot tell who created this same-named script; it is left alone");
                false
            }
        }
    }

    /// Once the script is settled (`keep`): deletes the claims of dead creates of our content
    /// still listed, waiting while a claim is live (a racer about to yield to `keep`, or a
    /// dead create's claim still within its lease). Gives up quietly at the deadline: the
    /// script itself is fine.
    async fn sweep(&mut self, keep: &ScriptMeta) {
        let mut poll = pauses_until(self.deadline);
        loop {
            let swept = async {
                let listing = match self.last_look.take() {
                    Some(listing) => listing,
                    None => self.list().await?,
                };
                let claims: Vec<ScriptMeta> = listing
                    .iter()
                    .filter(|m| m.id != keep.id && is_claim_of(&m.name, self.name))
                    .cloned()
                    .collect();
                let mut waiting = false;
                for m in claims {
                    if self.holds_ours(&keep.id, &m.id).await? != Some(true) {
                        continue;
                    }
                    match self.liveness(&m).await? {
                        Liveness::Live(_) => waiting = true,
                        Liveness::Gone => {}
                        Liveness::Dead => self.bury(&keep.id, &m).await?,
                    }
                }
                Ok::<bool, GenesysError>(!waiting)
            }
            .await;
            match swept {
                Ok(true) => return,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "could not sweep the claims of dead creates");
                    return;
                }
            }
            let paused = poll
                .pause_before_deadline(&self.t.stop, || GenesysError::Timeout {
                    what: String::new(),
                })
                .await;
            if paused.is_err() {
                tracing::warn!(
                    script_name = self.name,
                    "claims of other creates are still listed; leaving them"
                );
                return;
            }
        }
    }

    /// Steps 1 to 4, once our copy was uploaded under `claim`.
    async fn settle(
        &mut self,
        claim: &str,
        own_id: &mut Option<String>,
    ) -> Result<Settled, GenesysError> {
        let (own, listing) = self.wait_own_claim(claim).await?;
        *own_id = Some(own.id.clone());
        self.held = last_write(&own).map(|w| (own.id.clone(), claim.to_string(), w));
        // A retried upload that the server had processed made a second copy under our claim:
        // provably ours too, so it goes.
        for twin in listing.iter().filter(|m| m.name == claim && m.id != own.id) {
            tracing::warn!(script_id = %twin.id, "deleting the duplicate of a retried upload");
            self.delete_own(&twin.id).await?;
        }
        if !self.before.is_empty() {
            if let Some(left) = self.our_leftover(&own, &listing).await? {
                tracing::info!(script_name = self.name, ours = %own.id, left = %left.id,
                    "adopting the script a killed deploy of this configuration left");
                self.delete_own(&own.id).await?;
                self.held = None;
                return Ok(Settled::Done(Created {
                    meta: left,
                    adopted: true,
                }));
            }
        }
        if let Some(outcome) = self.decide(&own, &listing).await? {
            return outcome;
        }
        if !self.renew_if_due().await? {
            return Ok(Settled::TakeOver);
        }
        let ticket = upload(
            self.t,
            self.snapshot,
            self.name,
            self.document.clone(),
            Some(&own.id),
        )
        .await?;
        wait_upload(self.t, &ticket.correlation_id, self.deadline).await?;
        self.held = None;
        let name = self.name;
        let (renamed, listing) = self
            .wait_listed(&format!("script {} under the name {name:?}", own.id), |l| {
                l.iter().find(|m| m.id == own.id && m.name == name).cloned()
            })
            .await?;
        if let Some(outcome) = self.decide(&renamed, &listing).await? {
            return outcome;
        }
        self.last_look = Some(listing);
        // A view that omits the versionId costs one more read.
        let meta = if renamed.version_id.is_empty() {
            read_created(self.t, &renamed.id, self.deadline).await?
        } else {
            renamed
        };
        Ok(Settled::Done(Created {
            meta,
            adopted: false,
        }))
    }

    /// One election: `None` when ours stands, else the create's outcome.
    async fn decide(
        &mut self,
        own: &ScriptMeta,
        listing: &[ScriptMeta],
    ) -> Result<Option<Result<Settled, GenesysError>>, GenesysError> {
        if !self.renew_if_due().await? {
            return Ok(Some(Ok(Settled::TakeOver)));
        }
        match self.elect(own, listing).await? {
            Verdict::Stand => Ok(None),
            Verdict::YieldTo(elder) => {
                tracing::info!(script_name = self.name, ours = %own.id, older = %elder.id,
                    "a racing deploy created this script first; deleting ours and adopting it");
                self.delete_own(&own.id).await?;
                self.held = None;
                let survivor = self.adopt_survivor(own).await;
                Ok(Some(survivor.map(|found| match found {
                    Some(meta) => Settled::Done(Created {
                        meta,
                        adopted: true,
                    }),
                    None => Settled::TakeOver,
                })))
            }
            Verdict::Conflict(elder) => {
                self.delete_own(&own.id).await?;
                self.held = None;
                Ok(Some(Err(GenesysError::NameRaced {
                    name: self.name.to_string(),
                    other_id: elder.id,
                    other_created: elder.created_date.unwrap_or_default(),
                })))
            }
        }
    }
}

/// Creates script `name` (see the module doc). `existing`: the ids named `name` when the
/// plan looked (`None`: look now). `limit`: the time the caller allows.
pub(crate) async fn create_script(
    t: &Transport,
    snapshot: &ListingSnapshot,
    name: &str,
    document: &[u8],
    existing: Option<&HashSet<String>>,
    limit: Duration,
) -> Result<Created, GenesysError> {
    let ours = parse_document(document)?;
    let allowed = t
        .config
        .upload_timeout
        .min(limit.saturating_sub(CLEAN_UP_RESERVE));
    let deadline = Instant::now() + allowed;
    let before = match existing {
        Some(ids) => ids.clone(),
        None => find_by_exact_name(t, name)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect(),
    };
    let client_id = match &t.config.credentials {
        Credentials::ClientCredentials { client_id, .. } => Some(client_id.clone()),
        Credentials::AccessToken(_) => None,
    };
    let mut create = Create {
        t,
        snapshot,
        name,
        ours,
        before,
        same_content: HashMap::new(),
        own_stored: None,
        unfiltered: false,
        deadline,
        document: Arc::new(document.to_vec()),
        held: None,
        client_id,
        last_look: None,
    };
    let mut takeovers = 0;
    loop {
        let nonce: String = uuid::Uuid::new_v4().simple().to_string()[..NONCE_LEN].to_string();
        let claim = claim_name(name, &nonce);
        let ticket = upload(t, snapshot, &claim, create.document.clone(), None).await?;
        if ticket.ambiguous {
            tracing::warn!(
                script_name = name,
                "a retried upload may have been processed twice; a second copy under our claim is deleted"
            );
        }
        // From here on the server may hold our copy: every way out either records it, or
        // deletes it, or says that it may be left (UploadOutcomeUnknown).
        let mut own_id = None;
        let settled = async {
            wait_upload(t, &ticket.correlation_id, deadline).await?;
            create.settle(&claim, &mut own_id).await
        }
        .await;
        match settled {
            Ok(Settled::Done(created)) => {
                create.sweep(&created.meta).await;
                return Ok(created);
            }
            Ok(Settled::TakeOver) if takeovers < MAX_TAKEOVERS => {
                takeovers += 1;
                create.held = None;
            }
            Ok(Settled::TakeOver) => {
                return Err(GenesysError::Timeout {
                    what: format!(
                        "creating script {name:?}: the copies this create yielded to kept turning out dead ({takeovers} take-overs)"
                    ),
                })
            }
            Err(e @ (GenesysError::NameRaced { .. } | GenesysError::UploadFailed { .. })) => {
                return Err(e)
            }
            Err(e) => {
                // Gave up with our copy possibly on the server: delete it when we know it.
                if let Some(id) = own_id {
                    if create.delete_own(&id).await.is_ok() {
                        tracing::info!(script_id = %id, "create gave up; deleted the copy it had uploaded");
                        return Err(e);
                    }
                }
                return Err(e.after_upload(&ticket.correlation_id));
            }
        }
    }
}

/// The scripts named exactly `name`, and those still under a claim name of it (a create in
/// progress, or one that died after its upload was accepted): one listing.
pub(crate) async fn find_by_name_with_claims(
    t: &Transport,
    name: &str,
) -> Result<(Vec<ScriptMeta>, Vec<ScriptMeta>), GenesysError> {
    if DEFAULT_SCRIPT_NAMES.contains(&name) {
        return Ok((find_by_exact_name(t, name).await?, vec![]));
    }
    let listed = list_view(t, &["api", "v2", "scripts"], name, "list_scripts").await?;
    let claims = listed
        .iter()
        .filter(|m| is_claim_of(&m.name, name))
        .cloned()
        .collect();
    let exact = listed.into_iter().filter(|m| m.name == name).collect();
    Ok((exact, claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: &str, created: &str) -> ScriptMeta {
        ScriptMeta {
            id: id.into(),
            name: "n".into(),
            version_id: "v".into(),
            division_id: None,
            created_date: Some(created.into()),
            modified_date: None,
            published_date: None,
            version_date: None,
        }
    }

    #[test]
    fn claims_are_recognised_exactly() {
        let claim = claim_name("Standard Greeting", "0123456789ab");
        assert_eq!(claim, "Standard Greeting (terraform 0123456789ab)");
        assert!(is_claim_of(&claim, "Standard Greeting"));
        assert!(!is_claim_of(&claim, "Standard"));
        assert!(!is_claim_of(
            "Standard Greeting (terraform xyz)",
            "Standard Greeting"
        ));
        assert!(!is_claim_of(
            "Standard Greeting (copy)",
            "Standard Greeting"
        ));
        assert!(!is_claim_of("Standard Greeting", "Standard Greeting"));
    }

    #[test]
    fn a_claims_last_write_is_its_newest_date() {
        let mut m = meta("c", "2026-01-01T00:00:00.000Z");
        m.modified_date = Some("2026-01-01T00:00:07.000Z".into());
        m.version_date = Some("2026-01-01T00:00:05.000Z".into());
        let w = last_write(&m).unwrap();
        assert_eq!(w.second(), 7);
        assert!(last_write(&meta("c", "not a date")).is_none());
        assert!(
            CLAIM_LEASE > RENEW_AFTER * 3,
            "renewals leave room for a slow upload"
        );
    }

    #[test]
    fn every_racer_orders_copies_alike() {
        let a = meta("b-id", "2026-01-01T00:00:00.000Z");
        let b = meta("a-id", "2026-01-01T00:00:00.001Z");
        let c = meta("c-id", "2026-01-01T00:00:00.001Z");
        assert!(older(&a, &b) && !older(&b, &a));
        assert!(older(&b, &c) && !older(&c, &b), "same time: the id decides");
        assert!(!older(&a, &a));
    }
}
