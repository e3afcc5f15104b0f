import AnomalyDistill
import Foundation

/// Progress on standard error, only when it is a terminal and `--quiet` is off: stage lines and a
/// bar that redraws in place.
struct Progress: Sendable {
    let enabled: Bool

    init(quiet: Bool) {
        enabled = !quiet && isatty(STDERR_FILENO) != 0
    }

    func stage(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    /// Runs `body` with a progress bar fed by the library's `TrainingProgress` reports.
    func withBar<T>(_ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let handler: @Sendable (String, Double) -> Void = { stage, fraction in
            let width = 30
            let filled = Int((fraction * Double(width)).rounded())
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            let line = "\r[\(bar)] \(String(format: "%3.0f", fraction * 100))% \(stage)\u{1B}[K"
            FileHandle.standardError.write(Data(line.utf8))
        }
        defer { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        return try TrainingProgress.$handler.withValue(handler) { try body() }
    }
}
