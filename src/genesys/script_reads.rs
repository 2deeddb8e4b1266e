//! Read operations on scripts, as functions over `&Transport`: get (editable and published
//! views), list with paging, exact-name search over both views, and export + download of a
//! script document.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use super::config::ClientConfig;
use super::error::GenesysError;
use super::scripts::{meta_from_json, ScriptMeta, DEFAULT_SCRIPT_NAMES};
use super::transport::{Call, Reply, Transport};

/// Page size used for listings (the API maximum commonly accepted is 100).
pub(crate) const PAGE_SIZE: u32 = 100;
/// Safety bound on the number of pages of one listing.
const MAX_PAGES: u32 = 1000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listing {
    #[serde(default)]
    entities: Vec<Value>,
    #[serde(default)]
    page_count: Option<u32>,
    #[serde(default)]
    total: Option<u64>,
}

/// One page of a listing: its scripts, whether it is the last page to fetch, and the pages
/// the listing says it has (from `pageCount`, else `total`; `None` when it says neither).
pub(crate) struct ListingPage {
    pub metas: Vec<ScriptMeta>,
    pub last: bool,
    pub page_count: Option<u32>,
}

#[derive(Deserialize)]
struct ExportResponse {
    url: String,
}

/// The scripts of one listing page and whether it is the last page to fetch.
fn listing_page(
    listing: &Listing,
    page: u32,
    what: &str,
) -> Result<(Vec<ScriptMeta>, bool), GenesysError> {
    let metas = listing
        .entities
        .iter()
        .map(|e| meta_from_json(e, what))
        .collect::<Result<Vec<_>, _>>()?;
    let n = metas.len();
    let last = match listing.page_count {
        Some(count) => page >= count,
        None => n < PAGE_SIZE as usize,
    };
    Ok((metas, n == 0 || last || page >= MAX_PAGES))
}

/// The scripts of a listing answer (page number `page`), whether it is the last page, and the
/// pages the listing has: the pure parsing step of `list_page` (also what the fuzz probes run).
pub(crate) fn parse_listing_page(reply: &Reply, page: u32) -> Result<ListingPage, GenesysError> {
    let listing: Listing = reply.json()?;
    let what = format!("{} {}", reply.method, reply.path);
    let (metas, last) = listing_page(&listing, page, &what)?;
    let page_count = listing.page_count.or_else(|| {
        listing
            .total
            .map(|t| u32::try_from(t.div_ceil(u64::from(PAGE_SIZE))).unwrap_or(u32::MAX))
    });
    Ok(ListingPage {
        metas,
        last,
        page_count,
    })
}

/// A `Script` object answer (get, publish): the pure parsing step of `get_script_at`.
pub(crate) fn parse_script(reply: &Reply) -> Result<ScriptMeta, GenesysError> {
    let v: Value = reply.json()?;
    meta_from_json(&v, &format!("{} {}", reply.method, reply.path))
}

/// The download url of an export answer, resolved against `base`: the pure parsing step of
/// `export_script`.
pub(crate) fn parse_export(reply: &Reply, base: &Url) -> Result<Url, GenesysError> {
    let export: ExportResponse = reply.json()?;
    base.join(&export.url).map_err(|e| GenesysError::Decode {
        message: format!("POST {} returned an invalid download url: {e}", reply.path),
    })
}

/// True when `url` is on one of the org's own Genesys hosts (the configured api, apps and
/// login bases: same scheme, host and port). A download link there gets the bearer token, as
/// a service whose links need it requires; a link to any other host (a presigned storage
/// URL) never does, so the token cannot leak.
pub(crate) fn is_own_host(url: &Url, config: &ClientConfig) -> bool {
    [&config.api_base, &config.apps_base, &config.login_base]
        .iter()
        .any(|base| base.origin() == url.origin())
}

/// GET a script object; `None` on 404.
pub(crate) async fn get_script_at(
    t: &Transport,
    url: Url,
    kind: &'static str,
) -> Result<Option<ScriptMeta>, GenesysError> {
    match t.execute(Call::get(url, kind)).await {
        Ok(reply) => parse_script(&reply).map(Some),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every page of a listing (`/api/v2/scripts` or `/api/v2/scripts/published`).
pub(crate) async fn list_view(
    t: &Transport,
    segments: &[&str],
    name_filter: &str,
    kind: &'static str,
) -> Result<Vec<ScriptMeta>, GenesysError> {
    let mut out = Vec::new();
    let mut page: u32 = 1;
    loop {
        let p = list_page(t, segments, name_filter, kind, page).await?;
        out.extend(p.metas);
        if p.last {
            return Ok(out);
        }
        page += 1;
    }
}

/// Page `page` of a listing (`pageSize` [`PAGE_SIZE`]).
pub(crate) async fn list_page(
    t: &Transport,
    segments: &[&str],
    name_filter: &str,
    kind: &'static str,
    page: u32,
) -> Result<ListingPage, GenesysError> {
    let mut url = t.api_url(segments);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("pageSize", &PAGE_SIZE.to_string());
        q.append_pair("pageNumber", &page.to_string());
        if !name_filter.is_empty() {
            q.append_pair("name", name_filter);
        }
    }
    let reply = t.execute(Call::get(url, kind)).await?;
    parse_listing_page(&reply, page)
}

/// Scripts named exactly `name`. One listing of the editable view finds every script but
/// the default ones; the published view is listed too only for a default script's name.
pub(crate) async fn find_by_exact_name(
    t: &Transport,
    name: &str,
) -> Result<Vec<ScriptMeta>, GenesysError> {
    let editable = find_editable_by_exact_name(t, name).await?;
    if !DEFAULT_SCRIPT_NAMES.contains(&name) {
        return Ok(editable);
    }
    let published = list_view(
        t,
        &["api", "v2", "scripts", "published"],
        name,
        "list_published_scripts",
    )
    .await?;
    let mut seen = HashSet::new();
    Ok(editable
        .into_iter()
        .chain(published)
        .filter(|m| m.name == name)
        .filter(|m| seen.insert(m.id.clone()))
        .collect())
}

/// Editable scripts named exactly `name` (the name filter itself is a substring match).
pub(crate) async fn find_editable_by_exact_name(
    t: &Transport,
    name: &str,
) -> Result<Vec<ScriptMeta>, GenesysError> {
    let mut found = list_view(t, &["api", "v2", "scripts"], name, "list_scripts").await?;
    found.retain(|m| m.name == name);
    Ok(found)
}

pub(crate) async fn export_script(
    t: &Transport,
    id: &str,
    version_id: Option<&str>,
) -> Result<Value, GenesysError> {
    let body = match version_id {
        Some(v) => json!({ "versionId": v }),
        None => json!({}),
    };
    let url = t.api_url(&["api", "v2", "scripts", id, "export"]);
    let reply = t.execute(Call::post_json(url, "export", &body)).await?;
    let download = parse_export(&reply, &t.config.api_base)?;
    let mut call = Call::get(download.clone(), "download");
    call.auth = false;
    match t.execute(call).await {
        Ok(doc) => doc.json(),
        // Nothing documents whether the link needs the bearer token (docs/conditional-writes.md,
        // the assumptions table): without it by default, as the official provider does; a 401
        // from a link on one of the org's own hosts is asked again with the token. The token
        // never goes to another host.
        Err(e) if e.status() == Some(401) && is_own_host(&download, &t.config) => {
            t.execute(Call::get(download, "download")).await?.json()
        }
        Err(e) => Err(e),
    }
}

/// The editable script; `None` when it does not exist (404).
pub(crate) async fn get_script(
    t: &Transport,
    id: &str,
) -> Result<Option<ScriptMeta>, GenesysError> {
    get_script_at(t, t.api_url(&["api", "v2", "scripts", id]), "get_script").await
}

/// The published script; `None` when it was never published or does not exist (404).
pub(crate) async fn get_published_script(
    t: &Transport,
    id: &str,
) -> Result<Option<ScriptMeta>, GenesysError> {
    let url = t.api_url(&["api", "v2", "scripts", "published", id]);
    get_script_at(t, url, "get_published_script").await
}

/// All editable scripts whose name contains `name_filter` (substring, server-side).
pub(crate) async fn list_scripts(
    t: &Transport,
    name_filter: &str,
) -> Result<Vec<ScriptMeta>, GenesysError> {
    list_view(t, &["api", "v2", "scripts"], name_filter, "list_scripts").await
}

/// All published scripts whose name contains `name_filter`.
pub(crate) async fn list_published_scripts(
    t: &Transport,
    name_filter: &str,
) -> Result<Vec<ScriptMeta>, GenesysError> {
    list_view(
        t,
        &["api", "v2", "scripts", "published"],
        name_filter,
        "list_published_scripts",
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use reqwest::Method;

    fn answer(body: &str) -> Reply {
        Reply {
            status: 200,
            correlation_id: None,
            body: Bytes::from(body.to_string()),
            method: Method::POST,
            path: "/api/v2/scripts/s/export".into(),
            ambiguous: false,
        }
    }

    #[test]
    fn only_links_to_the_orgs_own_hosts_get_the_token() {
        let credentials = crate::genesys::Credentials::AccessToken("t".into());
        let config = ClientConfig::for_base_url("https://api.example.test/", credentials).unwrap();
        let own = |u: &str| is_own_host(&Url::parse(u).unwrap(), &config);
        assert!(own("https://api.example.test/downloads/abc"));
        assert!(!own("https://cdn.test/x"));
        assert!(
            !own("http://api.example.test/downloads/abc"),
            "another scheme"
        );
        assert!(
            !own("https://api.example.test:8443/downloads/abc"),
            "another port"
        );
        assert!(!own("https://api.example.test.evil.test/x"));
    }

    #[test]
    fn export_url_is_resolved_against_the_base_and_bad_answers_are_decode_errors() {
        let base = Url::parse("https://api.example.test/").unwrap();
        let url = parse_export(&answer(r#"{"url":"/downloads/abc"}"#), &base).unwrap();
        assert_eq!(url.as_str(), "https://api.example.test/downloads/abc");
        let url = parse_export(&answer(r#"{"url":"https://cdn.test/x"}"#), &base).unwrap();
        assert_eq!(url.as_str(), "https://cdn.test/x");
        for bad in [r#"{"nourl":1}"#, "<html>", r#"{"url":"http://[::1"}"#] {
            match parse_export(&answer(bad), &base) {
                Err(GenesysError::Decode { message }) => {
                    assert!(message.contains("/api/v2/scripts/s/export"), "{message}")
                }
                other => panic!("{bad}: expected Decode, got {other:?}"),
            }
        }
    }

    #[test]
    fn listing_pages_end_at_the_page_count_or_a_short_page() {
        let one = r#"{"entities":[{"id":"a","name":"A"}],"pageCount":2}"#;
        let first = parse_listing_page(&answer(one), 1).unwrap();
        assert_eq!(first.metas.len(), 1);
        assert!(!first.last);
        assert!(parse_listing_page(&answer(one), 2).unwrap().last);
        assert!(
            parse_listing_page(&answer(r#"{"entities":[]}"#), 1)
                .unwrap()
                .last
        );
        // The page count, else worked out from `total`.
        let counted = parse_listing_page(&answer(one), 1).unwrap();
        assert_eq!(counted.page_count, Some(2));
        let totalled = r#"{"entities":[{"id":"a","name":"A"}],"total":201}"#;
        assert_eq!(
            parse_listing_page(&answer(totalled), 1).unwrap().page_count,
            Some(3)
        );
        let neither = parse_listing_page(&answer(r#"{"entities":[]}"#), 1).unwrap();
        assert_eq!(neither.page_count, None);
        assert!(parse_listing_page(&answer("<html>"), 1).is_err());
        assert_eq!(
            parse_script(&answer(r#"{"id":"a","name":"A"}"#))
                .unwrap()
                .id,
            "a"
        );
    }
}
