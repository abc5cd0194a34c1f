//! The `edgecc` command line: one file per subcommand.
//!
//! Exit codes: 0 success, 1 user error (bad file, bad arguments, unsupported model), 2 internal
//! error (a bug in edgecc: please report it).

mod bench;
mod compile;
mod dump;
mod executor;
mod inputs;
mod inspect;
mod keygen;
mod run;
mod sign;
mod targets;
mod timing;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// edgecc: an ahead-of-time ML compiler for generative AI on edge GPUs.
#[derive(Parser, Debug)]
#[command(name = "edgecc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Compile(compile::Args),
    Run(run::Args),
    Inspect(inspect::Args),
    Verify(verify::Args),
    Bench(bench::Args),
    Targets(targets::Args),
    Sign(sign::Args),
    Keygen(keygen::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // Mesa's Vulkan loader complains on every device open without a private runtime dir; give it
    // one before any device (or thread) exists.
    edgecc::runtime_dir::ensure_runtime_dir();
    // `println!` panics when stdout is a closed pipe (`edgecc inspect X --json | head`): that is
    // the reader's choice, not a bug, so it ends the program quietly like SIGPIPE would.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    let result = std::panic::catch_unwind(|| match cli.command {
        Command::Compile(a) => compile::main(a),
        Command::Inspect(a) => inspect::main(a),
        Command::Run(a) => run::main(a),
        Command::Verify(a) => verify::main(a),
        Command::Bench(a) => bench::main(a),
        Command::Targets(a) => targets::main(a),
        Command::Sign(a) => sign::main(a),
        Command::Keygen(a) => keygen::main(a),
    });
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            let internal = e
                .downcast_ref::<edgecc::Error>()
                .is_some_and(edgecc::Error::is_internal);
            let msg = message(&e);
            if internal {
                eprintln!(
                    "internal error: {}",
                    msg.strip_prefix("internal error: ").unwrap_or(&msg)
                );
            } else {
                eprintln!("error: {msg}");
            }
            ExitCode::from(if internal { 2 } else { 1 })
        }
        Err(_) => {
            eprintln!(
                "internal error: edgecc panicked (this is a bug; please report it with the input that caused it)"
            );
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each cause once: many errors already include their cause in their
/// own text (`FILE: what went wrong`), which a plain chain would print again.
fn message(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !msg.contains(&text) {
            if !msg.is_empty() {
                msg.push_str(": ");
            }
            msg.push_str(&text);
        }
    }
    msg
}
