//! `kube-sre-gym kubectl`: one kubectl command against a fresh simulated cluster, in process.

use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    world: crate::world::WorldArgs,
    /// The kubectl command, after `--` (a leading `kubectl` is optional).
    #[arg(last = true, required = true, value_name = "KUBECTL ARGS")]
    command: Vec<String>,
}

/// Runs the command and returns kubectl's exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut cluster = args.world.build()?;
    // Quote the words back into one command line, as the agent would have typed it.
    let line = shell_words::join(&args.command);
    let out = kubectl::exec::run(&mut cluster, &line);
    std::io::stdout().write_all(out.stdout.as_bytes())?;
    std::io::stderr().write_all(out.stderr.as_bytes())?;
    Ok(out.exit_code)
}
