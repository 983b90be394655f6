//! `cargo xtask deploy [worker|pages] [--dry-run] [--project NAME] [--api-url URL]`: the
//! exact wrangler commands that put Satsuma on Cloudflare, printed or run.
//!
//! - `worker`: one Worker serves the API and the app as its static assets.
//! - `pages`: the app on Pages, the API on the Worker at another origin, which allows the
//!   Pages origin (`ALLOWED_ORIGINS`); `dist/config.json` tells the app where the API is.
//!
//! The plan is data built by a pure function of the settings, so the dry run shows what a
//! real run does, and tests check it without touching the environment. Secret values
//! never appear in it: they reach wrangler on stdin.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

use crate::wasm_env::TOOLS_BIN;

/// Secrets the Worker reads, in the order they are set.
const SECRETS: &[&str] = &[
    "SATSUMA_TOKEN_KEY",
    "CALLS_APP_ID",
    "CALLS_APP_SECRET",
    "TURN_SERVICE_ID",
    "TURN_SERVICE_TOKEN",
    "SATSUMA_INGEST_KEY",
    "SATSUMA_VIEW_KEY",
];

/// Which shape to deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The Worker with the app as its assets.
    Worker,
    /// The app on Pages, the API on the Worker.
    Pages,
}

/// What the plan depends on, read from the environment and the command line.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Names of the secrets that are set (their values stay in the environment).
    pub secrets_set: Vec<&'static str>,
    /// `CALLS_API_URL`, if set: a plain variable.
    pub calls_api_url: Option<String>,
    /// `TURN_API_URL`, if set: a plain variable.
    pub turn_api_url: Option<String>,
    /// `ALLOWED_ORIGINS`, if set: overrides the Pages origin.
    pub allowed_origins: Option<String>,
    /// The Pages project.
    pub project: String,
    /// The Worker's public URL, for the app's `config.json`.
    pub api_url: Option<String>,
}

/// One step of a deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A command, run in `dir` (relative to the repository root), `args[0]` being the
    /// program (`wrangler` is the one setup installed).
    Run { dir: &'static str, args: Vec<String>, tolerate_failure: bool },
    /// `wrangler secret put NAME`, with the value of `$NAME` on stdin.
    Secret { name: &'static str },
    /// Writes `contents` to `path` (relative to the repository root).
    Write { path: &'static str, contents: String },
}

/// The steps of `shape` with `settings`.
pub fn plan(shape: Shape, settings: &Settings) -> Vec<Step> {
    let run = |dir, args: &[&str]| Step::Run { dir, args: args.iter().map(|a| (*a).to_owned()).collect(), tolerate_failure: false };
    let mut steps = vec![run(".", &["cargo", "xtask", "worker", "build"])];
    // The token key is required; the rest as set (a dry run lists the key regardless).
    for name in SECRETS {
        if *name == "SATSUMA_TOKEN_KEY" || settings.secrets_set.contains(name) {
            steps.push(Step::Secret { name });
        }
    }
    let mut deploy: Vec<String> = vec!["wrangler".into(), "deploy".into()];
    for (name, value) in [("CALLS_API_URL", &settings.calls_api_url), ("TURN_API_URL", &settings.turn_api_url)] {
        if let Some(url) = value {
            deploy.extend(["--var".into(), format!("{name}:{url}")]);
        }
    }
    let pages_origin = format!("https://{}.pages.dev", settings.project);
    let origins = match shape {
        Shape::Worker => settings.allowed_origins.clone(),
        Shape::Pages => Some(settings.allowed_origins.clone().unwrap_or(pages_origin)),
    };
    if let Some(origins) = origins {
        deploy.extend(["--var".into(), format!("ALLOWED_ORIGINS:{origins}")]);
    }
    steps.push(Step::Run { dir: "crates/worker", args: deploy, tolerate_failure: false });
    if shape == Shape::Pages {
        let api = settings.api_url.clone().unwrap_or_else(|| "https://satsuma.<your-account>.workers.dev".into());
        steps.push(Step::Write { path: "dist/config.json", contents: serde_json::json!({ "apiBase": api }).to_string() });
        let project = settings.project.as_str();
        steps.push(Step::Run {
            dir: ".",
            args: ["wrangler", "pages", "project", "create", project, "--production-branch", "main"].map(String::from).to_vec(),
            // It exists after the first deploy.
            tolerate_failure: true,
        });
        steps.push(run(".", &["wrangler", "pages", "deploy", "dist", "--project-name", project, "--branch", "main"]));
    }
    steps
}

/// The steps as copy-pasteable shell.
pub fn render(steps: &[Step]) -> String {
    let quote = |a: &str| {
        if a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c)) {
            a.to_owned()
        } else {
            format!("'{}'", a.replace('\'', "'\\''"))
        }
    };
    let mut out = String::new();
    for step in steps {
        let line = match step {
            Step::Run { dir, args, tolerate_failure } => {
                let cmd = args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ");
                let cmd = if *dir == "." { cmd } else { format!("(cd {dir} && {cmd})") };
                if *tolerate_failure {
                    format!("{cmd} || true   # once per project")
                } else {
                    cmd
                }
            }
            Step::Secret { name } => format!("(cd crates/worker && printf %s \"${name}\" | wrangler secret put {name})"),
            Step::Write { path, contents } => format!("printf %s {} > {path}", quote(contents)),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Runs `cargo xtask deploy …`.
pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let mut shape = None;
    let (mut dry_run, mut project, mut api_url) = (false, env("SATSUMA_PAGES_PROJECT"), env("SATSUMA_API_URL"));
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "worker" => shape = Some(Shape::Worker),
            "pages" => shape = Some(Shape::Pages),
            "--dry-run" => dry_run = true,
            "--project" => project = Some(rest.next().context("--project wants a name")?.clone()),
            "--api-url" => api_url = Some(rest.next().context("--api-url wants the Worker's URL")?.clone()),
            other => bail!(
                "unexpected argument {other:?}; usage: cargo xtask deploy [worker|pages] [--dry-run] [--project NAME] [--api-url URL]"
            ),
        }
    }
    let settings = Settings {
        secrets_set: SECRETS.iter().copied().filter(|n| env(n).is_some()).collect(),
        calls_api_url: env("CALLS_API_URL"),
        turn_api_url: env("TURN_API_URL"),
        allowed_origins: env("ALLOWED_ORIGINS"),
        project: project.unwrap_or_else(|| "satsuma".into()),
        api_url,
    };
    if dry_run {
        let shapes = shape.map_or(vec![Shape::Worker, Shape::Pages], |s| vec![s]);
        for shape in shapes {
            let title = match shape {
                Shape::Worker => "The Worker with the app as its assets (cargo xtask deploy worker)",
                Shape::Pages => "Pages for the app, the Worker for the API (cargo xtask deploy pages)",
            };
            println!("# {title}\n{}", render(&plan(shape, &settings)));
        }
        println!(
            "# `wrangler` is setup's: export PATH=\"$PWD/{TOOLS_BIN}:$PATH\". It reads CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID."
        );
        if !settings.secrets_set.contains(&"SATSUMA_TOKEN_KEY") {
            println!("# SATSUMA_TOKEN_KEY is unset: make one with `export SATSUMA_TOKEN_KEY=$(openssl rand -hex 32)`.");
        }
        return Ok(());
    }
    let shape = shape.unwrap_or(Shape::Worker);
    check_ready(shape, &settings)?;
    execute(root, &plan(shape, &settings))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Refuses a real run that cannot succeed, before anything is built.
fn check_ready(shape: Shape, settings: &Settings) -> anyhow::Result<()> {
    if env("CLOUDFLARE_API_TOKEN").is_none() && !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        bail!("set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID (or run `wrangler login` in a terminal) to deploy; --dry-run prints the commands");
    }
    if !settings.secrets_set.contains(&"SATSUMA_TOKEN_KEY") {
        bail!(
            "SATSUMA_TOKEN_KEY is unset: every room object must share it. `export SATSUMA_TOKEN_KEY=$(openssl rand -hex 32)`, then deploy"
        );
    }
    if shape == Shape::Pages && settings.api_url.is_none() {
        bail!("the Pages app needs the Worker's URL: --api-url https://satsuma.<account>.workers.dev (or SATSUMA_API_URL)");
    }
    if !(settings.secrets_set.contains(&"CALLS_APP_ID") && settings.secrets_set.contains(&"CALLS_APP_SECRET")) {
        eprintln!("warning: CALLS_APP_ID/CALLS_APP_SECRET are unset: /api/calls answers 503 until you set them as secrets");
    }
    Ok(())
}

fn execute(root: &Path, steps: &[Step]) -> anyhow::Result<()> {
    let wrangler = root.join(TOOLS_BIN).join("wrangler");
    let command = |dir: &str, args: &[String]| {
        let mut cmd = if args[0] == "wrangler" { Command::new(&wrangler) } else { Command::new(&args[0]) };
        cmd.args(&args[1..]).current_dir(root.join(dir));
        cmd
    };
    for step in steps {
        match step {
            Step::Run { dir, args, tolerate_failure } => {
                let result = crate::process::run(&mut command(dir, args));
                match (result, tolerate_failure) {
                    (Err(err), true) => println!("    (went on: {err:#})"),
                    (result, _) => result?,
                }
            }
            Step::Secret { name } => {
                let value = env(name).with_context(|| format!("{name} is unset"))?;
                println!("  $ wrangler secret put {name}");
                let mut child = command("crates/worker", &["wrangler".into(), "secret".into(), "put".into(), (*name).into()])
                    .stdin(Stdio::piped())
                    .spawn()
                    .context("cannot start wrangler")?;
                child.stdin.take().context("no stdin")?.write_all(value.as_bytes())?;
                let status = child.wait()?;
                if !status.success() {
                    bail!("wrangler secret put {name} failed ({status})");
                }
            }
            Step::Write { path, contents } => std::fs::write(root.join(path), contents).with_context(|| format!("cannot write {path}"))?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            secrets_set: vec!["SATSUMA_TOKEN_KEY", "CALLS_APP_ID", "CALLS_APP_SECRET"],
            calls_api_url: None,
            turn_api_url: None,
            allowed_origins: None,
            project: "meet".into(),
            api_url: Some("https://satsuma.acme.workers.dev".into()),
        }
    }

    #[test]
    fn the_worker_shape_builds_sets_secrets_and_deploys() {
        let text = render(&plan(Shape::Worker, &settings()));
        assert_eq!(
            text,
            "cargo xtask worker build\n\
             (cd crates/worker && printf %s \"$SATSUMA_TOKEN_KEY\" | wrangler secret put SATSUMA_TOKEN_KEY)\n\
             (cd crates/worker && printf %s \"$CALLS_APP_ID\" | wrangler secret put CALLS_APP_ID)\n\
             (cd crates/worker && printf %s \"$CALLS_APP_SECRET\" | wrangler secret put CALLS_APP_SECRET)\n\
             (cd crates/worker && wrangler deploy)\n"
        );
    }

    #[test]
    fn the_pages_shape_allows_the_pages_origin_and_points_the_app_at_the_worker() {
        let text = render(&plan(Shape::Pages, &settings()));
        assert!(text.contains("(cd crates/worker && wrangler deploy --var ALLOWED_ORIGINS:https://meet.pages.dev)"), "{text}");
        assert!(text.contains(r#"printf %s '{"apiBase":"https://satsuma.acme.workers.dev"}' > dist/config.json"#), "{text}");
        assert!(text.contains("wrangler pages project create meet --production-branch main || true"), "{text}");
        assert!(text.ends_with("wrangler pages deploy dist --project-name meet --branch main\n"), "{text}");
        let custom = Settings {
            allowed_origins: Some("https://meet.example.com".into()),
            calls_api_url: Some("https://sfu.example/v1".into()),
            ..settings()
        };
        let text = render(&plan(Shape::Pages, &custom));
        assert!(text.contains("--var CALLS_API_URL:https://sfu.example/v1 --var ALLOWED_ORIGINS:https://meet.example.com"), "{text}");
    }

    #[test]
    fn the_token_key_is_always_set_and_other_secrets_only_when_given() {
        let bare = Settings { secrets_set: Vec::new(), ..settings() };
        let names = |s: &Settings| {
            plan(Shape::Worker, s)
                .into_iter()
                .filter_map(|step| if let Step::Secret { name } = step { Some(name) } else { None })
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&bare), ["SATSUMA_TOKEN_KEY"]);
        let turn = Settings { secrets_set: vec!["TURN_SERVICE_ID", "TURN_SERVICE_TOKEN"], ..settings() };
        assert_eq!(names(&turn), ["SATSUMA_TOKEN_KEY", "TURN_SERVICE_ID", "TURN_SERVICE_TOKEN"]);
    }
}
