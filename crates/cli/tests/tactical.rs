//! `deconflict tactical` end to end: known pairs in numeric order, the flags, standard input, and a table of
//! bad inputs that exit 2 naming the line and the field.

use std::process::Output;

mod common;

fn run(args: &[&str], stdin: &str) -> Output {
    common::run(&[&["tactical"][..], args].concat(), Some(stdin))
}

const HEADER: &str = "id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps\n";

/// Three head-on pairs and one far-away track: 10 and 9 converge (ids compare as numbers, so "9,10"), 100 and
/// 11 are 2 km apart at the same level (a loss of separation now), 7 is alone; 20 and 21 pass 1 000 ft apart.
const SNAPSHOT: &str = "\
10,35.0,38.0,10000,200,90,0
9,35.0,38.6,10000,200,270,0
100,36.0,40.0,6000,0,0,0
11,36.018,40.0,6000,0,0,0
7,30.0,30.0,9000,150,0,0
20,33.0,36.0,9000,220,90,0
21,33.0,36.3,9305,220,270,0
";

#[test]
fn prints_the_pairs_in_numeric_order_and_a_summary() {
    let out = run(&["-"], &format!("{HEADER}{SNAPSHOT}"));
    assert_eq!(out.status.code(), Some(1), "conflicts exit 1");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "9,10\n11,100\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("7 tracks, 2 pairs, 1 losses of separation now"),
        "{err}"
    );

    // A larger vertical zone catches the pair 1 000 ft apart; a short look-ahead drops the converging one.
    let out = run(
        &["-", "--hpz-m", "400", "--lookahead-s", "60"],
        &format!("{HEADER}{SNAPSHOT}"),
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "11,100\n20,21\n");

    // Columns in another order, text ids ordered by bytes, nothing in conflict: exit 0.
    let out = run(
        &["-"],
        "lon,lat,id,alt_m,gs_mps,trk_deg,vs_mps\n38.0,35.0,b,10000,0,0,0\n38.0,35.5,a,10000,0,0,0\n",
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let out = run(
        &["-", "--quiet"],
        "lon,lat,id,alt_m,gs_mps,trk_deg,vs_mps\n38.0,35.0,b,10000,0,0,0\n38.0,35.01,a,10000,0,0,0\n",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a,b\n");
    assert!(out.stderr.is_empty());
}

#[test]
fn bad_input_exits_2_naming_the_line_and_field() {
    let cases: [(&str, &str); 9] = [
        ("", "empty"),
        (
            "id,lat,lon,alt_m,gs_mps,trk_deg\n1,2,3,4,5,6\n",
            "no column \"vs_mps\"",
        ),
        (
            "id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps,x\n",
            "unknown column \"x\"",
        ),
        (
            "id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps\n1,91,3,4,5,6,7\n",
            "line 2 (track 1), field lat",
        ),
        (
            "id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps\n1,1,3,4,5,6,7\n2,1,x,4,5,6,7\n",
            "line 3 (track 2), field lon",
        ),
        (
            "id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps\n1,1,3,4,-5,6,7\n",
            "field gs_mps",
        ),
        (
            "id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps\n1,1,3,NaN,5,6,7\n",
            "field alt_m",
        ),
        (
            "id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps\n1,1,3,4,5,6\n",
            "line 2: 6 fields",
        ),
        (
            "id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps\n1,1,3,4,5,6,7\n1,1,3,4,5,6,7\n",
            "line 3, field id: \"1\" appears twice",
        ),
    ];
    for (input, expected) in cases {
        let out = run(&["-"], input);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{input:?}: {err}");
        assert!(err.contains(expected), "{input:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    let out = run(&["-", "--rpz-m", "0"], HEADER);
    assert_eq!(out.status.code(), Some(2));
}
