//! `edgecc sign`: sign a device binary with an ed25519 key, so that devices that hold the public
//! key (`edgecc run --verify-key`) run only binaries from their publisher.

use std::path::PathBuf;

/// Sign a device binary (.edgebin) with an ed25519 secret key (from `edgecc keygen`).
///
/// The signature covers every section of the binary (manifest, shaders, weights) by their
/// SHA-256; signing again replaces the signature. The file is rewritten atomically.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  edgecc sign block.edgebin --key publisher.key
  edgecc sign block.edgebin --key publisher.key -o block.signed.edgebin
  edgecc run block.edgebin --verify-key publisher.key.pub --random-inputs   # on the device
  (make the key pair with `edgecc keygen publisher.key`)")]
pub struct Args {
    /// The binary to sign.
    pub file: PathBuf,
    /// The secret key file (written by `edgecc keygen`).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Write the signed binary here instead of replacing FILE.
    #[arg(short = 'o', long = "output", value_name = "OUT.edgebin")]
    pub output: Option<PathBuf>,
}

pub fn main(args: Args) -> anyhow::Result<()> {
    let key = edgecc::artifact::signing::read_signing_key(&args.key)?;
    let mut artifact = edgecc::Artifact::read(&args.file)?;
    artifact.sign(&key);
    let out = args.output.as_ref().unwrap_or(&args.file);
    artifact.write(out)?;
    println!(
        "signed {} with key {}",
        out.display(),
        edgecc::artifact::signing::hex(&key.verifying_key().to_bytes()[..8])
    );
    Ok(())
}
