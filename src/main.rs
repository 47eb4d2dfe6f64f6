fn main() {
    std::process::exit(migraguard::cli::main());
}
