//! The `heard` binary: everything lives in the library; this only hands over (and picks the
//! allocator).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    heard::cli::main()
}
