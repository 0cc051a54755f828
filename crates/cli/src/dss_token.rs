//! `deconflict dss-token`: signs an F3548 access token (an RS256 JWT) with a private key, for tests and for
//! trying the DSS API by hand. A real deployment takes its tokens from the competent authority's OAuth
//! server; the DSS only verifies them.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

#[derive(Args, Debug)]
pub struct DssTokenArgs {
    /// The RSA private key (PEM) to sign with; the server's --dss-public-key is its public half.
    #[arg(long, value_name = "PEM")]
    pub key: std::path::PathBuf,
    /// The USS the token names (`sub`).
    #[arg(long)]
    pub sub: String,
    /// The DSS the token is for (`aud`): the host name the USS reaches it by.
    #[arg(long, default_value = "localhost")]
    pub audience: String,
    /// F3548 scopes, space- or comma-separated (e.g. utm.strategic_coordination).
    #[arg(long, default_value = "utm.strategic_coordination")]
    pub scope: String,
    /// How long the token is valid (seconds; the standard allows at most an hour).
    #[arg(long, default_value_t = 3_600, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub seconds: u64,
}

pub fn run(args: &DssTokenArgs) -> ExitCode {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    let fail = |why: String| {
        eprintln!("deconflict dss-token: {why}");
        ExitCode::from(2)
    };
    let pem = match std::fs::read(&args.key) {
        Ok(p) => p,
        Err(e) => return fail(format!("--key {}: {e}", args.key.display())),
    };
    let key = match jsonwebtoken::EncodingKey::from_rsa_pem(&pem) {
        Ok(k) => k,
        Err(e) => {
            return fail(format!(
                "--key {}: not an RSA private key in PEM ({e})",
                args.key.display()
            ))
        }
    };
    let now = crate::feed::now_ms() / 1000;
    let scope = args.scope.replace(',', " ");
    let claims = json!({"iss": "deconflict dss-token", "sub": args.sub, "aud": args.audience,
        "scope": scope.split_whitespace().collect::<Vec<_>>().join(" "),
        "iat": now, "nbf": now - 1, "exp": now + args.seconds as i64,
        "jti": hex::encode(rand::random::<[u8; 16]>())});
    match jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    ) {
        Ok(t) => {
            println!("{t}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("signing: {e}")),
    }
}
