#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress line on standard error, redrawn in place (only on a terminal).
final class Progress: Sendable {
    let total: Int
    let enabled: Bool
    let clock: ContinuousClock
    let started: ContinuousClock.Instant

    init(total: Int, enabled: Bool, clock: ContinuousClock, started: ContinuousClock.Instant) {
        self.total = total
        self.enabled = enabled
        self.clock = clock
        self.started = started
    }

    func update(done: Int) {
        guard enabled else { return }
        let elapsed = started.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds)
        let left = done > 0 ? seconds / Double(done) * Double(total - done) : 0
        printErrorRaw("\r\u{1B}[2K\(done)/\(total) runs, \(Int(seconds)) s elapsed" + (done > 0 && done < total ? ", about \(Int(left)) s left" : ""))
    }

    func finish() {
        guard enabled else { return }
        printErrorRaw("\r\u{1B}[2K")
    }
}

/// Writes to standard error without a newline.
func printErrorRaw(_ text: String) {
    let bytes = Array(text.utf8)
    bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
}
