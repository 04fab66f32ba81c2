import Foundation
import Report
import SimKernel

/// Shows a long run's progress on standard error when it is a terminal: one line
/// (``ProgressLine``) rewritten in place at most four times a second, from the first
/// second of wall time on (short runs show nothing), and erased when the run ends.
/// When standard error is not a terminal it does nothing at all.
///
/// It only reads the world through ``Simulation/progressObserver``; the world runs the
/// same with or without it.
final class ProgressDisplay {
    private let duration: Int64?
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var lastShown: ContinuousClock.Instant?
    private var lastEvents = 0
    private var lastSample: ContinuousClock.Instant
    private var shown = false

    /// Seconds of wall time before the first line, and between two refreshes.
    static let delay = 1.0, refresh = 0.25

    private init(duration: Int64?) {
        self.duration = duration
        started = clock.now
        lastSample = started
    }

    /// Attaches a display to `sim` when standard error is a terminal; returns it (to be
    /// finished after the run), or nil when nothing is to be shown.
    static func attach(to sim: Simulation, duration: Duration?) -> ProgressDisplay? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        let display = ProgressDisplay(duration: duration.map { $0.nanoseconds })
        sim.progressObserver = { [display] progress in display.observe(progress) }
        return display
    }

    private func observe(_ progress: Simulation.Progress) {
        let now = clock.now
        let elapsed = started.duration(to: now).seconds
        guard elapsed >= Self.delay else { return }
        if let lastShown, lastShown.duration(to: now).seconds < Self.refresh { return }
        let window = lastSample.duration(to: now).seconds
        let rate = window > 0 ? Double(progress.events - lastEvents) / window : 0
        lastEvents = progress.events
        lastSample = now
        lastShown = now
        let line = ProgressLine.text(simulated: progress.now, duration: duration, wallSeconds: elapsed, eventsPerSecond: rate)
        // Carriage return, the line, then erase whatever a longer earlier line left.
        write("\r" + line + "\u{1B}[K")
        shown = true
    }

    /// Erases the line, if one was shown, so the summary starts on a clean line.
    func finish(_ sim: Simulation) {
        sim.progressObserver = nil
        if shown { write("\r\u{1B}[K") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
