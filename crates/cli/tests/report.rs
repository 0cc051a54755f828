//! `deconflict report` against a running `deconflict demo`: a party's after-action record holds what it was
//! told and did, and nothing of what it was not; the PDF is a PDF; the bundle verifies offline, renders again
//! offline, and a tampered one is refused.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::run;

struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `deconflict demo` at `speed` on `data`; its address and tokens, once it serves.
fn demo(dir: &std::path::Path, speed: &str) -> (Demo, String, HashMap<String, String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_deconflict"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--speed",
            speed,
            "--data",
        ])
        .arg(dir.join("data"))
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo");
    let (mut addr, mut tokens) = (String::new(), HashMap::new());
    for line in BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .map_while(Result::ok)
    {
        if let Some(url) = line.strip_prefix("listening on ") {
            addr = url.to_string();
        }
        if let Some((name, token)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
            tokens.insert(name.to_string(), token.to_string());
        }
        if line.starts_with("press Ctrl-C") {
            break;
        }
    }
    (Demo(child), addr, tokens)
}

/// The text of an HTML page's source, its character references read (the template escapes `/` and `'` too).
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn text(out: &std::process::Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_partys_record_holds_what_it_was_told_and_nothing_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_demo, url, tokens) = demo(dir.path(), "600");
    assert!(url.starts_with("http://"), "{url}");
    // Let a checkpoint cover the scenario's entries and the FLASH's deadline pass.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let data = dir.path().join("data");
    let key = run(
        &["log", "key", "--data", data.to_str().expect("path")],
        None,
    );
    assert!(key.status.success(), "{}", text(&key));
    let policy = dir.path().join("policy.txt");
    std::fs::write(
        &policy,
        format!(
            "log {}\nquorum none\n",
            String::from_utf8_lossy(&key.stdout).trim()
        ),
    )
    .expect("policy");
    let p = |name: &str| dir.path().join(name).to_str().expect("path").to_string();
    let window = ["--from", "2017-06-18T04:00:00Z", "--to", "182300ZJUN17"];
    let ru = &tokens["RU_GS"];
    let mut args = vec!["report", "--server", &url, "--token", ru];
    args.extend(window);
    let html_path = p("ru.html");
    let bundle_path = p("ru.bundle.json");
    let policy_path = policy.to_str().expect("path").to_string();
    let mut html_args = args.clone();
    html_args.extend([
        "--out",
        &html_path,
        "--bundle-out",
        &bundle_path,
        "--policy",
        &policy_path,
    ]);
    let out = run(&html_args, None);
    assert!(out.status.success(), "{}", text(&out));
    let html = unescape(&std::fs::read_to_string(&html_path).expect("html"));
    for told in [
        "ru-gs",
        "demo.deconflict.example/syria-2017-exercise",
        // us-cjtf's FLASH to ru-gs, never acknowledged; ru-gs's own ROUTINE to us-cjtf.
        "Coalition strike package over Tabqa",
        "never acknowledged in this record",
        "Transit Hmeimim to Deir ez-Zor",
        // un-ocha's hospital, shared with every party; ru-gs's own declarations; a conflict with the coalition.
        "declared hosp-kz",
        "ru-gs declared ru-42",
        "conflict c-",
        "declared tr-9",
        &format!("deconflict log verify-proof --policy {policy_path} --bundle {bundle_path}"),
    ] {
        assert!(html.contains(told), "the record lacks {told:?}");
    }
    // Not told: Turkey's hotline traffic to the SDF and the coalition, the SDF's declaration shared only with
    // the coalition and Turkey. (Turkey's tr-9 is shared with ru-gs: it is in the record.)
    for never in ["Column moving from Al-Bab", "sdf-3"] {
        assert!(!html.contains(never), "the record of ru-gs leaks {never:?}");
    }
    // The bundle verifies offline, with the command the record prints.
    let out = run(
        &[
            "log",
            "verify-proof",
            "--policy",
            &policy_path,
            "--bundle",
            &bundle_path,
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ru-gs was in the audience of each"));

    // The PDF: a PDF, with the party's name in its metadata and the font embedded.
    let mut pdf_args = args.clone();
    let pdf_path = p("ru.pdf");
    pdf_args.extend(["--out", &pdf_path]);
    let out = run(&pdf_args, None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not verified"));
    let pdf = std::fs::read(&pdf_path).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-") && pdf.windows(5).any(|w| w == b"%%EOF"));
    assert!(pdf.windows(9).any(|w| w == b"/FontFile"));
    assert!(
        pdf.windows(5).any(|w| w == b"ru-gs"),
        "the party's name in the PDF's metadata"
    );

    // Offline, from the bundle (the window is its entries' times), to standard output.
    let out = run(
        &[
            "report",
            "--bundle",
            &bundle_path,
            "--policy",
            &policy_path,
            "--format",
            "html",
            "--out",
            "-",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    let again = unescape(&String::from_utf8_lossy(&out.stdout));
    assert!(
        again.contains("Coalition strike package over Tabqa")
            && !again.contains("Column moving from Al-Bab")
    );
    // A tampered bundle is refused, naming the entry; nothing is written.
    let tampered = std::fs::read_to_string(&bundle_path)
        .expect("bundle")
        .replacen("Coalition strike package", "Coalition strike packages", 1);
    std::fs::write(p("bad.json"), tampered).expect("write");
    let bad_out = p("bad.html");
    let out = run(
        &[
            "report",
            "--bundle",
            &p("bad.json"),
            "--policy",
            &policy_path,
            "--out",
            &bad_out,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not verify: entry "),
        "{}",
        text(&out)
    );
    assert!(!std::path::Path::new(&bad_out).exists());

    // Bounds and bad input, each named on standard error.
    let mut long = vec![
        "report", "--server", &url, "--token", ru, "--out", &html_path,
    ];
    long.extend([
        "--from",
        "2017-06-01T00:00:00Z",
        "--to",
        "2017-08-01T00:00:00Z",
    ]);
    let out = run(&long, None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("31 days"),
        "{}",
        text(&out)
    );
    let mut bad_time = vec![
        "report", "--server", &url, "--token", ru, "--out", &html_path,
    ];
    bad_time.extend(["--from", "yesterday", "--to", "182300ZJUN17"]);
    let out = run(&bad_time, None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--from"),
        "{}",
        text(&out)
    );
    let out = run(
        &[
            "report",
            "--bundle",
            &bundle_path,
            "--policy",
            &policy_path,
            "--out",
            &p("x.txt"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--format"),
        "{}",
        text(&out)
    );
}
