//! The one table of the simulator's endpoints: [`Kind`] has one arm per endpoint (method and
//! path template), with the name the stats count it under and how it is reached (login,
//! bearer token, download link). The router, the stats and the `denied` knob all read it, so
//! adding an endpoint is one arm here plus its handler in `server::handler`. A leaf: it knows
//! nothing of handlers or state.

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::routing::MethodFilter;

/// The stats name of a request that matches no endpoint (unknown path, or a known path with
/// a method it does not serve).
pub const OTHER: &str = "other";

/// The HTTP methods the endpoints use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Delete,
}

impl Verb {
    pub fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Delete => Method::DELETE,
        }
    }

    pub fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Delete => MethodFilter::DELETE,
        }
    }
}

/// How a request reaches an endpoint, which decides the middleware around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The login (`/oauth/token`): only the latency knob applies.
    Login,
    /// An api or apps path behind a bearer token; the `denied` knob may refuse it.
    Bearer,
    /// A download link (its token is in the path); the download rate limit applies.
    Download,
}

/// Declares [`Kind`] and `Kind::ALL` from one list, so that no endpoint is left out of `ALL`.
macro_rules! kinds {
    ($($kind:ident),* $(,)?) => {
        /// One endpoint of the simulator (the `/_sim/` control API is not one: it is not
        /// counted).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind {
            $($kind),*
        }

        impl Kind {
            /// Every endpoint, in the order of [`deniable_stats`] (the order the `denied`
            /// knob's error message lists them).
            pub const ALL: &'static [Kind] = &[$(Kind::$kind),*];
        }
    };
}

kinds![
    Token,
    ListScripts,
    ListPublished,
    Publish,
    GetPublished,
    UploadStatus,
    Export,
    GetScript,
    Delete,
    Division,
    Upload,
    ListDivisionviews,
    ListPublishedDivisionviews,
    ListPages,
    GetPage,
    ListPublishedPages,
    GetPublishedPage,
    PublishedVariables,
    DivisionviewVariables,
    ConsumingResources,
    GetBuild,
    PostBuild,
    AuditQuery,
    AuditServiceMapping,
    Download,
];

/// What [`Kind::spec`] says of one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub verb: Verb,
    /// The axum path template, e.g. `/api/v2/scripts/{id}`.
    pub path: &'static str,
    /// The stats counter (several endpoints may share one, e.g. `"dependency_tracking"`),
    /// which is also the name the `denied` knob uses.
    pub stat: &'static str,
    pub access: Access,
}

const fn spec(verb: Verb, path: &'static str, stat: &'static str, access: Access) -> Spec {
    Spec {
        verb,
        path,
        stat,
        access,
    }
}

impl Kind {
    /// The method, path template, stats name and access of this endpoint.
    pub const fn spec(self) -> Spec {
        use Access::{Bearer, Download, Login};
        use Verb::{Delete, Get, Post};
        match self {
            Kind::Token => spec(Post, "/oauth/token", "token", Login),
            Kind::ListScripts => spec(Get, "/api/v2/scripts", "list_scripts", Bearer),
            Kind::ListPublished => spec(Get, "/api/v2/scripts/published", "list_published", Bearer),
            Kind::Publish => spec(Post, "/api/v2/scripts/published", "publish", Bearer),
            Kind::GetPublished => spec(
                Get,
                "/api/v2/scripts/published/{id}",
                "get_published",
                Bearer,
            ),
            Kind::UploadStatus => spec(
                Get,
                "/api/v2/scripts/uploads/{id}/status",
                "upload_status",
                Bearer,
            ),
            Kind::Export => spec(Post, "/api/v2/scripts/{id}/export", "export", Bearer),
            Kind::GetScript => spec(Get, "/api/v2/scripts/{id}", "get_script", Bearer),
            Kind::Delete => spec(Delete, "/api/v2/scripts/{id}", "delete", Bearer),
            Kind::Division => spec(
                Post,
                "/api/v2/authorization/divisions/{division}/objects/SCRIPT",
                "division",
                Bearer,
            ),
            Kind::Upload => spec(Post, "/uploads/v2/scripter", "upload", Bearer),
            Kind::ListDivisionviews => spec(
                Get,
                "/api/v2/scripts/divisionviews",
                "list_divisionviews",
                Bearer,
            ),
            Kind::ListPublishedDivisionviews => spec(
                Get,
                "/api/v2/scripts/published/divisionviews",
                "list_published_divisionviews",
                Bearer,
            ),
            Kind::ListPages => spec(Get, "/api/v2/scripts/{id}/pages", "list_pages", Bearer),
            Kind::GetPage => spec(Get, "/api/v2/scripts/{id}/pages/{page}", "get_page", Bearer),
            Kind::ListPublishedPages => spec(
                Get,
                "/api/v2/scripts/published/{id}/pages",
                "list_published_pages",
                Bearer,
            ),
            Kind::GetPublishedPage => spec(
                Get,
                "/api/v2/scripts/published/{id}/pages/{page}",
                "get_published_page",
                Bearer,
            ),
            Kind::PublishedVariables => spec(
                Get,
                "/api/v2/scripts/published/{id}/variables",
                "published_variables",
                Bearer,
            ),
            Kind::DivisionviewVariables => spec(
                Get,
                "/api/v2/scripts/published/divisionviews/{id}/variables",
                "divisionview_variables",
                Bearer,
            ),
            Kind::ConsumingResources => spec(
                Get,
                "/api/v2/architect/dependencytracking/consumingresources",
                "dependency_tracking",
                Bearer,
            ),
            Kind::GetBuild => spec(
                Get,
                "/api/v2/architect/dependencytracking/build",
                "dependency_tracking",
                Bearer,
            ),
            Kind::PostBuild => spec(
                Post,
                "/api/v2/architect/dependencytracking/build",
                "dependency_tracking",
                Bearer,
            ),
            Kind::AuditQuery => spec(Post, "/api/v2/audits/query/realtime", "audit", Bearer),
            Kind::AuditServiceMapping => spec(
                Get,
                "/api/v2/audits/query/realtime/servicemapping",
                "audit",
                Bearer,
            ),
            Kind::Download => spec(Get, "/downloads/{token}", "download", Download),
        }
    }

    pub fn method(self) -> Method {
        self.spec().verb.method()
    }

    pub fn method_filter(self) -> MethodFilter {
        self.spec().verb.filter()
    }

    pub fn path(self) -> &'static str {
        self.spec().path
    }

    pub fn stat(self) -> &'static str {
        self.spec().stat
    }

    pub fn access(self) -> Access {
        self.spec().access
    }

    /// Whether the `denied` knob can refuse this endpoint (those behind a bearer token).
    pub fn deniable(self) -> bool {
        self.access() == Access::Bearer
    }

    /// The endpoint with this method and path template, if any.
    pub fn find(method: &Method, path: &str) -> Option<Kind> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.path() == path && k.method() == *method)
    }

    /// The endpoint a routed request reached, from the path template axum matched
    /// (`None` for the fallback, or a method the path does not serve).
    pub fn of(req: &Request) -> Option<Kind> {
        let matched = req.extensions().get::<MatchedPath>()?;
        Kind::find(req.method(), matched.as_str())
    }
}

/// The stats name of a routed request: its endpoint's, or [`OTHER`].
pub fn stat_of(req: &Request) -> &'static str {
    Kind::of(req).map_or(OTHER, Kind::stat)
}

/// The stats names the `denied` knob accepts, each once, in [`Kind::ALL`] order.
pub fn deniable_stats() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for k in Kind::ALL.iter().filter(|k| k.deniable()) {
        if !names.contains(&k.stat()) {
            names.push(k.stat());
        }
    }
    names
}

#[cfg(test)]
pub(crate) mod testing {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::middleware::{from_fn, Next};
    use axum::routing::on;
    use axum::Router;
    use tower::ServiceExt;

    use super::{Kind, OTHER};

    /// The endpoint that axum routes `method path` to, through a router of every [`Kind`]
    /// (the way `server::router` builds it), as the middleware sees it.
    pub(crate) async fn routed(method: &str, path: &str) -> Option<Kind> {
        let mut router = Router::new();
        for &k in Kind::ALL {
            router = router.route(k.path(), on(k.method_filter(), || async {}));
        }
        let router = router.layer(from_fn(|req: Request, next: Next| async move {
            let kind = Kind::of(&req);
            let mut resp = next.run(req).await;
            resp.extensions_mut().insert(kind);
            resp
        }));
        let req = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .expect("a valid request");
        let resp = router.oneshot(req).await.expect("infallible");
        resp.extensions().get::<Option<Kind>>().copied().flatten()
    }

    /// The stats name of `method path`.
    pub(crate) async fn stat(method: &str, path: &str) -> &'static str {
        routed(method, path).await.map_or(OTHER, Kind::stat)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{routed, stat};
    use super::*;

    #[tokio::test]
    async fn every_endpoint_routes_to_itself() {
        for &k in Kind::ALL {
            let path = k
                .path()
                .split('/')
                .map(|s| if s.starts_with('{') { "x" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            assert_eq!(routed(k.method().as_str(), &path).await, Some(k), "{path}");
        }
    }

    #[tokio::test]
    async fn head_and_unknown_methods_are_other() {
        assert_eq!(stat("HEAD", "/api/v2/scripts").await, OTHER);
        assert_eq!(stat("PUT", "/api/v2/scripts/abc").await, OTHER);
    }

    #[tokio::test]
    async fn classifies_paths() {
        assert_eq!(
            stat("GET", "/api/v2/scripts/published").await,
            "list_published"
        );
        assert_eq!(stat("GET", "/api/v2/scripts/abc").await, "get_script");
        assert_eq!(stat("POST", "/api/v2/scripts/abc/export").await, "export");
        assert_eq!(
            stat("GET", "/api/v2/scripts/uploads/u/status").await,
            "upload_status"
        );
        assert_eq!(stat("PUT", "/nope").await, "other");
        // The division views and the published pages are not scripts or published scripts.
        assert_eq!(
            stat("GET", "/api/v2/scripts/divisionviews").await,
            "list_divisionviews"
        );
        assert_eq!(
            stat("GET", "/api/v2/scripts/published/divisionviews").await,
            "list_published_divisionviews"
        );
        assert_eq!(
            stat("GET", "/api/v2/scripts/published/divisionviews/s/variables").await,
            "divisionview_variables"
        );
        for (m, p) in [
            (Method::GET, "/api/v2/architect/dependencytracking/build"),
            (Method::POST, "/api/v2/architect/dependencytracking/build"),
        ] {
            assert_eq!(stat(m.as_str(), p).await, "dependency_tracking", "{m} {p}");
        }
        assert_eq!(
            stat("GET", "/api/v2/audits/query/realtime/servicemapping").await,
            "audit"
        );
        assert_eq!(
            stat("DELETE", "/api/v2/architect/dependencytracking/build").await,
            "other"
        );
    }

    #[tokio::test]
    async fn deniable_kinds_are_the_authenticated_ones() {
        let authed = [
            (Method::GET, "/api/v2/scripts"),
            (Method::GET, "/api/v2/scripts/published"),
            (Method::POST, "/api/v2/scripts/published"),
            (Method::GET, "/api/v2/scripts/published/p"),
            (Method::GET, "/api/v2/scripts/uploads/u/status"),
            (Method::POST, "/api/v2/scripts/s/export"),
            (Method::GET, "/api/v2/scripts/s"),
            (Method::DELETE, "/api/v2/scripts/s"),
            (
                Method::POST,
                "/api/v2/authorization/divisions/d/objects/SCRIPT",
            ),
            (Method::POST, "/uploads/v2/scripter"),
            (Method::GET, "/api/v2/scripts/divisionviews"),
            (Method::GET, "/api/v2/scripts/published/divisionviews"),
            (Method::GET, "/api/v2/scripts/s/pages"),
            (Method::GET, "/api/v2/scripts/s/pages/p"),
            (Method::GET, "/api/v2/scripts/published/s/pages"),
            (Method::GET, "/api/v2/scripts/published/s/pages/p"),
            (Method::GET, "/api/v2/scripts/published/s/variables"),
            (
                Method::GET,
                "/api/v2/scripts/published/divisionviews/s/variables",
            ),
            (
                Method::GET,
                "/api/v2/architect/dependencytracking/consumingresources",
            ),
            (Method::POST, "/api/v2/audits/query/realtime"),
        ];
        let mut kinds: Vec<&str> = Vec::new();
        for (m, p) in &authed {
            kinds.push(stat(m.as_str(), p).await);
        }
        assert_eq!(kinds, deniable_stats());
        for (m, p) in [
            (Method::POST, "/oauth/token"),
            (Method::GET, "/downloads/t"),
        ] {
            assert!(
                !deniable_stats().contains(&stat(m.as_str(), p).await),
                "{p}"
            );
        }
    }
}
