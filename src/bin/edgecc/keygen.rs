//! `edgecc keygen`: make an ed25519 key pair for `edgecc sign`.

use std::path::PathBuf;

/// Make an ed25519 key pair for signing device binaries.
///
/// The secret key goes to KEY (readable by its owner only), the public key to KEY.pub (copy it to
/// the devices: `edgecc run --verify-key KEY.pub`). An existing secret key is never overwritten.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  edgecc keygen publisher.key
  edgecc sign block.edgebin --key publisher.key
  edgecc run block.edgebin --verify-key publisher.key.pub --random-inputs")]
pub struct Args {
    /// Where to write the secret key; the public key goes to the same path plus `.pub`.
    pub key: PathBuf,
}

pub fn main(args: Args) -> anyhow::Result<()> {
    let key = edgecc::artifact::signing::try_generate_key()?;
    edgecc::artifact::write_key_pair(&args.key, &key)?;
    println!(
        "wrote secret key {} and public key {} (key id {})",
        args.key.display(),
        edgecc::artifact::signing::public_key_path(&args.key).display(),
        edgecc::artifact::signing::hex(&key.verifying_key().to_bytes()[..8])
    );
    Ok(())
}
