/// A command that cannot do its work because of its input or the file system (not a misuse of flags):
/// ArgumentParser prints "Error: <description>" without the usage text and exits 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
