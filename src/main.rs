//! The `scalelite` binary: everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    scalelite::cli::main()
}
