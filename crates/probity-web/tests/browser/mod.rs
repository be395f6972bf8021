//! Driving a real headless Chromium over WebDriver, and the waits every browser test uses.
//!
//! A test waits for the state it asserts, never for time to pass and never for an element the
//! page it leaves holds too: after a click that loads a page, [`click_and_wait_for`] waits until
//! the old page is gone (its root element stale) and then for what only the new page has;
//! [`wait_for_url`] waits for the address itself. A test that fails leaves
//! `target/screenshots/<test>-failure.png` and `.html` (see [`Driver`]).

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};

/// How long a wait lasts before the test fails: generous, for a machine busy with other work.
const PATIENCE: Duration = Duration::from_secs(60);
/// How often a wait looks again.
const PERIOD: Duration = Duration::from_millis(50);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where screenshots go: CI keeps them; a failing test's are named `<test>-failure.*`.
pub fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The chromedriver process, stopped when the test ends. When the test ends by a panic, the
/// page the browser shows is saved first, as a screenshot and as HTML, so the failure can be
/// read after the run.
pub struct Driver {
    process: std::process::Child,
    client: Client,
    /// The test's name: libtest names the thread that runs a test after it.
    test: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if std::thread::panicking() {
            save_failure(&self.client, &self.test);
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Saves the page as `<test>-failure.png` and `<test>-failure.html`. It runs while a panic
/// unwinds, so it must not panic itself: every step that fails is only reported.
fn save_failure(client: &Client, test: &str) {
    let client = client.clone();
    let stem = test.replace("::", "-");
    // The test's own runtime is unwinding on this thread; the WebDriver session lives on its
    // worker threads, so a second, small runtime on a thread of its own can still talk to it.
    let saved = std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => return vec![format!("no runtime to save the page: {e}")],
        };
        runtime.block_on(async move {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
            let mut said = Vec::new();
            if let Err(e) = std::fs::create_dir_all(&dir) {
                return vec![format!("{}: {e}", dir.display())];
            }
            let limit = Duration::from_secs(20);
            match tokio::time::timeout(limit, client.screenshot()).await {
                Ok(Ok(png)) => {
                    let path = dir.join(format!("{stem}-failure.png"));
                    said.push(match std::fs::write(&path, png) {
                        Ok(()) => format!("saved {}", path.display()),
                        Err(e) => format!("{}: {e}", path.display()),
                    });
                }
                Ok(Err(e)) => said.push(format!("no screenshot: {e}")),
                Err(_) => said.push("no screenshot: the browser did not answer".into()),
            }
            match tokio::time::timeout(limit, client.source()).await {
                Ok(Ok(html)) => {
                    let path = dir.join(format!("{stem}-failure.html"));
                    said.push(match std::fs::write(&path, html) {
                        Ok(()) => format!("saved {}", path.display()),
                        Err(e) => format!("{}: {e}", path.display()),
                    });
                }
                Ok(Err(e)) => said.push(format!("no page source: {e}")),
                Err(_) => said.push("no page source: the browser did not answer".into()),
            }
            said
        })
    })
    .join();
    let lines = saved.unwrap_or_else(|_| vec!["saving the failed page panicked".into()]);
    let mut err = std::io::stderr();
    for line in lines {
        let _ = writeln!(err, "{test}: {line}");
    }
}

/// Chromium through chromedriver, or `None` outside CI when they are not installed.
pub async fn browser() -> Option<(Driver, Client)> {
    let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(chromedriver) = chromedriver else {
        if std::env::var_os("CI").is_some() {
            panic!("under CI the browser tests must run: install chromium and chromium-driver");
        }
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED (browser): chromedriver is not installed"
        );
        return None;
    };
    let port = free_port();
    let mut process = std::process::Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,900"]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    // chromedriver takes a moment to listen: ask until it answers.
    while start.elapsed() < PATIENCE {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match fantoccini::ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                let test = std::thread::current()
                    .name()
                    .unwrap_or("browser-test")
                    .to_owned();
                let driver = Driver {
                    process,
                    client: client.clone(),
                    test,
                };
                return Some((driver, client));
            }
            Err(_) => tokio::time::sleep(PERIOD).await,
        }
    }
    let _ = process.kill();
    let _ = process.wait();
    panic!("chromedriver did not answer on {url}");
}

/// A screenshot of the page as it is, for CI's artefacts.
pub async fn shot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

/// Asks `ready` until it says yes, for [`PATIENCE`] at most; then fails naming `what` and the
/// page the browser is on.
async fn until<T, F, Fut>(client: &Client, what: &str, mut ready: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(found) = ready().await {
            return found;
        }
        if start.elapsed() > PATIENCE {
            let url = client.current_url().await.map(|u| u.to_string());
            panic!("waited {PATIENCE:?} for {what}; the browser is at {url:?}");
        }
        tokio::time::sleep(PERIOD).await;
    }
}

/// Waits until the browser's address (path and query) ends with `wanted`.
pub async fn wait_for_url(client: &Client, wanted: &str) {
    until(
        client,
        &format!("the URL to end with {wanted:?}"),
        || async {
            let url = client.current_url().await.ok()?;
            url.as_str().ends_with(wanted).then_some(())
        },
    )
    .await;
}

/// Waits until the page's text holds `text`: pass one only the page awaited shows.
pub async fn wait_for_text(client: &Client, text: &str) {
    until(client, &format!("a page that says {text:?}"), || async {
        let body = client.find(Locator::Css("body")).await.ok()?;
        body.text().await.ok()?.contains(text).then_some(())
    })
    .await;
}

/// Waits for an element; `wanted` must be one the page awaited has and the page before it
/// did not (else use [`leaving`] first).
pub async fn wait_for(client: &Client, wanted: Locator<'_>) -> Element {
    let what = format!("{wanted:?}");
    until(client, &what, || async { client.find(wanted).await.ok() }).await
}

/// Does `act` (a click, a key that submits a form) and waits until the browser has left the
/// page it was on: the old page's root element is stale.
pub async fn leaving<T>(client: &Client, act: impl Future<Output = T>) -> T {
    let old = client.find(Locator::Css("html")).await.unwrap();
    let done = act.await;
    until(client, "the page to be left", || async {
        match old.tag_name().await {
            Err(e) if e.is_stale_element_reference() => Some(()),
            _ => None,
        }
    })
    .await;
    done
}

/// Clicks what `target` finds, waits until the page it was on is gone, then for `wanted` on
/// the new one.
pub async fn click_and_wait_for(
    client: &Client,
    target: Locator<'_>,
    wanted: Locator<'_>,
) -> Element {
    let what = format!("{target:?}");
    let element = client
        .find(target)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    leaving(client, async { element.click().await.unwrap() }).await;
    wait_for(client, wanted).await
}
