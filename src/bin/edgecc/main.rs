//! The `edgecc` command line: one file per subcommand.
//!
//! Exit codes: 0 success, 1 user error (bad file, bad arguments, unsupported model), 2 internal
//! error (a bug in edgecc: please report it).

mod inspect;
mod run;
mod targets;

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
    Inspect(inspect::Args),
    Run(run::Args),
    Targets(targets::Args),
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
    let result = std::panic::catch_unwind(|| match cli.command {
        Command::Inspect(a) => inspect::main(a),
        Command::Run(a) => run::main(a),
        Command::Targets(a) => targets::main(a),
    });
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            let internal = e
                .downcast_ref::<edgecc::Error>()
                .is_some_and(edgecc::Error::is_internal);
            eprintln!("{}: {e:#}", if internal { "internal error" } else { "error" });
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
