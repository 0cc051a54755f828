//! `/dss/v1`: the line as an ASTM F3548-21 DSS over HTTP — the routes of the standard's OpenAPI (`utm.yaml`
//! v1.0), its bodies (the domain's [`deconflict_domain::dss::wire`]) and its error shape
//! (`{"message": …}`, with the missing references on a 409 of the key check). Each handler checks the
//! token ([`auth`]) and the scope the standard asks of the endpoint, reads the body, and asks the line on a
//! work thread; the rules are the domain's deciders.

pub mod auth;

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use deconflict_domain::dss::decide::{area_of_interest, entity_id};
use deconflict_domain::dss::{wire, Caller, Ctx, Decision, Dss, DssError, Scopes, Work};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::http::auth::PartyInFlight;
use crate::http::work::on_worker;
use crate::line::DssFailure;
use crate::{Line, LineError};
use auth::{DssAuth, Verified};

/// What the DSS's handlers share: the line, the token settings, and the requests each USS has in flight.
#[derive(Debug)]
pub struct DssApp {
    pub line: Arc<Line>,
    pub auth: Arc<DssAuth>,
    in_flight: Arc<PartyInFlight>,
}

/// An error as the standard shapes it: `ErrorResponse` (`{"message": …}`), or `AirspaceConflictResponse`.
#[derive(Debug)]
pub struct DssProblem {
    status: StatusCode,
    body: Value,
}

impl DssProblem {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        DssProblem {
            status,
            body: json!({"message": message.into()}),
        }
    }
}

impl IntoResponse for DssProblem {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            self.body.to_string(),
        )
            .into_response()
    }
}

impl From<DssError> for DssProblem {
    fn from(e: DssError) -> Self {
        match e {
            DssError::BadRequest(m) => DssProblem::new(StatusCode::BAD_REQUEST, m),
            DssError::Forbidden(m) => DssProblem::new(StatusCode::FORBIDDEN, m),
            DssError::NotFound(m) => DssProblem::new(StatusCode::NOT_FOUND, m),
            DssError::Conflict(m) => DssProblem::new(StatusCode::CONFLICT, m),
            DssError::Down(m) => DssProblem::new(StatusCode::PRECONDITION_FAILED, m),
            DssError::TooMany(m) => DssProblem::new(StatusCode::TOO_MANY_REQUESTS, m),
            DssError::MissingKey(c) => DssProblem {
                status: StatusCode::CONFLICT,
                body: serde_json::to_value(&*c)
                    .unwrap_or_else(|_| json!({"message": "missing OVNs"})),
            },
        }
    }
}

impl From<LineError> for DssProblem {
    fn from(e: LineError) -> Self {
        let status = match &e {
            LineError::Limit { rate: true, .. } => StatusCode::TOO_MANY_REQUESTS,
            LineError::Limit { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            LineError::Storage(_) | LineError::Failed(_) => StatusCode::SERVICE_UNAVAILABLE,
            LineError::NotFound(_) => StatusCode::NOT_FOUND,
            LineError::Forbidden(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        DssProblem::new(status, e.to_string())
    }
}

impl From<DssFailure> for DssProblem {
    fn from(e: DssFailure) -> Self {
        match e {
            DssFailure::Refused(e) => e.into(),
            DssFailure::Line(e) => e.into(),
        }
    }
}

type Answer = Result<Response, DssProblem>;

fn ok<T: Serialize>(status: StatusCode, body: &T) -> Answer {
    let text = serde_json::to_string(body).map_err(|e| {
        DssProblem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("writing the answer: {e}"),
        )
    })?;
    Ok((status, [(header::CONTENT_TYPE, "application/json")], text).into_response())
}

/// The response header naming the log entry that holds a write (`GET /v1/log/entries/{seq}/proof` with the
/// same token gives its inclusion proof).
pub const LOG_ENTRY: &str = "deconflict-log-entry";

/// A write's answer, with the log entry that holds it.
fn written<T: Serialize>(status: StatusCode, (body, seq): (T, Option<u64>)) -> Answer {
    let mut res = ok(status, &body)?;
    if let Some(seq) = seq {
        res.headers_mut().insert(
            header::HeaderName::from_static(LOG_ENTRY),
            header::HeaderValue::from(seq),
        );
    }
    Ok(res)
}

fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DssProblem> {
    wire::read(bytes).map_err(|e| DssProblem::new(StatusCode::BAD_REQUEST, e))
}

/// The scopes an endpoint accepts (any one of them), and their names for the 403 that says so.
struct Need(&'static [fn(&Scopes) -> bool], &'static str);

const SC: fn(&Scopes) -> bool = |s| s.strategic_coordination;
const CM: fn(&Scopes) -> bool = |s| s.constraint_management;
const CP: fn(&Scopes) -> bool = |s| s.constraint_processing;
const CMSA: fn(&Scopes) -> bool = |s| s.conformance_monitoring_sa;
const AA: fn(&Scopes) -> bool = |s| s.availability_arbitration;

/// Operational intent references: read, write, delete.
const INTENTS: Need = Need(
    &[SC, CMSA],
    "utm.strategic_coordination or utm.conformance_monitoring_sa",
);
/// Constraint references, read.
const READ_CONSTRAINTS: Need = Need(
    &[CM, CP],
    "utm.constraint_management or utm.constraint_processing",
);
/// Constraint references, written and deleted.
const WRITE_CONSTRAINTS: Need = Need(&[CM], "utm.constraint_management");
/// Subscriptions.
const SUBSCRIPTIONS: Need = Need(
    &[SC, CP],
    "utm.strategic_coordination or utm.constraint_processing",
);
/// A USS's availability, read.
const READ_AVAILABILITY: Need = Need(
    &[AA, SC, CMSA],
    "utm.availability_arbitration, utm.strategic_coordination or utm.conformance_monitoring_sa",
);
/// A USS's availability, set.
const SET_AVAILABILITY: Need = Need(&[AA], "utm.availability_arbitration");
/// Reports.
const REPORTS: Need = Need(&[SC, CM, CP, CMSA, AA], "one of the F3548 scopes");

impl Verified {
    /// The caller, if its token holds one of the scopes `need` names.
    fn needs(&self, need: &Need) -> Result<(), DssProblem> {
        if need.0.iter().any(|f| f(&self.uss.scopes)) {
            return Ok(());
        }
        Err(DssProblem::new(
            StatusCode::FORBIDDEN,
            format!("this endpoint needs the scope {}", need.1),
        ))
    }
}

async fn run<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DssProblem> + Send + 'static,
) -> Result<T, DssProblem> {
    on_worker(f)
        .await
        .map_err(|_| DssProblem::new(StatusCode::INTERNAL_SERVER_ERROR, "the request failed"))?
}

/// The router of `/dss/v1`, to nest under that path.
pub fn router(line: Arc<Line>, auth: Arc<DssAuth>) -> Router {
    let body_bytes = line.limits().body_bytes;
    let app = Arc::new(DssApp {
        line,
        auth,
        in_flight: Arc::default(),
    });
    Router::new()
        .route("/healthy", get(|| async { "ok" }))
        .route("/operational_intent_references/query", post(query_intents))
        .route(
            "/operational_intent_references/{id}",
            get(get_intent).put(create_intent),
        )
        // An empty OVN or version in the path (`…/{id}/`) is a request without one.
        .route(
            "/operational_intent_references/{id}/",
            put(create_intent).delete(delete_intent_without_ovn),
        )
        .route(
            "/operational_intent_references/{id}/{ovn}",
            put(update_intent).delete(delete_intent),
        )
        .route("/constraint_references/query", post(query_constraints))
        .route(
            "/constraint_references/{id}",
            get(get_constraint).put(create_constraint),
        )
        .route(
            "/constraint_references/{id}/",
            put(create_constraint).delete(delete_constraint_without_ovn),
        )
        .route(
            "/constraint_references/{id}/{ovn}",
            put(update_constraint).delete(delete_constraint),
        )
        .route("/subscriptions/query", post(query_subscriptions))
        .route(
            "/subscriptions/{id}",
            get(get_subscription).put(create_subscription),
        )
        .route(
            "/subscriptions/{id}/",
            put(create_subscription).delete(delete_subscription_without_version),
        )
        .route(
            "/subscriptions/{id}/{version}",
            put(update_subscription).delete(delete_subscription),
        )
        .route(
            "/uss_availability/{uss}",
            get(get_availability).put(set_availability),
        )
        .route("/reports", post(report))
        .fallback(|| async {
            DssProblem::new(StatusCode::NOT_FOUND, "no such endpoint of the DSS API")
        })
        .layer(axum::middleware::from_fn_with_state(
            body_bytes,
            read_whole_body,
        ))
        .with_state(app)
}

/// Reads each request's whole body (within `body_bytes`) before its handler runs, so that a request refused
/// before its body is read (a missing token or scope) leaves its connection fit for the next request: a
/// client that sends a body with a DELETE and reuses the connection is not cut off.
async fn read_whole_body(
    State(limit): State<usize>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(axum::extract::Request::from_parts(
                parts,
                axum::body::Body::from(bytes),
            ))
            .await
        }
        Err(_) => DssProblem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {limit} bytes (limit body_bytes)"),
        )
        .into_response(),
    }
}

async fn delete_intent_without_ovn() -> DssProblem {
    DssProblem::new(StatusCode::BAD_REQUEST, "ovn: missing from the path")
}

async fn delete_constraint_without_ovn() -> DssProblem {
    DssProblem::new(StatusCode::BAD_REQUEST, "ovn: missing from the path")
}

async fn delete_subscription_without_version() -> DssProblem {
    DssProblem::new(StatusCode::BAD_REQUEST, "version: missing from the path")
}

fn caller(uss: &auth::Uss) -> Caller<'_> {
    Caller {
        sub: &uss.sub,
        scopes: uss.scopes,
    }
}

/// A read of the DSS state on a work thread.
async fn read<T: Serialize + Send + 'static>(
    app: Arc<DssApp>,
    read: impl FnOnce(&Dss, i64) -> Result<T, DssProblem> + Send + 'static,
) -> Answer {
    let answer = run(move || app.line.dss_read(read)?).await?;
    ok(StatusCode::OK, &answer)
}

/// A USS's write on a work thread: `decide` under the line's lock, its entry committed, and the answer with
/// the entry's number, `status` on success.
async fn write<T: Serialize + Send + 'static>(
    app: Arc<DssApp>,
    v: Verified,
    status: StatusCode,
    decide: impl FnOnce(&Dss, Caller<'_>, Ctx) -> Result<Decision<T>, DssError> + Send + 'static,
) -> Answer {
    let settings = app.auth.settings;
    let answer = run(move || {
        Ok(app.line.dss_write(caller(&v.uss), settings, |dss, ctx| {
            decide(dss, caller(&v.uss), ctx)
        })?)
    })
    .await?;
    written(status, answer)
}

/// Created when there was no OVN or version to name, updated otherwise.
fn put_status(old: &str) -> StatusCode {
    if old.is_empty() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

async fn query_intents(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    bytes: axum::body::Bytes,
) -> Answer {
    v.needs(&INTENTS)?;
    let area = area_of_interest(&body(&bytes)?)?;
    read(app, move |dss, _| {
        let refs: Vec<_> = dss
            .intents_in(&area, &Work::new())
            .into_iter()
            .map(|i| dss.intent_ref(i, &v.uss.sub))
            .collect();
        Ok(json!({"operational_intent_references": refs}))
    })
    .await
}

async fn get_intent(State(app): State<Arc<DssApp>>, v: Verified, Path(id): Path<String>) -> Answer {
    v.needs(&INTENTS)?;
    let id = entity_id(&id, "operational intent id")?;
    read(app, move |dss, _| {
        let r = dss.intents.get(&id).map(|i| dss.intent_ref(i, &v.uss.sub));
        let r = r.ok_or_else(|| {
            DssProblem::new(
                StatusCode::NOT_FOUND,
                format!("there is no operational intent {id}"),
            )
        })?;
        Ok(json!({"operational_intent_reference": r}))
    })
    .await
}

async fn put_intent(
    app: Arc<DssApp>,
    v: Verified,
    id: String,
    ovn: String,
    bytes: &[u8],
) -> Answer {
    v.needs(&INTENTS)?;
    let params: wire::PutOperationalIntent = body(bytes)?;
    write(app, v, put_status(&ovn), move |dss, caller, ctx| {
        dss.decide_put_intent(caller, &id, &ovn, &params, ctx)
    })
    .await
}

async fn create_intent(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Answer {
    put_intent(app, v, id, String::new(), &bytes).await
}

async fn update_intent(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path((id, ovn)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> Answer {
    put_intent(app, v, id, ovn, &bytes).await
}

async fn delete_intent(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path((id, ovn)): Path<(String, String)>,
) -> Answer {
    v.needs(&INTENTS)?;
    write(app, v, StatusCode::OK, move |dss, caller, _| {
        dss.decide_delete_intent(caller, &id, &ovn)
    })
    .await
}

async fn query_constraints(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    bytes: axum::body::Bytes,
) -> Answer {
    v.needs(&READ_CONSTRAINTS)?;
    let area = area_of_interest(&body(&bytes)?)?;
    read(app, move |dss, _| {
        let refs: Vec<_> = dss
            .constraints_in(&area, &Work::new())
            .into_iter()
            .map(|c| dss.constraint_ref(c, &v.uss.sub))
            .collect();
        Ok(json!({"constraint_references": refs}))
    })
    .await
}

async fn get_constraint(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path(id): Path<String>,
) -> Answer {
    v.needs(&READ_CONSTRAINTS)?;
    let id = entity_id(&id, "constraint id")?;
    read(app, move |dss, _| {
        let r = dss
            .constraints
            .get(&id)
            .map(|c| dss.constraint_ref(c, &v.uss.sub));
        let r = r.ok_or_else(|| {
            DssProblem::new(
                StatusCode::NOT_FOUND,
                format!("there is no constraint {id}"),
            )
        })?;
        Ok(json!({"constraint_reference": r}))
    })
    .await
}

async fn put_constraint(
    app: Arc<DssApp>,
    v: Verified,
    id: String,
    ovn: String,
    bytes: &[u8],
) -> Answer {
    v.needs(&WRITE_CONSTRAINTS)?;
    let params: wire::PutConstraint = body(bytes)?;
    write(app, v, put_status(&ovn), move |dss, caller, ctx| {
        dss.decide_put_constraint(caller, &id, &ovn, &params, ctx)
    })
    .await
}

async fn create_constraint(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Answer {
    put_constraint(app, v, id, String::new(), &bytes).await
}

async fn update_constraint(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path((id, ovn)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> Answer {
    put_constraint(app, v, id, ovn, &bytes).await
}

async fn delete_constraint(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path((id, ovn)): Path<(String, String)>,
) -> Answer {
    v.needs(&WRITE_CONSTRAINTS)?;
    write(app, v, StatusCode::OK, move |dss, caller, _| {
        dss.decide_delete_constraint(caller, &id, &ovn)
    })
    .await
}

async fn query_subscriptions(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    bytes: axum::body::Bytes,
) -> Answer {
    v.needs(&SUBSCRIPTIONS)?;
    let area = area_of_interest(&body(&bytes)?)?;
    read(app, move |dss, now_ns| {
        let subs: Vec<_> = dss
            .subscriptions_in(&area, &Work::new())
            .into_iter()
            .filter(|s| s.record.manager == v.uss.sub && s.shape.end_ns >= now_ns)
            .map(|s| dss.subscription_view(s))
            .collect();
        Ok(json!({"subscriptions": subs}))
    })
    .await
}

async fn get_subscription(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path(id): Path<String>,
) -> Answer {
    v.needs(&SUBSCRIPTIONS)?;
    read(app, move |dss, _| {
        let s = dss.own_subscription(caller(&v.uss), &id)?;
        Ok(json!({"subscription": dss.subscription_view(s)}))
    })
    .await
}

async fn put_subscription(
    app: Arc<DssApp>,
    v: Verified,
    id: String,
    version: String,
    bytes: &[u8],
) -> Answer {
    v.needs(&SUBSCRIPTIONS)?;
    let params: wire::PutSubscription = body(bytes)?;
    write(app, v, StatusCode::OK, move |dss, caller, ctx| {
        dss.decide_put_subscription(caller, &id, &version, &params, ctx)
    })
    .await
}

async fn create_subscription(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Answer {
    put_subscription(app, v, id, String::new(), &bytes).await
}

async fn update_subscription(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path((id, version)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> Answer {
    put_subscription(app, v, id, version, &bytes).await
}

async fn delete_subscription(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path((id, version)): Path<(String, String)>,
) -> Answer {
    v.needs(&SUBSCRIPTIONS)?;
    write(app, v, StatusCode::OK, move |dss, caller, _| {
        let d = dss.decide_delete_subscription(caller, &id, &version)?;
        Ok(Decision {
            entries: d.entries,
            answer: json!({"subscription": d.answer}),
            prepared: d.prepared,
        })
    })
    .await
}

async fn get_availability(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path(uss): Path<String>,
) -> Answer {
    v.needs(&READ_AVAILABILITY)?;
    read(app, move |dss, _| Ok(dss.availability_view(&uss))).await
}

async fn set_availability(
    State(app): State<Arc<DssApp>>,
    v: Verified,
    Path(uss): Path<String>,
    bytes: axum::body::Bytes,
) -> Answer {
    v.needs(&SET_AVAILABILITY)?;
    let params: wire::SetAvailability = body(&bytes)?;
    write(app, v, StatusCode::OK, move |dss, caller, ctx| {
        dss.decide_availability(caller, &uss, &params, ctx.fresh)
    })
    .await
}

async fn report(State(app): State<Arc<DssApp>>, v: Verified, bytes: axum::body::Bytes) -> Answer {
    v.needs(&REPORTS)?;
    let report: Value = body(&bytes)?;
    write(app, v, StatusCode::CREATED, move |dss, caller, ctx| {
        dss.decide_report(caller, report, ctx.fresh)
    })
    .await
}
