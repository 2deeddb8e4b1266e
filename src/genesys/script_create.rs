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
//! behind. Only our own copy is ever deleted; a script that was there when the plan looked is
//! never a candidate, and a script with content other than ours is never adopted.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::time::Instant;

use super::error::GenesysError;
use super::listing::ListingSnapshot;
use super::script_reads::{export_script, find_by_exact_name, list_view};
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

/// How much older than our own copy a claim must be to count as left by a create that died: far
/// beyond the time any live create keeps its claim (its upload wait and the index lag).
const ABANDONED_AFTER: Duration = Duration::from_secs(600);

/// True when claim `m` was created more than `ABANDONED_AFTER` before `own` (both times are the
/// server's, so no clock of ours is involved).
fn abandoned(m: &ScriptMeta, own: &ScriptMeta) -> bool {
    let at = |s: &Option<String>| {
        s.as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
    };
    match (at(&m.created_date), at(&own.created_date)) {
        (Some(claim), Some(ours)) => ours - claim > ABANDONED_AFTER,
        _ => false,
    }
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
    /// claim created long before ours is not a racer but what a create that died left behind
    /// (the plan warns about it): it takes no part.
    fn racing<'l>(&self, listing: &'l [ScriptMeta], own: &ScriptMeta) -> Vec<&'l ScriptMeta> {
        listing
            .iter()
            .filter(|m| m.id != own.id && !self.before.contains(&m.id))
            .filter(|m| {
                m.name == self.name || (is_claim_of(&m.name, self.name) && !abandoned(m, own))
            })
            .collect()
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
            match self.holds_ours(&own.id, &elder.id).await? {
                Some(true) => return Ok(Verdict::YieldTo(elder)),
                Some(false) if conflict.is_none() => conflict = Some(elder),
                _ => {}
            }
        }
        Ok(conflict.map_or(Verdict::Stand, Verdict::Conflict))
    }

    /// Ours yielded and is deleted: waits until exactly one identical racing copy is left,
    /// under `name` (its create has finished), and adopts it.
    async fn adopt_survivor(&mut self, own: &ScriptMeta) -> Result<ScriptMeta, GenesysError> {
        let mut poll = pauses_until(self.deadline);
        let mut waiting_for = String::new();
        loop {
            let listing = self.list().await?;
            let racing: Vec<ScriptMeta> = self.racing(&listing, own).into_iter().cloned().collect();
            let mut identical = Vec::new();
            for m in racing {
                if self.holds_ours(&own.id, &m.id).await? == Some(true) {
                    identical.push(m);
                }
            }
            if let [survivor] = identical.as_slice() {
                if survivor.name == self.name && !survivor.version_id.is_empty() {
                    return Ok(survivor.clone());
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

    /// Steps 1 to 4, once our copy was uploaded under `claim`.
    async fn settle(
        &mut self,
        claim: &str,
        document: Arc<Vec<u8>>,
        own_id: &mut Option<String>,
    ) -> Result<Created, GenesysError> {
        let (own, listing) = self.wait_own_claim(claim).await?;
        *own_id = Some(own.id.clone());
        // A retried upload that the server had processed made a second copy under our claim:
        // provably ours too, so it goes.
        for twin in listing.iter().filter(|m| m.name == claim && m.id != own.id) {
            tracing::warn!(script_id = %twin.id, "deleting the duplicate of a retried upload");
            self.delete_own(&twin.id).await?;
        }
        if let Some(outcome) = self.decide(&own, &listing).await? {
            return outcome;
        }
        let ticket = upload(self.t, self.snapshot, self.name, document, Some(&own.id)).await?;
        wait_upload(self.t, &ticket.correlation_id, self.deadline).await?;
        let name = self.name;
        let (renamed, listing) = self
            .wait_listed(&format!("script {} under the name {name:?}", own.id), |l| {
                l.iter().find(|m| m.id == own.id && m.name == name).cloned()
            })
            .await?;
        if let Some(outcome) = self.decide(&renamed, &listing).await? {
            return outcome;
        }
        // A view that omits the versionId costs one more read.
        let meta = if renamed.version_id.is_empty() {
            read_created(self.t, &renamed.id, self.deadline).await?
        } else {
            renamed
        };
        Ok(Created {
            meta,
            adopted: false,
        })
    }

    /// One election: `None` when ours stands, else the create's outcome.
    async fn decide(
        &mut self,
        own: &ScriptMeta,
        listing: &[ScriptMeta],
    ) -> Result<Option<Result<Created, GenesysError>>, GenesysError> {
        match self.elect(own, listing).await? {
            Verdict::Stand => Ok(None),
            Verdict::YieldTo(elder) => {
                tracing::info!(script_name = self.name, ours = %own.id, older = %elder.id,
                    "a racing deploy created this script first; deleting ours and adopting it");
                self.delete_own(&own.id).await?;
                let survivor = self.adopt_survivor(own).await;
                Ok(Some(survivor.map(|meta| Created {
                    meta,
                    adopted: true,
                })))
            }
            Verdict::Conflict(elder) => {
                self.delete_own(&own.id).await?;
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
    let nonce: String = uuid::Uuid::new_v4().simple().to_string()[..NONCE_LEN].to_string();
    let claim = claim_name(name, &nonce);
    let document = Arc::new(document.to_vec());
    let ticket = upload(t, snapshot, &claim, document.clone(), None).await?;
    if ticket.ambiguous {
        tracing::warn!(
            script_name = name,
            "a retried upload may have been processed twice; a second copy under our claim is deleted"
        );
    }
    // From here on the server may hold our copy: every way out either records it, or
    // deletes it, or says that it may be left (UploadOutcomeUnknown).
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
    };
    let mut own_id = None;
    let settled = async {
        wait_upload(t, &ticket.correlation_id, deadline).await?;
        create.settle(&claim, document, &mut own_id).await
    }
    .await;
    match settled {
        Ok(created) => Ok(created),
        Err(e @ (GenesysError::NameRaced { .. } | GenesysError::UploadFailed { .. })) => Err(e),
        Err(e) => {
            // Gave up with our copy possibly on the server: delete it when we know it.
            if let Some(id) = own_id {
                if create.delete_own(&id).await.is_ok() {
                    tracing::info!(script_id = %id, "create gave up; deleted the copy it had uploaded");
                    return Err(e);
                }
            }
            Err(e.after_upload(&ticket.correlation_id))
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
    fn a_claim_far_older_than_ours_was_abandoned() {
        let ours = meta("o", "2026-01-01T01:00:00.000Z");
        assert!(abandoned(&meta("c", "2026-01-01T00:49:59.000Z"), &ours));
        assert!(!abandoned(&meta("c", "2026-01-01T00:55:00.000Z"), &ours));
        assert!(!abandoned(&meta("c", "not a date"), &ours));
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
