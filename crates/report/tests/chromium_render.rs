//! Renders report.html in headless Chromium (Debian's `chromium` package,
//! installed by `scripts/setup-chromium.sh`) and checks that
//! - a screenshot is produced and is not blank,
//! - Chromium logs no console message (the page has no scripts, so any
//!   message, e.g. a Content-Security-Policy violation, is a defect),
//! - in an instrumented copy of the page, every `<img>` loaded
//!   (`complete && naturalWidth > 0`) and no error / CSP-violation event fired.
//!
//! Set `TERRADL_REPORT_KEEP=<dir>` to keep the report and screenshot.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use terradl_report::html::CSP;
use terradl_report::{LoadOptions, decode_png, write_run_report};

const CHROMIUM: &str = "/usr/bin/chromium";
const TIMEOUT: Duration = Duration::from_secs(120);

/// Script injected at the top of `<head>` of the instrumented copy: records
/// error events (including failed resource loads, captured) and CSP violations,
/// and after `load` writes a marker element with the image status into the DOM.
const CHECK_SCRIPT: &str = r#"<script>
var tdlErrors = [];
addEventListener('error', function (e) {
  tdlErrors.push('error:' + (e.message || (e.target && (e.target.tagName + ' ' + (e.target.alt || '')))));
}, true);
document.addEventListener('securitypolicyviolation', function (e) {
  tdlErrors.push('csp:' + e.violatedDirective + ' ' + e.blockedURI);
});
addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
                   .map(function (i) { return 'broken:' + i.alt; });
  var out = document.createElement('pre');
  out.id = 'terradl-check';
  out.textContent = 'images=' + imgs.length + ';broken=' + broken.length + ';errors=' + tdlErrors.length +
                    ';detail=' + broken.concat(tdlErrors).join('|');
  document.body.appendChild(out);
});
</script>"#;

fn chromium() -> PathBuf {
    let p = PathBuf::from(CHROMIUM);
    assert!(
        p.exists(),
        "{CHROMIUM} not found: the report rendering test needs Debian's chromium; run scripts/setup-chromium.sh"
    );
    p
}

/// Run Chromium headless on `url` with extra arguments; returns (stdout, stderr).
fn run_chromium(profile: &Path, extra: &[String], url: &str) -> (String, String) {
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start chromium");
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let read_all = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let (out_t, err_t) = (read_all(Box::new(out)), read_all(Box::new(err)));
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait chromium") {
            let (o, e) = (out_t.join().unwrap(), err_t.join().unwrap());
            assert!(status.success(), "chromium failed ({status}):\n{e}");
            return (o, e);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Console messages Chromium logged (`...:CONSOLE...` lines).
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.canonicalize().unwrap().display())
}

#[test]
fn report_renders_in_headless_chromium() {
    let _ = chromium();
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    std::fs::create_dir_all(&run_dir).unwrap();
    let expected = common::write_run_dir(&run_dir);
    let read = common::reader(common::rasters());
    let report = write_run_report(&run_dir, &LoadOptions { raster_reader: Some(&read), ..Default::default() }).unwrap();
    let html = std::fs::read_to_string(&report).unwrap();

    // 1. Screenshot of the report as written.
    let shot = dir.path().join("shot.png");
    let (_, stderr) = run_chromium(
        &dir.path().join("profile1"),
        &[format!("--screenshot={}", shot.display()), "--window-size=1280,2000".into()],
        &file_url(&report),
    );
    let console = console_lines(&stderr);
    assert!(console.is_empty(), "console messages while rendering report.html:\n{}", console.join("\n"));
    let bytes = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot at {}: {e}\n{stderr}", shot.display()));
    let img = decode_png(&bytes).expect("screenshot is a PNG");
    assert_eq!((img.width(), img.height()), (1280, 2000));
    let colors = img.distinct_colors(10_000);
    assert!(colors > 200, "screenshot looks blank: {colors} distinct colours");

    // 2. Instrumented copy: every image loaded, no error events.
    assert!(html.contains(CSP), "report carries its Content-Security-Policy");
    let checked = html
        .replacen(CSP, &format!("{CSP}; script-src 'unsafe-inline'"), 1)
        .replacen("<head>\n", &format!("<head>\n{CHECK_SCRIPT}\n"), 1);
    let check_path = dir.path().join("run/check.html");
    std::fs::write(&check_path, &checked).unwrap();
    let (dom, stderr) = run_chromium(
        &dir.path().join("profile2"),
        &["--dump-dom".into(), "--virtual-time-budget=10000".into()],
        &file_url(&check_path),
    );
    let marker = dom
        .split("<pre id=\"terradl-check\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or_else(|| panic!("no check marker in the DOM dump (did the load event fire?)\n{stderr}"));
    assert_eq!(marker, format!("images={expected};broken=0;errors=0;detail="), "image/error check");
    let console = console_lines(&stderr);
    assert!(console.is_empty(), "console messages in the instrumented page:\n{}", console.join("\n"));

    if let Ok(keep) = std::env::var("TERRADL_REPORT_KEEP") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&report, keep.join("report.html")).unwrap();
        std::fs::copy(&shot, keep.join("shot.png")).unwrap();
    }
}

#[test]
fn instrumentation_detects_a_broken_image() {
    // The checker must be able to fail: a page with an undecodable image.
    let _ = chromium();
    let dir = tempfile::tempdir().unwrap();
    let page = format!(
        "<!DOCTYPE html><html><head>\n{CHECK_SCRIPT}\n</head><body><img alt=\"bad\" src=\"data:image/png;base64,AAAA\"></body></html>"
    );
    let p = dir.path().join("bad.html");
    std::fs::write(&p, page).unwrap();
    let (dom, _) = run_chromium(&dir.path().join("profile"), &["--dump-dom".into(), "--virtual-time-budget=5000".into()], &file_url(&p));
    assert!(dom.contains("images=1;broken=1;"), "{dom}");
}
