import Foundation

/// Progress lines on standard error, only when it is a terminal and `--quiet` is off.
struct Progress: Sendable {
    let enabled: Bool

    init(quiet: Bool) {
        enabled = !quiet && isatty(STDERR_FILENO) != 0
    }

    func stage(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }
}
