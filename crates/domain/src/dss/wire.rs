//! The bodies of ASTM F3548-21's DSS API (OpenAPI `utm.yaml`, v1.0) as serde models: what USSs send and what
//! the line answers them. Requests keep the standard's rule that fields it does not declare are ignored;
//! every field it declares is read with its type, and a wrong one is named by its path
//! ([`read`]). Answers are typed structs serialised only at the edge.
//!
//! The same models are what the log keeps of a DSS write (a volume as the USS gave it), so that replaying the
//! log reads them exactly as the write did.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `Time`: an RFC 3339 time, with `format: "RFC3339"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Time {
    pub value: String,
    pub format: String,
}

/// `Altitude`: metres above the WGS84 ellipsoid (`reference: "W84"`, `units: "M"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Altitude {
    pub value: f64,
    pub reference: String,
    pub units: String,
}

/// `LatLngPoint`, degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

/// `Polygon`: at least three vertices, the closing one not repeated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    pub vertices: Vec<LatLng>,
}

/// `Radius`, in metres (`units: "M"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Radius {
    pub value: f64,
    pub units: String,
}

/// `Circle`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Circle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center: Option<LatLng>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<Radius>,
}

/// `Volume3D`: one outline (circle or polygon) between two altitudes, each optional where the standard allows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Volume3D {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outline_circle: Option<Circle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outline_polygon: Option<Polygon>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude_lower: Option<Altitude>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude_upper: Option<Altitude>,
}

/// `Volume4D`: a `Volume3D` between two optional times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volume4D {
    pub volume: Volume3D,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_start: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_end: Option<Time>,
}

/// `ImplicitSubscriptionParameters`.
#[derive(Debug, Clone, Deserialize)]
pub struct ImplicitSubscription {
    pub uss_base_url: String,
    #[serde(default)]
    pub notify_for_constraints: Option<bool>,
}

/// `PutOperationalIntentReferenceParameters`.
#[derive(Debug, Clone, Deserialize)]
pub struct PutOperationalIntent {
    pub extents: Vec<Volume4D>,
    /// OVNs; `null` items are ignored.
    #[serde(default)]
    pub key: Option<Vec<Option<String>>>,
    pub state: String,
    pub uss_base_url: String,
    #[serde(default)]
    pub subscription_id: Option<String>,
    #[serde(default)]
    pub new_subscription: Option<ImplicitSubscription>,
    /// F3548's later OVN request (InterUSS): not offered by this DSS, so refused when given.
    #[serde(default)]
    pub requested_ovn_suffix: Option<String>,
}

/// `PutConstraintReferenceParameters`.
#[derive(Debug, Clone, Deserialize)]
pub struct PutConstraint {
    pub extents: Vec<Volume4D>,
    pub uss_base_url: String,
}

/// `PutSubscriptionParameters`.
#[derive(Debug, Clone, Deserialize)]
pub struct PutSubscription {
    pub extents: Volume4D,
    pub uss_base_url: String,
    #[serde(default)]
    pub notify_for_operational_intents: Option<bool>,
    #[serde(default)]
    pub notify_for_constraints: Option<bool>,
}

/// The body of the three queries (`area_of_interest`, optional in the standard but needed here).
#[derive(Debug, Clone, Deserialize)]
pub struct Query {
    #[serde(default)]
    pub area_of_interest: Option<Volume4D>,
}

/// `SetUssAvailabilityStatusParameters`.
#[derive(Debug, Clone, Deserialize)]
pub struct SetAvailability {
    #[serde(default)]
    pub old_version: String,
    pub availability: String,
}

/// `OperationalIntentReference` as answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperationalIntentReference {
    pub id: String,
    pub manager: String,
    pub uss_availability: &'static str,
    pub version: i32,
    pub state: &'static str,
    /// The OVN to the intent's manager; to everyone else, the standard's phrase for "ask the managing USS".
    pub ovn: String,
    pub time_start: Time,
    pub time_end: Time,
    pub uss_base_url: String,
    pub subscription_id: String,
}

/// `ConstraintReference` as answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConstraintReference {
    pub id: String,
    pub manager: String,
    pub uss_availability: &'static str,
    pub version: i32,
    pub ovn: String,
    pub time_start: Time,
    pub time_end: Time,
    pub uss_base_url: String,
}

/// `Subscription` as answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscription {
    pub id: String,
    pub version: String,
    pub notification_index: u32,
    pub time_start: Time,
    pub time_end: Time,
    pub uss_base_url: String,
    pub notify_for_operational_intents: bool,
    pub notify_for_constraints: bool,
    pub implicit_subscription: bool,
    pub dependent_operational_intents: Vec<String>,
}

/// `SubscriptionState`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriptionState {
    pub subscription_id: String,
    pub notification_index: u32,
}

/// `SubscriberToNotify`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriberToNotify {
    pub subscriptions: Vec<SubscriptionState>,
    pub uss_base_url: String,
}

/// `ChangeOperationalIntentReferenceResponse`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeOperationalIntent {
    pub subscribers: Vec<SubscriberToNotify>,
    pub operational_intent_reference: OperationalIntentReference,
}

/// `ChangeConstraintReferenceResponse`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeConstraint {
    pub subscribers: Vec<SubscriberToNotify>,
    pub constraint_reference: ConstraintReference,
}

/// `PutSubscriptionResponse`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PutSubscriptionResponse {
    pub subscription: Subscription,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operational_intent_references: Option<Vec<OperationalIntentReference>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_references: Option<Vec<ConstraintReference>>,
}

/// `AirspaceConflictResponse`: the key lacked the OVNs of these intents and constraints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AirspaceConflict {
    pub message: String,
    pub missing_operational_intents: Vec<OperationalIntentReference>,
    pub missing_constraints: Vec<ConstraintReference>,
}

/// `UssAvailabilityStatusResponse`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AvailabilityResponse {
    pub status: AvailabilityStatus,
    pub version: String,
}

/// `UssAvailabilityStatus`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AvailabilityStatus {
    pub uss: String,
    pub availability: &'static str,
}

/// Reads a request body as a `T`: the error names the path of the field at fault and says why.
pub fn read<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| crate::event::at_path(e, "the body"))?;
    de.end()
        .map_err(|e| format!("the body has more after its JSON value: {e}"))?;
    Ok(value)
}

/// Reads a logged value as a `T`, naming the field at fault.
pub fn from_value<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    crate::event::typed(v)
}
