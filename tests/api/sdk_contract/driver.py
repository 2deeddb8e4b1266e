"""Drives genesys-sim with Genesys Cloud's official Python SDK (purecloudplatformclientv2).

Usage: driver.py BASE_URL SDK_VERSION

Run by tests/api/sdk_contract.rs with the interpreter of the venv that scripts/install-sdk.sh
makes. For every public operation of ScriptsApi (found by introspection, so a new SDK
operation without a call here fails), for the Architect dependency-tracking operations and
for the realtime audit query, it checks that:
  - the response deserializes into the SDK's model, with no enum value the model lacks
    (the SDK turns those into "outdated_sdk_version");
  - the raw JSON carries no key the model does not declare, and every value has the model's
    type, walking nested models through their swagger_types / attribute_map;
  - error responses (a 404, and 403s from --deny kinds) parse as ErrorBody the same way.
It also checks the behaviour the SDK's parameters ask for (paging, sorting, filters, expand,
consumers, build status, audit entries), and, under the simulator's mint-ids import reading
(set through PUT /_sim/knobs), that both pages endpoints list every page of a file whose pages
carry no id, as a real org does (the SDK's Page always has an id). Prints one line per failure and exits 1 on any.
"""

import datetime
import importlib.metadata
import json
import sys
import urllib.request
import uuid

import PureCloudPlatformClientV2 as sdk
from PureCloudPlatformClientV2.rest import ApiException

FAILURES = []
CALLED = set()
PRIMITIVES = {"str": str, "int": int, "float": (int, float), "bool": bool, "long": int}


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg, flush=True)


def expect(cond, msg):
    if not cond:
        fail(msg)


def inner(type_name, prefix):
    return type_name[len(prefix):-1]


def check_shape(data, type_name, where):
    """Fails on any key `type_name` does not declare and on any value of the wrong type."""
    if data is None:
        return
    if type_name.startswith("list["):
        if not isinstance(data, list):
            return fail(f"{where}: expected a list ({type_name}), got {type(data).__name__}")
        for i, item in enumerate(data):
            check_shape(item, inner(type_name, "list["), f"{where}[{i}]")
        return
    if type_name.startswith("dict("):
        if not isinstance(data, dict):
            return fail(f"{where}: expected an object ({type_name}), got {type(data).__name__}")
        value_type = inner(type_name, "dict(").split(",", 1)[1].strip()
        for k, v in data.items():
            check_shape(v, value_type, f"{where}.{k}")
        return
    if type_name == "object":
        return
    if type_name in PRIMITIVES:
        ok = isinstance(data, PRIMITIVES[type_name]) and not (
            type_name in ("int", "long", "float") and isinstance(data, bool)
        )
        return expect(ok, f"{where}: expected {type_name}, got {data!r}")
    if type_name in ("datetime", "date"):
        if not isinstance(data, str):
            return fail(f"{where}: expected an ISO-8601 string, got {data!r}")
        try:
            datetime.datetime.fromisoformat(data.replace("Z", "+00:00"))
        except ValueError:
            fail(f"{where}: {data!r} is not ISO-8601")
        return
    model = getattr(sdk, type_name, None)
    if model is None:
        return fail(f"{where}: the SDK has no model {type_name}")
    if not isinstance(data, dict):
        return fail(f"{where}: expected a {type_name} object, got {data!r}")
    m = model()
    declared = {json_key: m.swagger_types[attr] for attr, json_key in m.attribute_map.items()}
    for k, v in data.items():
        if k not in declared:
            fail(f"{where}: key {k!r} is not declared by {type_name} (declares {sorted(declared)})")
        else:
            check_shape(v, declared[k], f"{where}.{k}")


def check_enums(obj, where):
    """Fails where the SDK replaced an enum value it does not know by outdated_sdk_version."""
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            check_enums(item, f"{where}[{i}]")
    elif hasattr(obj, "swagger_types"):
        for attr in obj.swagger_types:
            value = getattr(obj, attr)
            if isinstance(value, str) and value == "outdated_sdk_version":
                fail(f"{where}.{attr}: a value the model's enum does not list")
            check_enums(value, f"{where}.{attr}")


class Driver:
    def __init__(self, base):
        self.base = base
        sdk.configuration.host = base
        self.client = sdk.api_client.ApiClient(base).get_client_credentials_token(
            "demo-client", "demo-secret"
        )
        self.scripts = sdk.ScriptsApi(self.client)
        self.architect = sdk.ArchitectApi(self.client)
        self.audit = sdk.AuditApi(self.client)

    def call(self, api, op, response_type, *args, **kwargs):
        """Calls `op`, checks the raw body against `response_type`, returns (model, raw)."""
        CALLED.add(op)
        model = getattr(api, op)(*args, **kwargs)
        raw_text = self.client.last_response.data
        raw = json.loads(raw_text) if raw_text else None
        if response_type:
            check_shape(raw, response_type, op)
            check_enums(model, op)
            if model is None:
                fail(f"{op}: nothing deserialized")
        return model, raw

    def error(self, api, op, status, *args, **kwargs):
        """Calls `op` expecting an error `status`; checks the body is an ErrorBody."""
        CALLED.add(op)
        try:
            getattr(api, op)(*args, **kwargs)
        except ApiException as e:
            expect(e.status == status, f"{op}: status {e.status}, expected {status}")
            raw = json.loads(e.body)
            check_shape(raw, "ErrorBody", f"{op} error")
            body = self.client.deserialize(FakeResponse(e.body), "ErrorBody")
            check_enums(body, f"{op} error")
            expect(body.status == status, f"{op}: ErrorBody.status {body.status}")
            expect(bool(body.code) and bool(body.message), f"{op}: ErrorBody without code/message")
            return body
        fail(f"{op}: succeeded, expected {status}")
        return None

    # Raw HTTP: the upload (no SDK operation) and the control API.
    def http(self, method, path, body=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": "application/json"} if raw is None else {}
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
            return json.loads(text) if text else None

    def upload(self, name, document, replace=None):
        boundary = uuid.uuid4().hex
        parts = [("file", json.dumps(document), "script.json"), ("scriptName", name, None)]
        if replace:
            parts.append(("scriptIdToReplace", replace, None))
        body = b""
        for field, value, filename in parts:
            disp = f'form-data; name="{field}"' + (f'; filename="{filename}"' if filename else "")
            body += f"--{boundary}\r\nContent-Disposition: {disp}\r\n\r\n{value}\r\n".encode()
        body += f"--{boundary}--\r\n".encode()
        return self.http(
            "POST",
            "/uploads/v2/scripter",
            raw=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Authorization": f"Bearer {self.client.access_token}",
            },
        )["correlationId"]


def model(cls, **attrs):
    """An SDK model with `attrs` set (the models take no constructor arguments)."""
    m = cls()
    for k, v in attrs.items():
        setattr(m, k, v)
    return m


class FakeResponse:
    def __init__(self, data):
        self.data = data

    def getheader(self, _name):
        return "application/json"


def document(name, pages=("p1", "p2")):
    return {
        "name": name,
        "startPageId": pages[0],
        "pages": [
            {
                "id": p,
                "name": f"Page {p}",
                "properties": {"onLoadAction": "none", "backgroundColor": "#fff"},
                "rootContainer": {"type": "verticalStackContainer", "children": []},
                "dataVersion": 0,
            }
            for p in pages
        ],
        "features": {"chat": {"properties": {}}},
        "variables": [
            {"id": "v1", "name": "Customer", "type": {"name": "String"}, "input": True, "output": False},
            {"id": "v2", "name": "Score", "type": {"name": "Number"}, "input": False, "output": True},
        ],
        "customActions": [],
    }


def main():
    base, version = sys.argv[1], sys.argv[2]
    installed = importlib.metadata.version("purecloudplatformclientv2")
    expect(installed == version, f"SDK {installed} installed, {version} pinned")
    d = Driver(base)
    s, a, au = d.scripts, d.architect, d.audit

    # Seed: four scripts (names sort differently from creation order), two published.
    ids = {}
    for name in ["Charlie", "alpha", "Bravo", "Delta"]:
        upload_id = d.upload(name, document(name))
        status, _ = d.call(s, "get_scripts_upload_status", "ImportScriptStatusResponse", upload_id)
        expect(status.succeeded is True, f"upload of {name} did not succeed: {status.message}")
        page, _ = d.call(s, "get_scripts", "ScriptEntityListing", name=name, page_size=100)
        ids[name] = [e.id for e in page.entities if e.name == name][0]
    for name in ["alpha", "Bravo"]:
        published, _ = d.call(s, "post_scripts_published", "Script", script_data_version="0",
                              body=model(sdk.PublishScriptRequestData, script_id=ids[name]))
        expect(published.id == ids[name], "publish answers the published script")
    alpha = ids["alpha"]

    # Listings: paging, sorting, division filter, expand.
    p1, raw = d.call(s, "get_scripts", "ScriptEntityListing", page_size=3, page_number=1,
                     sort_by="name", sort_order="ascending")
    expect([e.name for e in p1.entities] == ["alpha", "Bravo", "Charlie"], f"name sort: {raw}")
    expect((p1.total, p1.page_count) == (4, 2), f"paging of 4 by 3: {raw}")
    expect(p1.next_uri and "pageNumber=2" in p1.next_uri and "sortBy=name" in p1.next_uri,
           f"nextUri keeps the query: {p1.next_uri}")
    p2, raw = d.call(s, "get_scripts", "ScriptEntityListing", page_size=3, page_number=2,
                     sort_by="name", sort_order="ascending")
    expect([e.name for e in p2.entities] == ["Delta"] and p2.next_uri is None, f"last page: {raw}")
    expect(p2.previous_uri and "pageNumber=1" in p2.previous_uri, "previousUri")
    desc, _ = d.call(s, "get_scripts", "ScriptEntityListing", sort_by="createdDate",
                     sort_order="descending")
    expect([e.name for e in desc.entities] == ["Delta", "Bravo", "alpha", "Charlie"],
           f"createdDate descending: {[e.name for e in desc.entities]}")
    home = p1.entities[0].division.id
    mine, _ = d.call(s, "get_scripts", "ScriptEntityListing", division_ids=[home])
    other, _ = d.call(s, "get_scripts", "ScriptEntityListing", division_ids=[str(uuid.uuid4())])
    expect(mine.total == 4 and other.total == 0, "divisionIds filter")
    plain, _ = d.call(s, "get_scripts", "ScriptEntityListing", name="alpha")
    expect(plain.entities[0].pages is None, "no pages without expand")
    full, _ = d.call(s, "get_scripts", "ScriptEntityListing", name="alpha",
                     expand="pages,features,variables,customActions")
    expect([p.id for p in (full.entities[0].pages or [])] == ["p1", "p2"], "expand=pages")
    expect(full.entities[0].features == {"chat": {"properties": {}}}, "expand=features")
    dv, raw = d.call(s, "get_scripts_divisionviews", "ScriptEntityListing", page_size=2,
                     sort_by="name", sort_order="descending")
    expect([e.name for e in dv.entities] == ["Delta", "Charlie"] and dv.page_count == 2,
           f"divisionviews sort and paging: {raw}")
    pub, raw = d.call(s, "get_scripts_published", "ScriptEntityListing", page_size=25,
                      expand="pages")
    expect(pub.total == 5, f"3 defaults + 2 published: {raw}")
    pdv, _ = d.call(s, "get_scripts_published_divisionviews", "ScriptEntityListing",
                    page_size=2, page_number=3)
    expect((pdv.page_count, len(pdv.entities), pdv.next_uri) == (3, 1, None), "published paging")

    # One script, its pages and variables.
    d.call(s, "get_script", "Script", alpha)
    pages, _ = d.call(s, "get_script_pages", "list[Page]", alpha, script_data_version="0")
    expect([p.id for p in pages] == ["p1", "p2"], "pages")
    page, _ = d.call(s, "get_script_page", "Page", alpha, "p2")
    expect(page.name == "Page p2" and page.root_container is not None, "one page")
    d.call(s, "get_scripts_published_script_id", "Script", alpha)
    d.call(s, "get_scripts_published_script_id_pages", "list[Page]", alpha)
    d.call(s, "get_scripts_published_script_id_page", "Page", alpha, "p1")
    variables, _ = d.call(s, "get_scripts_published_script_id_variables", "object", alpha,
                          input="true")
    expect([v["name"] for v in variables] == ["Customer"], f"input variables: {variables}")
    variables, _ = d.call(s, "get_scripts_published_divisionview_variables", "object", alpha,
                          type="number")
    expect([v["name"] for v in variables] == ["Score"], f"number variables: {variables}")
    export, _ = d.call(s, "post_script_export", "ExportScriptResponse", alpha,
                       body=model(sdk.ExportScriptRequest, file_name="alpha"))
    expect(export.url.startswith(base), "export url")

    # Pages that the file gives no id (a hand-written template): the SDK's Page always has an
    # id, so a real org gives every page one. Under the simulator's mint-ids import reading,
    # both pages endpoints must list every page, with ids, and startPageId names the first.
    knobs = d.http("GET", "/_sim/knobs")
    d.http("PUT", "/_sim/knobs", {"import_storage": "mint-ids"})
    bare = document("Echo")
    del bare["startPageId"]
    for p in bare["pages"]:
        del p["id"]
    status, _ = d.call(s, "get_scripts_upload_status", "ImportScriptStatusResponse",
                       d.upload("Echo", bare))
    expect(status.succeeded is True, f"upload of Echo did not succeed: {status.message}")
    page, _ = d.call(s, "get_scripts", "ScriptEntityListing", name="Echo", page_size=100)
    echo = [e.id for e in page.entities if e.name == "Echo"][0]
    d.call(s, "post_scripts_published", "Script", script_data_version="0",
           body=model(sdk.PublishScriptRequestData, script_id=echo))
    pages, raw = d.call(s, "get_script_pages", "list[Page]", echo)
    minted = [p.id for p in pages]
    expect(len(minted) == 2 and all(minted) and len(set(minted)) == 2,
           f"pages without ids are listed, each with an id: {raw}")
    meta, _ = d.call(s, "get_script", "Script", echo)
    expect(bool(minted) and meta.start_page_id == minted[0], f"startPageId: {meta.start_page_id}")
    published_pages, raw = d.call(s, "get_scripts_published_script_id_pages", "list[Page]", echo)
    expect(len(published_pages) == 2 and [p.id for p in published_pages] == minted,
           f"published pages list every page: {raw}")
    d.http("PUT", "/_sim/knobs", {"import_storage": knobs["import_storage"]})

    # Dependency tracking: consumers declared through the control API.
    for i, kind in enumerate(["INBOUNDCALLFLOW", "INBOUNDCALLFLOW", "BOTFLOW"]):
        d.http("POST", "/_sim/orgs/demo/consumers", {
            "script_id": alpha,
            "consumer": {"id": f"flow-{i}", "name": f"Flow {i}", "type": kind, "version": "2.0"},
        })
    consumers, raw = d.call(a, "get_architect_dependencytracking_consumingresources",
                            "ConsumingResourcesEntityListing", alpha, "COMPOSERSCRIPT",
                            resource_type=["INBOUNDCALLFLOW"], page_size=1, page_number=1,
                            flow_filter="checkedIn", version="1")
    expect((consumers.total, consumers.page_count, consumers.entities[0].type)
           == (2, 2, "INBOUNDCALLFLOW"), f"consumers: {raw}")
    expect(consumers.next_uri is not None, "consumers nextUri")
    d.http("DELETE", f"/_sim/orgs/demo/consumers/{alpha}/flow-2")
    build, _ = d.call(a, "get_architect_dependencytracking_build", "DependencyStatus")
    expect(build.status == "OPERATIONAL", f"build status {build.status}")
    d.http("PUT", "/_sim/knobs", {"dependency_status": "OPERATIONALNEEDSREBUILD"})
    build, _ = d.call(a, "get_architect_dependencytracking_build", "DependencyStatus")
    expect(build.status == "OPERATIONALNEEDSREBUILD", f"knob status {build.status}")
    d.http("PUT", "/_sim/knobs", {"dependency_status": "OPERATIONAL"})
    d.call(a, "post_architect_dependencytracking_build", None)

    # Audit: an edit by a named user, then the realtime query and the service mapping.
    d.http("POST", "/_sim/orgs/demo/edits", {
        "script_id": alpha,
        "document": document("alpha", pages=("p1",)),
        "user": {"id": "jane-1", "name": "Jane Admin"},
    })
    now = datetime.datetime.now(datetime.timezone.utc)
    interval = (f"{(now - datetime.timedelta(hours=1)).isoformat()}/"
                f"{(now + datetime.timedelta(hours=1)).isoformat()}")
    query = sdk.AuditRealtimeQueryRequest()
    query.interval = interval
    query.service_name = "Scripter"
    f1, f2 = sdk.AuditQueryFilter(), sdk.AuditQueryFilter()
    f1.pcProperty, f1.value = "EntityId", alpha
    f2.pcProperty, f2.value = "EntityType", "ComposerScript"
    query.filters = [f1, f2]
    sort = sdk.AuditQuerySort()
    sort.name, sort.sort_order = "Timestamp", "descending"
    query.sort = [sort]
    query.page_number, query.page_size = 1, 25
    result, raw = d.call(au, "post_audits_query_realtime", "AuditRealtimeQueryResultsResponse",
                         query, expand=["user"])
    actions = [e.action for e in result.entities]
    expect(actions == ["Update", "Publish", "Create"], f"audit actions: {actions}")
    expect(result.entities[0].user.name == "Jane Admin", f"edit by Jane: {raw}")
    expect(result.entities[1].client is not None and result.entities[1].client.id == "demo-client",
           "the publish names the OAuth client")
    d.call(au, "get_audits_query_realtime_servicemapping", "AuditQueryServiceMapping")

    # Errors: 404, 400 and the new --deny kinds.
    d.error(s, "get_script", 404, str(uuid.uuid4()))
    d.error(s, "get_script_page", 404, alpha, "nope")
    d.error(s, "get_scripts_published_script_id_pages", 404, ids["Charlie"])
    bad = sdk.AuditRealtimeQueryRequest()
    bad.service_name = "Scripter"
    d.error(au, "post_audits_query_realtime", 400, bad)
    d.http("PUT", "/_sim/knobs", {"denied": {
        "audit": "audits:audit:view",
        "dependency_tracking": "architect:dependencyTracking:view",
        "list_pages": "scripter:script:view",
    }})
    for api, op, args, permission in [
        (au, "post_audits_query_realtime", (query,), "audits:audit:view"),
        (a, "get_architect_dependencytracking_consumingresources", (alpha, "COMPOSERSCRIPT"),
         "architect:dependencyTracking:view"),
        (s, "get_script_pages", (alpha,), "scripter:script:view"),
    ]:
        body = d.error(api, op, 403, *args)
        expect(body is not None and body.code == "missing.any.permissions"
               and permission in (body.message or ""), f"{op}: 403 names {permission}")
    d.http("PUT", "/_sim/knobs", {"denied": {}})

    # Coverage: every public ScriptsApi operation was called.
    ops = {m for m in dir(sdk.ScriptsApi) if not m.startswith("_")
           and not m.endswith("_with_http_info") and callable(getattr(sdk.ScriptsApi, m))}
    missing = sorted(ops - CALLED)
    expect(not missing, f"ScriptsApi operations never called: {missing}")
    print(f"called {len(CALLED)} operations ({len(ops)} of ScriptsApi) with SDK {installed}")
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
